import { describe, expect, it } from 'vitest'
import { createReceiver } from '../../receiver.js'
import type { SecretInput, WebhookEvent, WebhookResponse } from '../../types.js'
import { buildSampleDelivery } from '../build-sample-delivery.js'
import { autorespond, autorespondFixtures, classifyLeadEvent } from './index.js'

const KEY = 'ar_sk_7QmX2vN9pL4tR8wZ'
const NOW = Date.parse('2026-04-21T15:45:00Z')
const json = (response: WebhookResponse) => JSON.parse(response.body) as Record<string, unknown>

function receiverWithLog(secret: SecretInput | SecretInput[] = KEY) {
  const seen: WebhookEvent[] = []
  const receiver = createReceiver({ provider: autorespond, secret, now: () => NOW })
  receiver.onAny((event) => void seen.push(event))
  return { receiver, seen }
}

const post = (body: string, key: string | null = KEY) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(key === null ? {} : { 'X-Secret-Key': key }) },
  rawBody: body,
})

const msg = (direction: 'inbound' | 'outbound', text: string, minute = 0) => ({
  direction,
  text,
  timestamp: `2026-04-21T15:${String(40 + minute).padStart(2, '0')}:00Z`,
})

// The seed's sample payload, as printed.
const SEED_SAMPLE = `{
"lead_id": "lead_01HX7Q5W9J2E8K1M3YPABCDEFG",
"name": "Alex Rivera",
"email": "alex@example.com",
"phone": "+15551234567",
"postal_code": "90210",
"tags": ["yelp", "hvac", "emergency"],
"source_name": "Yelp – Downtown",
"messages": [
{
"direction": "inbound",
"text": "Hi, do you handle AC repair in 90210?",
"timestamp": "2026-04-21T15:42:18Z"
},
{
"direction": "outbound",
"text": "Yes — what's the best number to reach you on?",
"timestamp": "2026-04-21T15:42:35Z"
},
{
"direction": "inbound",
"text": "555-123-4567",
"timestamp": "2026-04-21T15:43:02Z"
}
],
"integrations": {
"created_in_crm": true,
"crm_name": "hubspot"
}
}`

describe('autorespond: telling the three lead events apart', () => {
  const lead = { lead_id: 'lead_1', email: 'Alex@Example.com', phone: '+1 (555) 123-4567' }

  it.each([
    ['no message yet', { ...lead, messages: [] }, 'lead.created'],
    ['the first message only', { ...lead, messages: [msg('inbound', 'Hi there')] }, 'lead.created'],
    ['the phone, formatted differently', { ...lead, messages: [msg('inbound', 'Hi'), msg('outbound', 'Number?'), msg('inbound', 'call 555.123.4567')] }, 'lead.contact_info_added'],
    ['the email, in another case', { ...lead, messages: [msg('inbound', 'Hi'), msg('inbound', 'it is alex@example.COM')] }, 'lead.contact_info_added'],
    ['an inbound message without contact info', { ...lead, messages: [msg('inbound', 'Hi'), msg('inbound', 'Tomorrow at 9?')] }, 'lead.message_added'],
    ['an outbound message that repeats the number', { ...lead, messages: [msg('inbound', 'Hi'), msg('outbound', 'We will call 555-123-4567')] }, 'lead.message_added'],
    ['a short phone that would match any digits', { lead_id: 'l', phone: '12', messages: [msg('inbound', 'a'), msg('inbound', 'room 12')] }, 'lead.message_added'],
  ])('%s', (_, payload, expected) => {
    expect(classifyLeadEvent(payload)).toBe(expected)
  })

  it.each([['null', null], ['an array', []], ['a lead without messages', { lead_id: 'l' }]])('%s is no lead event', (_, payload) => {
    expect(classifyLeadEvent(payload)).toBeUndefined()
  })

  it("reads the seed's sample payload, byte for byte, as lead.contact_info_added with typed messages", async () => {
    const { receiver } = receiverWithLog()
    const directions: Array<string | null | undefined> = []
    receiver.on('lead.contact_info_added', (event) => {
      for (const message of event.data.messages) directions.push(message.direction)
    })
    const response = await receiver.handle(post(SEED_SAMPLE))
    expect([response.status, json(response).event]).toEqual([200, 'lead.contact_info_added'])
    expect(directions).toEqual(['inbound', 'outbound', 'inbound'])
    // "Test webhook" clicked again sends the same canned bytes: the body digest makes it a duplicate.
    const again = await receiver.handle(post(SEED_SAMPLE))
    expect([again.status, json(again).duplicate]).toEqual([200, true])
    expect(directions).toHaveLength(3)
  })

  it('takes null for tags, source_name and integrations: sent once, a lead refused for them would be lost', async () => {
    const { receiver } = receiverWithLog()
    const payload = { lead_id: 'lead_null', tags: null, source_name: null, integrations: null, messages: [msg('inbound', 'Hi')] }
    const response = await receiver.handle(post(JSON.stringify(payload)))
    expect([response.status, json(response).event]).toEqual([200, 'lead.created'])
    const crmUnknown = { ...payload, lead_id: 'lead_crm_null', integrations: { created_in_crm: null, crm_name: null } }
    expect((await receiver.handle(post(JSON.stringify(crmUnknown)))).status).toBe(200)
  })

  it.each([
    ['a system note', { direction: 'system', text: 'Lead assigned to Sam', timestamp: '2026-04-21T15:45:00Z' }],
    ['a photo without text', { direction: 'inbound', text: null, timestamp: '2026-04-21T15:45:00Z' }],
    ['a message with no text at all', { direction: 'inbound', timestamp: '2026-04-21T15:45:00Z' }],
    ['a time as Unix seconds', { direction: 'inbound', text: 'ok', timestamp: 1776786300 }],
    ['a direction in capitals', { direction: 'INBOUND', text: 'ok', timestamp: '2026-04-21T15:45:00Z' }],
    // No date a Date can hold: the guard stays out of the way, where new Date(...).toISOString() threw a 500 on every retry.
    ['a time past what a Date holds', { direction: 'inbound', text: 'ok', timestamp: 1e16 }],
  ])('takes a transcript with %s: every later delivery about the lead carries it again, each sent once', async (_, message) => {
    const { receiver } = receiverWithLog()
    const payload = { lead_id: `lead_${globalThis.crypto.randomUUID()}`, messages: [msg('inbound', 'Hi'), msg('outbound', 'Hello!'), message] }
    const response = await receiver.handle(post(JSON.stringify(payload)))
    expect([response.status, json(response).ok]).toEqual([200, true])
  })

  it('answers a verified body that is not a lead with 422', async () => {
    const { receiver } = receiverWithLog()
    const response = await receiver.handle(post('{"hello":"world"}'))
    expect([response.status, json(response).error]).toEqual([422, expect.objectContaining({ code: 'invalid_payload' })])
  })

  it('refuses to compose a lead under a name it will not be read as', async () => {
    await expect(
      buildSampleDelivery('autorespond', 'lead.created', { secret: KEY, data: autorespondFixtures['lead.message_added'] }),
    ).rejects.toThrow(TypeError)
  })
})

