import { describe, expect, it } from 'vitest'
import { createReceiver } from '../../receiver.js'
import type { WebhookEvent, WebhookResponse } from '../../types.js'
import { buildSampleDelivery } from '../build-sample-delivery.js'
import { customermates, customermatesFixtures } from './index.js'

const SECRET = 'cm-webhook-secret'
const NOW = Date.parse('2026-02-12T14:00:00.000Z')

function receiverWithLog() {
  const seen: WebhookEvent[] = []
  const receiver = createReceiver({ provider: customermates, secret: SECRET, now: () => NOW })
  receiver.onAny((event) => void seen.push(event))
  return { receiver, seen }
}

const json = (response: WebhookResponse) => JSON.parse(response.body) as Record<string, unknown>

describe('customermates', () => {
  it('composes {event, data, timestamp} signed in X-Webhook-Signature (vector from python3 hmac)', async () => {
    const delivery = await buildSampleDelivery('customermates', 'task.created', { secret: SECRET, now: NOW })
    expect(Object.keys(JSON.parse(delivery.body))).toEqual(['event', 'data', 'timestamp'])
    // python3 -c "import hmac,hashlib;print(hmac.new(b'cm-webhook-secret',b'{\"event\":\"task.deleted\"}',hashlib.sha256).hexdigest())"
    expect(await customermates.scheme.sign({ body: '{"event":"task.deleted"}' }, SECRET)).toEqual({
      'X-Webhook-Signature': 'd5c8463d4c28b588374af35d06742aba12d6647a57b3c97b9c9e727b6a91039d',
    })
  })

  it('types an update as the record after the change plus what changed', async () => {
    const { receiver } = receiverWithLog()
    let change: unknown
    let total: number | string | null | undefined
    receiver.on('deal.updated', (event) => {
      total = event.data.payload?.deal?.totalValue
      change = event.data.payload?.changes?.totalValue
    })
    const delivery = await buildSampleDelivery('customermates', 'deal.updated', { secret: SECRET, now: NOW })
    expect((await receiver.handle({ ...delivery, rawBody: delivery.body })).status).toBe(200)
    expect([total, change]).toEqual([7200, { previous: 5400, current: 7200 }])
  })

  it('answers a manual resend of a stored delivery as a duplicate, without running the handler again', async () => {
    const { receiver, seen } = receiverWithLog()
    const delivery = await buildSampleDelivery('customermates', 'contact.deleted', { secret: SECRET, now: NOW })
    await receiver.handle({ ...delivery, rawBody: delivery.body })
    const resend = await receiver.handle({ ...delivery, rawBody: delivery.body })
    expect([resend.status, json(resend).duplicate]).toEqual([200, true])
    expect(seen).toHaveLength(1)
    expect(seen[0]!.idempotencyKey).toMatch(/^customermates:json-sha256:[0-9a-f]{64}$/)
  })

  it('knows a resend written out again from jsonb (keys reordered, spaced, numbers respelled) as the same delivery', async () => {
    const { receiver, seen } = receiverWithLog()
    const signed = async (body: string) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await customermates.scheme.sign({ body }, SECRET)) },
      rawBody: body,
    })
    const first = '{"event":"deal.updated","data":{"userId":"u1","entityId":"d1","payload":{"deal":{"id":"d1","totalValue":7200},"changes":{"totalValue":{"previous":5400,"current":7200}}}},"timestamp":"2026-02-12T14:00:00.000Z"}'
    // What PostgreSQL's jsonb gives back for it: keys by length then bytes, a space after each colon and comma.
    const fromJsonb =
      '{"data": {"userId": "u1", "payload": {"deal": {"id": "d1", "totalValue": 7.2e3}, "changes": {"totalValue": {"current": 7200, "previous": 5400}}}, "entityId": "d1"}, "event": "deal.updated", "timestamp": "2026-02-12T14:00:00.000Z"}'
    expect((await receiver.handle(await signed(first))).status).toBe(200)
    const resend = await receiver.handle(await signed(fromJsonb))
    expect([resend.status, json(resend).duplicate]).toEqual([200, true])
    // Any value changed, the time included, is another delivery.
    const later = await receiver.handle(await signed(first.replace('14:00:00.000Z', '14:00:01.000Z')))
    expect([later.status, json(later).duplicate]).toEqual([200, false])
    expect(seen).toHaveLength(2)
  })

  it('names the record of created, updated and deleted events alike, so a late update is stale', async () => {
    const { receiver, seen } = receiverWithLog()
    const deleted = await buildSampleDelivery('customermates', 'organization.deleted', { secret: SECRET, now: NOW })
    const lateUpdate = await buildSampleDelivery('customermates', 'organization.updated', { secret: SECRET, now: NOW - 60_000 })
    await receiver.handle({ ...deleted, rawBody: deleted.body })
    await receiver.handle({ ...lateUpdate, rawBody: lateUpdate.body })
    expect(seen.map((event) => [event.type, event.stale])).toEqual([
      ['organization.deleted', false],
      ['organization.updated', true],
    ])
    expect(customermates.recordVersion!(seen[1]!)).toEqual({
      record: `organization:${customermatesFixtures['organization.updated'].payload?.organization?.id}`,
      version: NOW - 60_000,
    })
  })

  it("takes the record from data.entityId when the payload names no id (Customermates' own events carry it)", () => {
    const event = { type: 'task.deleted', occurredAt: new Date(NOW).toISOString(), data: { entityId: 't1' } } as unknown as WebhookEvent
    expect(customermates.recordVersion!(event)).toEqual({ record: 'task:t1', version: NOW })
  })

  it('lets unknown fields through', async () => {
    const { receiver, seen } = receiverWithLog()
    const extra = { ...customermatesFixtures['task.created'], source: 'api', payload: { ...customermatesFixtures['task.created'].payload, priority: 'high' } }
    const delivery = await buildSampleDelivery('customermates', 'task.created', { secret: SECRET, now: NOW, data: extra })
    expect((await receiver.handle({ ...delivery, rawBody: delivery.body })).status).toBe(200)
    expect(seen[0]!.data).toMatchObject({ source: 'api', payload: { priority: 'high' } })
  })

  it.each([
    ['an update without its record', 'task.updated', { payload: { changes: {} } }, undefined],
    ['a created event whose data is the record itself, not {payload}', 'contact.created', { id: 'c1', firstName: 'Max' }, undefined],
    ['a deal with decimal strings and users as ids', 'deal.created', { payload: { id: 'd1', totalValue: '5400.00', users: ['u1'] } }, 'deal:d1'],
    // Customermates builds each change as {previous, current} and JSON drops the side that is undefined.
    ['an update whose changes name a field only on one side', 'contact.updated', { payload: { changes: { name: { current: 'x' }, email: { previous: 'a@b.c' } } } }, undefined],
    ['null where the record leaves a field empty', 'contact.created', { userId: null, payload: { id: 'c2', firstName: null } }, 'contact:c2'],
    ['a multi-select custom field, its value a list', 'contact.created', { payload: { id: 'c3', customFieldValues: [{ columnId: 'col1', value: ['a', 'b'] }] } }, 'contact:c3'],
  ])('accepts %s: the seed shows no data, so nothing in it is required (200)', async (_, type, data, record) => {
    const { receiver, seen } = receiverWithLog()
    const delivery = await buildSampleDelivery('customermates', type, { secret: SECRET, now: NOW, data })
    expect((await receiver.handle({ ...delivery, rawBody: delivery.body })).status).toBe(200)
    expect(seen[0]!.data).toEqual(data)
    // Without a record id the ordering guard stays out of the way.
    expect(customermates.recordVersion!(seen[0]!)?.record).toBe(record)
  })

  it('types what the seed does not show as optional', async () => {
    const { receiver } = receiverWithLog()
    let id: string | null | undefined = 'unset'
    receiver.on('task.updated', (event) => {
      id = event.data.payload?.task?.id
    })
    const delivery = await buildSampleDelivery('customermates', 'task.updated', { secret: SECRET, now: NOW, data: { payload: { changes: {} } } })
    expect((await receiver.handle({ ...delivery, rawBody: delivery.body })).status).toBe(200)
    expect(id).toBeUndefined()
  })

  it('still rejects a data that is not an object with 422 (the envelope carries the record context in it)', async () => {
    const { receiver, seen } = receiverWithLog()
    const broken = await buildSampleDelivery('customermates', 'task.updated', { secret: SECRET, now: NOW, data: 'task-1' })
    const response = await receiver.handle({ ...broken, rawBody: broken.body })
    expect([response.status, json(response).error]).toEqual([422, expect.objectContaining({ code: 'invalid_payload' })])
    expect(seen).toHaveLength(0)
  })
})
