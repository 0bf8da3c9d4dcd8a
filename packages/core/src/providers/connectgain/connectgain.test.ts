import { describe, expect, it } from 'vitest'
import { createReceiver } from '../../receiver.js'
import type { WebhookEvent, WebhookResponse } from '../../types.js'
import { buildSampleDelivery } from '../build-sample-delivery.js'
import { connectgain, connectgainFixtures } from './index.js'

const SECRET = 'your-hmac-secret'
const NOW = Date.parse('2024-01-15T10:30:00Z')

function receiverWithLog() {
  const seen: WebhookEvent[] = []
  const receiver = createReceiver({ provider: connectgain, secret: SECRET, now: () => NOW })
  receiver.onAny((event) => void seen.push(event))
  return { receiver, seen }
}

const json = (response: WebhookResponse) => JSON.parse(response.body) as Record<string, unknown>

// Pretty-printed, with an escaped slash, a \u escape, a raw multibyte character, 1.0 and 1e3: none of it
// survives JSON.stringify(JSON.parse(body)), which is what the seed's own Node example signs.
const RAW = `{
  "event": "message.received",
  "timestamp": "2024-01-15T10:35:12Z",
  "data": {
    "id": "wamid.1",
    "content": "K\\u00f6nnen Sie mir die Folien schicken? https:\\/\\/example.com \u{1F600}",
    "score": 1.0,
    "size": 1e3
  }
}`