describe('autorespond: the X-Secret-Key header', () => {
  it('sends the key itself, and accepts only the configured one', async () => {
    const { receiver } = receiverWithLog()
    const delivery = await buildSampleDelivery('autorespond', 'lead.created', { secret: KEY })
    expect(delivery.headers['X-Secret-Key']).toBe(KEY)
    expect((await receiver.handle({ ...delivery, rawBody: delivery.body })).status).toBe(200)
    const wrong = await receiver.handle(post(delivery.body, 'ar_sk_old'))
    expect([wrong.status, json(wrong).error]).toEqual([401, expect.objectContaining({ code: 'invalid_signature' })])
    const missing = await receiver.handle(post(delivery.body, null))
    expect([missing.status, json(missing).error]).toEqual([401, expect.objectContaining({ code: 'missing_signature' })])
  })

  it('accepts either of two configured keys, and says which matched', async () => {
    const { receiver, seen } = receiverWithLog([KEY, { value: 'ar_sk_previous', label: 'before regenerate' }])
    await receiver.handle(post(JSON.stringify(autorespondFixtures['lead.created']), 'ar_sk_previous'))
    await receiver.handle(post(JSON.stringify(autorespondFixtures['lead.message_added']), KEY))
    expect(seen.map((event) => [event.verification.secretIndex, event.verification.secretLabel])).toEqual([
      [1, 'before regenerate'],
      [0, undefined],
    ])
  })
})

describe('autorespond: idempotency and ordering', () => {
  it('handles the same lead_id again as the lead updates, but a repeated body only once', async () => {
    const { receiver, seen } = receiverWithLog()
    for (const type of ['lead.created', 'lead.contact_info_added', 'lead.message_added'] as const) {
      expect((await receiver.handle(post(JSON.stringify(autorespondFixtures[type])))).status).toBe(200)
    }
    const repeat = await receiver.handle(post(JSON.stringify(autorespondFixtures['lead.message_added'])))
    expect(json(repeat).duplicate).toBe(true)
    expect(seen.map((event) => event.type)).toEqual(['lead.created', 'lead.contact_info_added', 'lead.message_added'])
    expect(new Set(seen.map((event) => event.idempotencyKey)).size).toBe(3)
    expect(seen[0]!.idempotencyKey).toMatch(/^autorespond:sha256:[0-9a-f]{64}$/)
  })

  it('dates each snapshot by its latest message, so an older snapshot arriving late is stale', async () => {
    const { receiver, seen } = receiverWithLog()
    await receiver.handle(post(JSON.stringify(autorespondFixtures['lead.message_added'])))
    await receiver.handle(post(JSON.stringify(autorespondFixtures['lead.contact_info_added'])))
    expect(seen.map((event) => [event.type, event.occurredAt, event.stale])).toEqual([
      ['lead.message_added', '2026-04-21T15:44:51.000Z', false],
      ['lead.contact_info_added', '2026-04-21T15:43:02.000Z', true],
    ])
  })

  it('keeps leads with an empty lead_id out of the ordering guard: they name no record, so none is stale for another', async () => {
    const { receiver, seen } = receiverWithLog()
    const lead = (name: string, minute: number) => ({ ...autorespondFixtures['lead.message_added'], lead_id: '', name, messages: [msg('inbound', name, minute)] })
    await receiver.handle(post(JSON.stringify(lead('newer lead', 15))))
    await receiver.handle(post(JSON.stringify(lead('another, older lead', 5))))
    expect(seen.map((event) => event.stale)).toEqual([undefined, undefined])
  })
})
