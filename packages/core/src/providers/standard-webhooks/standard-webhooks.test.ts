import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import { createMemoryStore } from '../../idempotency/memory-store.js'
import { createReceiver } from '../../receiver.js'
import type { WebhookEvent, WebhookResponse } from '../../types.js'
import { buildSampleDelivery } from '../build-sample-delivery.js'
import { demoSecrets } from '../registry.js'
import { standardWebhooks, standardWebhooksFixtures } from './index.js'

const SECRET = demoSecrets['standard-webhooks']
const NOW = Date.parse('2022-11-03T20:26:10Z')
const json = (response: WebhookResponse) => JSON.parse(response.body) as Record<string, unknown>

function receiverWithLog(now = NOW) {
  const seen: WebhookEvent[] = []
  const receiver = createReceiver({
    provider: standardWebhooks,
    secret: SECRET,
    now: () => now,
    events: { 'invoice.paid': z.looseObject({ id: z.string(), amount: z.number() }) },
  })
  receiver.onAny((event) => void seen.push(event))
  return { receiver, seen }
}

describe('standard-webhooks', () => {
  it("types the specification's full contact.created payload, and takes its thin one", async () => {
    const { receiver } = receiverWithLog()
    const seen: Array<[string | null | undefined, string | null | undefined, string | null | undefined]> = []
    receiver.on('contact.created', (event) => void seen.push([event.data.type, event.data.fullName, event.data.phoneNumber]))
    const sign = async (body: string) => {
      const headers = await standardWebhooks.scheme.sign({ body, id: `msg_${seen.length}`, timestampSeconds: Math.floor(NOW / 1000) }, SECRET)
      return { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, rawBody: body }
    }
    // The specification's "Thin vs full payloads" examples, verbatim.
    const full =
      '{"type":"contact.created","timestamp":"2022-11-03T20:26:10.344522Z","data":{"id":"1f81eb52-5198-4599-803e-771906343485","type":"contact","fullName":"John Smith","address":"800 W NASA Pkwy, Webster, TX 77598, USA","phoneNumber":"(281) 332-2575","birthday":"1980-04-19","occupation":"Engineer, ACME"}}'
    const thin = '{"type":"contact.created","timestamp":"2022-11-03T20:26:10.344522Z","data":{"id":"1f81eb52-5198-4599-803e-771906343485"}}'
    expect((await receiver.handle(await sign(full))).status).toBe(200)
    expect((await receiver.handle(await sign(thin))).status).toBe(200)
    expect(seen).toEqual([
      ['contact', 'John Smith', '(281) 332-2575'],
      [undefined, undefined, undefined],
    ])
  })

  it('composes {type, timestamp, data} with webhook-id, webhook-timestamp and a v1 signature', async () => {
    const delivery = await buildSampleDelivery('standard-webhooks', 'contact.created', { secret: SECRET, now: NOW, id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W' })
    expect(JSON.parse(delivery.body)).toEqual({
      type: 'contact.created',
      timestamp: '2022-11-03T20:26:10.000Z',
      data: standardWebhooksFixtures['contact.created'],
    })
    expect(delivery.headers).toMatchObject({ 'webhook-id': 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', 'webhook-timestamp': String(NOW / 1000) })
    expect(delivery.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/)
  })

  it('keys idempotency on the signed webhook-id: a retry signed later is a duplicate', async () => {
    const { receiver, seen } = receiverWithLog(NOW + 90_000)
    const first = await buildSampleDelivery('standard-webhooks', 'deal.stage_changed', { secret: SECRET, now: NOW, id: 'msg_1' })
    const retry = await buildSampleDelivery('standard-webhooks', 'deal.stage_changed', { secret: SECRET, now: NOW + 60_000, id: 'msg_1' })
    expect(first.headers['webhook-signature']).not.toBe(retry.headers['webhook-signature'])
    await receiver.handle({ ...first, rawBody: first.body })
    const response = await receiver.handle({ ...retry, rawBody: retry.body })
    expect([response.status, json(response)]).toEqual([200, expect.objectContaining({ id: 'msg_1', duplicate: true })])
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ id: 'msg_1', idempotencyKey: 'standard-webhooks:msg_1' })
  })

  // The example schedule's last retry, 75:35:05 after the first attempt (the reference sender's, in
  // @crm-webhooks/sender's retry-policy test), comes after the 72 h other providers keep a key for.
  it("remembers a completed message past the example schedule's last retry, unless the receiver says otherwise", async () => {
    const LAST_RETRY_MS = ((75 * 60 + 35) * 60 + 5) * 1000
    async function handledAfterLastRetry(options: { retentionMs?: number }) {
      let now = NOW
      const receiver = createReceiver({ provider: standardWebhooks, secret: SECRET, now: () => now, store: createMemoryStore({ now: () => now }), ...options })
      let handled = 0
      receiver.onAny(() => void (handled += 1))
      const first = await buildSampleDelivery('standard-webhooks', 'contact.created', { secret: SECRET, now, id: 'msg_late' })
      expect((await receiver.handle({ ...first, rawBody: first.body })).status).toBe(200)
      now += LAST_RETRY_MS
      const lastRetry = await buildSampleDelivery('standard-webhooks', 'contact.created', { secret: SECRET, now, id: 'msg_late' })
      const response = await receiver.handle({ ...lastRetry, rawBody: lastRetry.body })
      return { status: response.status, duplicate: json(response).duplicate, handled }
    }
    expect(standardWebhooks.retentionMs).toBe(100 * 60 * 60 * 1000)
    expect(await handledAfterLastRetry({})).toEqual({ status: 200, duplicate: true, handled: 1 })
    expect(await handledAfterLastRetry({ retentionMs: 72 * 60 * 60 * 1000 })).toEqual({ status: 200, duplicate: false, handled: 2 })
  })

  it('refuses a message signed outside the tolerance, in either direction', async () => {
    const { receiver } = receiverWithLog()
    for (const skew of [-301_000, 301_000]) {
      const delivery = await buildSampleDelivery('standard-webhooks', 'task.created', { secret: SECRET, now: NOW + skew })
      const response = await receiver.handle({ ...delivery, rawBody: delivery.body })
      expect([response.status, json(response).error]).toEqual([401, expect.objectContaining({ code: 'timestamp_out_of_tolerance' })])
    }
  })

  it("adds a sender's own events beside the catalog, typed, and acknowledges the rest with 202", async () => {
    const { receiver } = receiverWithLog()
    const amounts: number[] = []
    receiver.on('invoice.paid', (event) => void amounts.push(event.data.amount))
    const paid = await buildSampleDelivery('standard-webhooks', 'invoice.paid', { secret: SECRET, now: NOW, data: { id: 'in_1', amount: 4200 } })
    expect((await receiver.handle({ ...paid, rawBody: paid.body })).status).toBe(200)
    expect(amounts).toEqual([4200])
    const other = await buildSampleDelivery('standard-webhooks', 'invoice.voided', { secret: SECRET, now: NOW, data: { id: 'in_2' } })
    const response = await receiver.handle({ ...other, rawBody: other.body })
    expect([response.status, json(response).ignored]).toEqual([202, 'unknown_event'])
  })

  it('takes the specification example payload', async () => {
    const { receiver, seen } = receiverWithLog()
    const body = '{"type":"contact.created","timestamp":"2022-11-03T20:26:10.344522Z","data":{"id":"1f81eb52-5198-4599-803e-771906343485","type":"contact"}}'
    const headers = await standardWebhooks.scheme.sign({ body, id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestampSeconds: NOW / 1000 }, SECRET)
    expect((await receiver.handle({ method: 'POST', headers, rawBody: body })).status).toBe(200)
    expect(seen[0]).toMatchObject({ type: 'contact.created', occurredAt: '2022-11-03T20:26:10.344522Z', data: { type: 'contact' } })
  })
  it('takes the squashed form the specification allows: without a data key, the data is the top level but type and timestamp', async () => {
    const { receiver, seen } = receiverWithLog()
    const body = '{"type":"contact.created","timestamp":"2022-11-03T20:26:10.344522Z","id":"1f81eb52","email":"jane@example.com"}'
    const headers = await standardWebhooks.scheme.sign({ body, id: 'msg_squashed', timestampSeconds: NOW / 1000 }, SECRET)
    const response = await receiver.handle({ method: 'POST', headers, rawBody: body })
    expect([response.status, json(response).ok]).toEqual([200, true])
    expect(seen[0]).toMatchObject({ type: 'contact.created', occurredAt: '2022-11-03T20:26:10.344522Z' })
    expect(seen[0]!.data).toEqual({ id: '1f81eb52', email: 'jane@example.com' })
    // The ordering guard reads the squashed record id as it reads data.id.
    expect(standardWebhooks.recordVersion!(seen[0]!)?.record).toBe('contact:1f81eb52')
  })

  it('reads a payload that has a data key the nested way, even with other top-level fields', async () => {
    const { receiver, seen } = receiverWithLog()
    const body = '{"type":"contact.created","timestamp":"2022-11-03T20:26:10Z","source":"import","data":{"id":"c_2"}}'
    const headers = await standardWebhooks.scheme.sign({ body, id: 'msg_nested', timestampSeconds: NOW / 1000 }, SECRET)
    expect((await receiver.handle({ method: 'POST', headers, rawBody: body })).status).toBe(200)
    expect(seen[0]!.data).toEqual({ id: 'c_2' })
  })

  it('accepts a deal.stage_changed without id or new_stage and a numeric-string value: the specification shows neither (200)', async () => {
    const { receiver, seen } = receiverWithLog()
    const data = { stage: 'Negotiation', value: '50000.00' }
    const delivery = await buildSampleDelivery('standard-webhooks', 'deal.stage_changed', { secret: SECRET, now: NOW, data })
    expect((await receiver.handle({ ...delivery, rawBody: delivery.body })).status).toBe(200)
    expect(seen[0]!.data).toEqual(data)
  })

  // A sender leaves an empty field as null: refused, the message would be a 422 on every retry.
  it.each([
    ['deal.created with null title, currency and stage', 'deal.created', { id: 'deal_1', title: null, currency: null, stage: null }],
    ['deal.updated with a null id and updated_at', 'deal.updated', { id: null, updated_at: null }],
    ['deal.stage_changed with a null new_stage', 'deal.stage_changed', { id: 'deal_1', new_stage: null }],
    ['contact.created with null created_at and updated_at', 'contact.created', { id: 'con_1', created_at: null, updated_at: null }],
    ['task.completed with null title and completed_at', 'task.completed', { id: 'task_1', title: null, completed_at: null }],
  ])('accepts %s, as every provider takes an empty field (200)', async (_, type, data) => {
    const { receiver, seen } = receiverWithLog()
    const delivery = await buildSampleDelivery('standard-webhooks', type, { secret: SECRET, now: NOW, data })
    expect((await receiver.handle({ ...delivery, rawBody: delivery.body })).status).toBe(200)
    expect(seen[0]!.data).toEqual(data)
  })

  it("still rejects a contact without data.id with 422 (the specification's own example carries it)", async () => {
    const { receiver, seen } = receiverWithLog()
    const delivery = await buildSampleDelivery('standard-webhooks', 'contact.created', { secret: SECRET, now: NOW, data: { name: 'Jane' } })
    const response = await receiver.handle({ ...delivery, rawBody: delivery.body })
    expect([response.status, json(response).error]).toEqual([422, expect.objectContaining({ code: 'invalid_payload' })])
    expect(seen).toHaveLength(0)
  })
})