describe('connectgain', () => {
  it('verifies the raw bytes, so bodies that do not survive re-serialization still verify', async () => {
    const { receiver, seen } = receiverWithLog()
    expect(JSON.stringify(JSON.parse(RAW))).not.toBe(RAW)
    const signature = await connectgain.scheme.sign({ body: RAW }, SECRET)
    const response = await receiver.handle({ method: 'POST', headers: { ...signature, 'content-type': 'application/json' }, rawBody: new TextEncoder().encode(RAW) })
    expect(response.status).toBe(200)
    expect(seen[0]!.data).toMatchObject({ content: 'Können Sie mir die Folien schicken? https://example.com \u{1F600}' })
  })

  it("takes the seed's own payload example (its `//... other fields` comment line left out, as JSON has none) with the seed's headers", async () => {
    const { receiver, seen } = receiverWithLog()
    const seedPayload = `{
"event": "contact.created",
"timestamp": "2024-01-15T10:30:00Z",
"data": {
"id": "uuid-here",
"first_name": "John",
"last_name": "Doe",
"organization_id": "org-uuid"
}
}`
    const signature = await connectgain.scheme.sign({ body: seedPayload }, SECRET)
    const headers = { 'Content-Type': 'application/json', 'X-Webhook-Event': 'contact.created', 'X-Webhook-Timestamp': '2024-01-15T10:30:00Z', ...signature }
    const response = await receiver.handle({ method: 'POST', headers, rawBody: seedPayload })
    expect(response.status).toBe(200)
    expect(seen.map((event) => [event.type, event.occurredAt, event.data])).toEqual([
      ['contact.created', '2024-01-15T10:30:00Z', { id: 'uuid-here', first_name: 'John', last_name: 'Doe', organization_id: 'org-uuid' }],
    ])
  })

  it("refuses a signature made the seed example's way, over JSON.stringify(req.body)", async () => {
    const { receiver } = receiverWithLog()
    const reserialized = await connectgain.scheme.sign({ body: JSON.stringify(JSON.parse(RAW)) }, SECRET)
    const response = await receiver.handle({ method: 'POST', headers: reserialized, rawBody: RAW })
    expect([response.status, json(response).error]).toEqual([401, expect.objectContaining({ code: 'invalid_signature' })])
  })

  it('sends X-Webhook-Event and X-Webhook-Timestamp beside the signature, and the envelope {event, timestamp, data}', async () => {
    const delivery = await buildSampleDelivery('connectgain', 'deal.stage.changed', { secret: SECRET, now: NOW })
    expect(delivery.headers).toMatchObject({ 'X-Webhook-Event': 'deal.stage.changed', 'X-Webhook-Timestamp': '2024-01-15T10:30:00.000Z' })
    expect(delivery.headers['X-Webhook-Signature']).toMatch(/^[0-9a-f]{64}$/)
    expect(JSON.parse(delivery.body)).toEqual({
      event: 'deal.stage.changed',
      timestamp: '2024-01-15T10:30:00.000Z',
      data: connectgainFixtures['deal.stage.changed'],
    })
  })

  it('dispatches on the signed body, never on the unsigned X-Webhook-Event header', async () => {
    const { receiver, seen } = receiverWithLog()
    const delivery = await buildSampleDelivery('connectgain', 'contact.created', { secret: SECRET, now: NOW })
    const headers = { ...delivery.headers, 'X-Webhook-Event': 'contact.assigned' }
    expect((await receiver.handle({ ...delivery, headers, rawBody: delivery.body })).status).toBe(200)
    expect(seen.map((event) => event.type)).toEqual(['contact.created'])
    // Nor when the body names no event: the header does not fill the gap.
    for (const data of [{ timestamp: '2024-01-15T10:30:00Z', data: { id: 'c1' } }, { event: '', timestamp: '2024-01-15T10:30:00Z', data: { id: 'c2' } }]) {
      const body = JSON.stringify(data)
      const signature = await connectgain.scheme.sign({ body }, SECRET)
      const unnamed = { 'content-type': 'application/json', 'X-Webhook-Event': 'contact.created', ...signature }
      expect((await receiver.handle({ method: 'POST', headers: unnamed, rawBody: body })).status).toBe(422)
    }
    expect(seen).toHaveLength(1)
  })

  it('keeps dotted names apart: deal.stage.changed is typed, deal.stage_changed is unknown (202)', async () => {
    const { receiver } = receiverWithLog()
    let newStage: string | null | undefined
    receiver.on('deal.stage.changed', (event) => {
      newStage = event.data.new_stage
    })
    const delivery = await buildSampleDelivery('connectgain', 'deal.stage.changed', { secret: SECRET, now: NOW })
    expect((await receiver.handle({ ...delivery, rawBody: delivery.body })).status).toBe(200)
    expect(newStage).toBe('Proposal sent')
    const underscored = await buildSampleDelivery('connectgain', 'deal.stage_changed', { secret: SECRET, now: NOW, data: { id: 'd1' } })
    const response = await receiver.handle({ ...underscored, rawBody: underscored.body })
    expect([response.status, json(response).ignored]).toEqual([202, 'unknown_event'])
  })

  it('answers 401 missing_signature when ConnectGain is configured without a secret and sends none', async () => {
    const { receiver } = receiverWithLog()
    const body = JSON.stringify({ event: 'contact.created', timestamp: '2024-01-15T10:30:00Z', data: connectgainFixtures['contact.created'] })
    const response = await receiver.handle({ method: 'POST', headers: { 'X-Webhook-Event': 'contact.created' }, rawBody: body })
    expect([response.status, json(response).error]).toEqual([401, expect.objectContaining({ code: 'missing_signature' })])
  })

  it('uses a digest of the body as the idempotency key: a retry is a duplicate, a new event is not', async () => {
    const { receiver, seen } = receiverWithLog()
    const first = await buildSampleDelivery('connectgain', 'message.read', { secret: SECRET, now: NOW })
    const other = await buildSampleDelivery('connectgain', 'message.delivered', { secret: SECRET, now: NOW })
    await receiver.handle({ ...first, rawBody: first.body })
    const retry = await receiver.handle({ ...first, rawBody: first.body })
    await receiver.handle({ ...other, rawBody: other.body })
    expect(json(retry).duplicate).toBe(true)
    expect(seen.map((event) => event.type)).toEqual(['message.read', 'message.delivered'])
    expect(seen[0]!.idempotencyKey).toMatch(/^connectgain:sha256:[0-9a-f]{64}$/)
  })

  it('accepts an assignee sent as a user id and a deal value sent as a numeric string, and types both', async () => {
    const { receiver, seen } = receiverWithLog()
    let assignee: string | { id?: string | null | undefined; name?: string | null | undefined; email?: string | null | undefined } | null | undefined
    receiver.on('deal.assigned', (event) => {
      assignee = event.data.assigned_to
    })
    const data = { id: 'deal-uuid', value: '4800.00', assigned_to: 'user-uuid', previous_assignee: null, assigned_by: 'manager-uuid' }
    const delivery = await buildSampleDelivery('connectgain', 'deal.assigned', { secret: SECRET, now: NOW, data })
    expect((await receiver.handle({ ...delivery, rawBody: delivery.body })).status).toBe(200)
    expect([assignee, seen[0]!.data]).toEqual(['user-uuid', data])
  })

  // WhatsApp's Cloud API writes an error code as a JSON number (131047) and Zoom a meeting id (85746392011):
  // passed through as the channel sent it, a string-only field made every such delivery a 422 on each retry.
  it.each([
    ['message.failed with the channel error code as a number', 'message.failed', { ...connectgainFixtures['message.failed'], error_code: 131047 }],
    ['zoom.recording.completed with the Zoom meeting id as a number', 'zoom.recording.completed', { ...connectgainFixtures['zoom.recording.completed'], meeting_id: 85746392011 }],
    // The README: broadcast.response is not about a CRM record, so nothing in it is required; its reply
    // may come as a message without an id, or as just the reply's text.
    ['broadcast.response whose reply message carries no id', 'broadcast.response', { broadcast_id: 'b1', message: { direction: 'inbound', content: 'Interested' } }],
    ['broadcast.response whose reply is its text', 'broadcast.response', { broadcast_id: 'b1', contact_id: 'c1', message: 'Interested, call me tomorrow' }],
    // ConnectGain is fire-and-forget: a field it leaves empty as `null` refused would lose the delivery.
    ['deal.created with null title and currency', 'deal.created', { id: 'd1', title: null, value: null, currency: null }],
    ['deal.stage.changed with a null new_stage', 'deal.stage.changed', { id: 'd1', previous_stage: 'Lead', new_stage: null, pipeline_id: null }],
    ['contact.updated with null tags and updated_at', 'contact.updated', { id: 'c1', tags: null, updated_at: null }],
    ['contact.assigned to a user without a name', 'contact.assigned', { id: 'c1', assigned_to: { id: 'u1', name: null, email: null } }],
    // The seed shows no user: one named by a rule rather than an account may come without an id.
    ['deal.assigned to a user object without an id', 'deal.assigned', { id: 'd1', assigned_to: { name: 'Round-robin' }, assigned_by: { id: null, name: 'Automation' } }],
    ['message.received with a null conversation_id', 'message.received', { id: 'm1', conversation_id: null, content: 'Hi' }],
    // Sent once: a media or template message whose content the channel writes as an object refused would be lost.
    ['message.received of an image, its content an object', 'message.received', { id: 'm2', type: 'image', content: { url: 'https://example.com/a.jpg', caption: null } }],
    ['message.sent of a template', 'message.sent', { id: 'm3', type: 'template', content: { name: 'welcome', language: 'en', parameters: ['Sam'] } }],
    ['broadcast.response with a null contact_id', 'broadcast.response', { broadcast_id: 'b1', contact_id: null }],
  ])('accepts %s (200)', async (_, type, data) => {
    const { receiver, seen } = receiverWithLog()
    const delivery = await buildSampleDelivery('connectgain', type, { secret: SECRET, now: NOW, data })
    expect((await receiver.handle({ ...delivery, rawBody: delivery.body })).status).toBe(200)
    expect(seen[0]!.data).toEqual(data)
  })

  it('still rejects a record without its id with 422 (the seed\'s format puts data.id on every call)', async () => {
    const { receiver, seen } = receiverWithLog()
    const delivery = await buildSampleDelivery('connectgain', 'contact.created', { secret: SECRET, now: NOW, data: { first_name: 'John' } })
    const response = await receiver.handle({ ...delivery, rawBody: delivery.body })
    expect([response.status, json(response).error]).toEqual([422, expect.objectContaining({ code: 'invalid_payload' })])
    expect(seen).toHaveLength(0)
  })

  it('accepts only POST with JSON', async () => {
    const { receiver } = receiverWithLog()
    const delivery = await buildSampleDelivery('connectgain', 'contact.created', { secret: SECRET, now: NOW })
    expect((await receiver.handle({ ...delivery, method: 'PUT', rawBody: delivery.body })).status).toBe(405)
    const form = { ...delivery.headers, 'content-type': 'application/x-www-form-urlencoded' }
    expect((await receiver.handle({ ...delivery, headers: form, rawBody: delivery.body })).status).toBe(415)
  })
})
