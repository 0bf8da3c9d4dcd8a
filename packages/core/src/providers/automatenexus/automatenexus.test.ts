import { describe, expect, it } from 'vitest'
import { createMemoryStore } from '../../idempotency/memory-store.js'
import { createReceiver } from '../../receiver.js'
import type { WebhookEvent, WebhookResponse } from '../../types.js'
import { buildSampleDelivery } from '../build-sample-delivery.js'
import { AUTOMATENEXUS_SAMPLE_IDS, automatenexus, automatenexusFixtures } from './index.js'

const SECRET = 'an-signing-secret'
const NOW = Date.parse('2026-03-21T15:00:00.000Z')

function receiverWithLog() {
  const seen: WebhookEvent[] = []
  const receiver = createReceiver({ provider: automatenexus, secret: SECRET, now: () => NOW })
  receiver.onAny((event) => void seen.push(event))
  return { receiver, seen }
}

type TestReceiver = ReturnType<typeof receiverWithLog>['receiver']

async function send(receiver: TestReceiver, body: string, contentType = 'application/json', method = 'POST') {
  const signature = await automatenexus.scheme.sign({ body }, SECRET)
  return receiver.handle({ method, headers: { 'content-type': contentType, ...signature }, rawBody: body })
}

const json = (response: WebhookResponse) => JSON.parse(response.body) as Record<string, unknown>

function envelope(event: string, data: unknown, timestamp = '2026-03-21T15:00:00.000Z') {
  return JSON.stringify({ event, timestamp, webhook_id: 'wh_abc123def456', account_id: 'acc_789xyz', data })
}

describe('automatenexus', () => {
  it('verifies the lower-case hex HMAC-SHA256 of the raw body (vector from python3 hmac)', async () => {
    // python3 -c "import hmac,hashlib;print(hmac.new(b'an-signing-secret',b'{\"event\":\"deal.won\"}',hashlib.sha256).hexdigest())"
    const vector = 'e5ee9236d750af64166c4ca7b544be95460ddb15c1b7e359465b1004353d69d6'
    expect(await automatenexus.scheme.sign({ body: '{"event":"deal.won"}' }, SECRET)).toEqual({ 'X-AutomateNexus-Signature': vector })
  })

  it("takes the seed's own deal.stage_changed payload, byte for byte, and types it", async () => {
    const { receiver } = receiverWithLog()
    let previous: string | undefined
    receiver.on('deal.stage_changed', (event) => {
      previous = event.data.previous_stage
    })
    const seedPayload = `{
"event": "deal.stage_changed",
"timestamp": "2026-03-21T15:00:00.000Z",
"data": {
"id": "deal_67890",
"title": "Enterprise License - Acme Corp",
"value": 50000,
"currency": "USD",
"previous_stage": "Proposal",
"new_stage": "Negotiation",
"pipeline": "Sales Pipeline",
"owner": {
"id": "user_111",
"name": "Sales Rep"
}
}
}`
    const response = await send(receiver, seedPayload)
    expect(response.status).toBe(200)
    expect(previous).toBe('Proposal')
  })

  it("takes the seed's general contact.created payload, byte for byte, and types it", async () => {
    const { receiver, seen } = receiverWithLog()
    let industry: unknown
    receiver.on('contact.created', (event) => {
      industry = event.data.custom_fields?.industry
    })
    const seedPayload = `{
"event": "contact.created",
"timestamp": "2026-03-21T14:30:00.000Z",
"webhook_id": "wh_abc123def456",
"account_id": "acc_789xyz",
"data": {
"id": "con_12345",
"first_name": "Jane",
"last_name": "Doe",
"email": "jane.doe@example.com",
"phone": "+15551234567",
"company": "Acme Corp",
"created_at": "2026-03-21T14:30:00.000Z",
"custom_fields": {
"industry": "Technology",
"lead_source": "Website"
}
}
}`
    const response = await send(receiver, seedPayload)
    expect(response.status).toBe(200)
    expect(industry).toBe('Technology')
    expect(seen[0]!.occurredAt).toBe('2026-03-21T14:30:00.000Z')
    expect(seen[0]!.payload).toMatchObject({ webhook_id: 'wh_abc123def456', account_id: 'acc_789xyz' })
  })

  it('composes the envelope {event, timestamp, webhook_id, account_id, data}', async () => {
    const delivery = await buildSampleDelivery('automatenexus', 'contact.created', { secret: SECRET, now: NOW })
    expect(JSON.parse(delivery.body)).toEqual({
      event: 'contact.created',
      timestamp: '2026-03-21T15:00:00.000Z',
      webhook_id: AUTOMATENEXUS_SAMPLE_IDS.webhookId,
      account_id: AUTOMATENEXUS_SAMPLE_IDS.accountId,
      data: automatenexusFixtures['contact.created'],
    })
    expect(Object.keys(delivery.headers).sort()).toEqual(['X-AutomateNexus-Signature', 'content-type'])
  })

  it.each(Object.keys(automatenexusFixtures))('receives %s as a form body with numbers and nesting intact', async (type) => {
    const { receiver, seen } = receiverWithLog()
    const delivery = await buildSampleDelivery('automatenexus', type, { secret: SECRET, now: NOW, contentType: 'form' })
    expect(delivery.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(delivery.body).toMatch(/^event=/)
    const response = await receiver.handle({ ...delivery, rawBody: delivery.body })
    expect(response.status).toBe(200)
    expect(seen[0]!.data).toEqual(automatenexusFixtures[type as keyof typeof automatenexusFixtures])
  })

  it('rejects a signed form body whose data field is not JSON with invalid_body (400)', async () => {
    const { receiver } = receiverWithLog()
    const response = await send(receiver, 'event=deal.won&data=%7Bnot-json', 'application/x-www-form-urlencoded')
    expect(response.status).toBe(400)
    expect(json(response)).toMatchObject({ error: { code: 'invalid_body' } })
  })

  it('applies the JSON nesting limit to a form body\'s data field: too deep is invalid_body (400), nothing handled', async () => {
    const { receiver, seen } = receiverWithLog()
    const deep = `{"id":"deal_1","nested":${'['.repeat(200)}${']'.repeat(200)}}`
    const response = await send(receiver, `event=deal.won&data=${encodeURIComponent(deep)}`, 'application/x-www-form-urlencoded')
    expect([response.status, json(response)]).toMatchObject([400, { error: { code: 'invalid_body', message: expect.stringMatching(/deeper than 128/) } }])
    expect(seen).toEqual([])
  })

  it('accepts POST, PUT and PATCH, and nothing else', async () => {
    const { receiver } = receiverWithLog()
    for (const [index, method] of ['POST', 'PUT', 'PATCH'].entries()) {
      const body = envelope('task.created', { ...automatenexusFixtures['task.created'], id: `task_${index}` })
      expect((await send(receiver, body, 'application/json', method)).status).toBe(200)
    }
    const rejected = await send(receiver, envelope('task.created', automatenexusFixtures['task.created']), 'application/json', 'GET')
    expect(rejected.status).toBe(405)
    expect(rejected.headers.allow).toBe('POST, PUT, PATCH')
  })

  it('rejects a tampered body and a missing signature with 401', async () => {
    const { receiver } = receiverWithLog()
    const body = envelope('deal.won', automatenexusFixtures['deal.won'])
    const signature = await automatenexus.scheme.sign({ body }, SECRET)
    const tampered = body.replace('50000', '5000')
    const forged = await receiver.handle({ method: 'POST', headers: signature, rawBody: tampered })
    expect([forged.status, json(forged).error]).toEqual([401, expect.objectContaining({ code: 'invalid_signature' })])
    const unsigned = await receiver.handle({ method: 'POST', headers: {}, rawBody: body })
    expect([unsigned.status, json(unsigned).error]).toEqual([401, expect.objectContaining({ code: 'missing_signature' })])
  })

  describe('idempotency: webhook_id names the configuration, so the key is a digest of the body', () => {
    it('handles two different events of the same webhook configuration', async () => {
      const { receiver, seen } = receiverWithLog()
      const first = await send(receiver, envelope('contact.tag_added', { id: 'con_1', tag: 'vip' }))
      const second = await send(receiver, envelope('contact.tag_added', { id: 'con_1', tag: 'customer' }))
      expect([first.status, second.status]).toEqual([200, 200])
      expect(json(second).duplicate).toBe(false)
      expect(seen).toHaveLength(2)
      expect(seen[0]!.idempotencyKey).toMatch(/^automatenexus:sha256:[0-9a-f]{64}$/)
      expect(seen[0]!.idempotencyKey).not.toBe(seen[1]!.idempotencyKey)
      expect(seen[0]!.id).toBeUndefined()
    })

    it('answers a retry of the same bytes as a duplicate without running the handler again', async () => {
      const { receiver, seen } = receiverWithLog()
      const body = envelope('payment.received', automatenexusFixtures['payment.received'])
      expect((await send(receiver, body)).status).toBe(200)
      const retry = await send(receiver, body)
      expect([retry.status, json(retry).duplicate]).toEqual([200, true])
      expect(seen).toHaveLength(1)
    })

    // A webhook set to the most retries the seed allows (10) at the default intervals retries until 144 h
    // after the failure (the reference sender's retry-policy test pins the schedule); the usual 72 h would
    // forget the delivery before the 7th retry, at 72 h, arrived.
    it('remembers a completed delivery past a tenth retry at 144 h, unless the receiver says otherwise', async () => {
      const HOUR = 60 * 60 * 1000
      async function handledAtLastRetry(options: { retentionMs?: number }) {
        let now = NOW
        const receiver = createReceiver({ provider: automatenexus, secret: SECRET, now: () => now, store: createMemoryStore({ now: () => now }), ...options })
        let handled = 0
        receiver.onAny(() => void (handled += 1))
        const body = envelope('payment.received', automatenexusFixtures['payment.received'])
        expect((await send(receiver, body)).status).toBe(200)
        now += 144 * HOUR + 1_000
        const response = await send(receiver, body)
        return { status: response.status, duplicate: json(response).duplicate, handled }
      }
      expect(automatenexus.retentionMs).toBe(7 * 24 * HOUR)
      expect(await handledAtLastRetry({})).toEqual({ status: 200, duplicate: true, handled: 1 })
      expect(await handledAtLastRetry({ retentionMs: 72 * HOUR })).toEqual({ status: 200, duplicate: false, handled: 2 })
    })
  })

  it('keeps fields the seed does not show, and rejects a documented field of the wrong type with 422', async () => {
    const { receiver, seen } = receiverWithLog()
    const data = { ...automatenexusFixtures['deal.stage_changed'], probability: 0.7, stage_entered_by: { id: 'user_2' } }
    expect((await send(receiver, envelope('deal.stage_changed', data))).status).toBe(200)
    expect(seen[0]!.data).toMatchObject({ probability: 0.7, stage_entered_by: { id: 'user_2' } })
    const wrong = await send(receiver, envelope('deal.stage_changed', { ...data, previous_stage: 3 }))
    expect([wrong.status, json(wrong).error]).toEqual([422, expect.objectContaining({ code: 'invalid_payload' })])
  })

  it.each([
    ['email.clicked without url', 'email.clicked', { id: 'em_1', contact_id: 'con_12345' }],
    ['form.submitted with its values at the top level, no fields', 'form.submitted', { id: 'sub_1', email: 'jane.doe@example.com' }],
    ['payment.failed without amount or currency', 'payment.failed', { id: 'pay_1', failure_reason: 'card_declined' }],
    ['payment.received with a numeric-string amount', 'payment.received', { id: 'pay_2', amount: '1499.00', currency: 'USD' }],
    ['sms.received without from, to or body', 'sms.received', { id: 'sms_1', contact_id: 'con_12345' }],
    ['call.completed with a direction the project does not list', 'call.completed', { id: 'call_1', direction: 'missed' }],
    ['appointment.booked without start_time', 'appointment.booked', { id: 'appt_1' }],
    ['contact.tag_removed without tag, owner as a user id', 'contact.tag_removed', { id: 'con_1', owner: 'user_111' }],
    ['task.created assigned to a user id', 'task.created', { id: 'task_1', assigned_to: 'user_111' }],
    // AutomateNexus switches a webhook off after enough failures in a row: one event type refused on every
    // retry would cost every other. Only a contact's and a deal's id, which the seed's examples show, is required.
    ['form.submitted without an id', 'form.submitted', { form_id: 'frm_1', email: 'jane.doe@example.com' }],
    ['call.completed without an id', 'call.completed', { contact_id: 'con_12345', duration_seconds: 42 }],
    ['deal.updated with a numeric-string value', 'deal.updated', { id: 'deal_3', value: '50000.00', currency: 'USD' }],
    ['deal.created owned by a user id', 'deal.created', { id: 'deal_4', owner: 'user_111' }],
    // Shapes the seed never shows, each as plausible as the other: refused, either would be a 422 on every retry.
    ['contact.updated with changed_fields as field names', 'contact.updated', { id: 'con_1', changed_fields: ['phone'] }],
    ['contact.updated with changed_fields as the changes', 'contact.updated', { id: 'con_1', changed_fields: { phone: { old: '+1', new: '+2' } } }],
    ['deal.updated with changed_fields as the changes', 'deal.updated', { id: 'deal_5', changed_fields: { value: { old: 1, new: 2 } } }],
    ['contact.tag_added with a numeric tag id', 'contact.tag_added', { id: 'con_1', tag: { id: 7, name: 'vip' }, tags: [{ id: 7, name: 'vip' }] }],
  ])('accepts %s: the seed never shows the field, so it is optional (200)', async (_, type, data) => {
    const { receiver, seen } = receiverWithLog()
    const response = await send(receiver, envelope(type, data))
    expect(response.status).toBe(200)
    expect(seen[0]!.data).toEqual(data)
  })

  it("reads custom_fields (and a form's fields) sent as an empty array, as PHP encodes an empty map, as {}; any other array is 422", async () => {
    const { receiver, seen } = receiverWithLog()
    expect((await send(receiver, envelope('contact.created', { id: 'con_php', custom_fields: [] }))).status).toBe(200)
    expect((await send(receiver, envelope('form.submitted', { id: 'sub_php', fields: [] }))).status).toBe(200)
    expect(seen.map((event) => event.data)).toEqual([
      { id: 'con_php', custom_fields: {} },
      { id: 'sub_php', fields: {} },
    ])
    expect((await send(receiver, envelope('contact.created', { id: 'con_list', custom_fields: ['Technology'] }))).status).toBe(422)
  })

  it("reads a form's fields sent as {name, value} entries, as form tools send submissions, as the same map; any other list is 422", async () => {
    const { receiver, seen } = receiverWithLog()
    const entries = [
      { name: 'email', value: 'jane.doe@example.com' },
      { name: 'seats', value: 250, type: 'number' },
      { name: '__proto__', value: { polluted: true } },
      { name: 'email', value: 'jane@example.com' },
      { name: 'phone' },
    ]
    expect((await send(receiver, envelope('form.submitted', { id: 'sub_list', fields: entries }))).status).toBe(200)
    expect(seen[0]!.data).toEqual({ id: 'sub_list', fields: { email: 'jane@example.com', seats: 250, phone: undefined } })
    expect(Object.hasOwn((seen[0]!.data as { fields: object }).fields, 'phone')).toBe(true)
    expect(Object.hasOwn((seen[0]!.data as { fields: object }).fields, '__proto__')).toBe(false)
    for (const fields of [['jane.doe@example.com'], [{ value: 'no name' }], [{ name: 5, value: 'x' }]]) {
      expect((await send(receiver, envelope('form.submitted', { id: 'sub_bad', fields }))).status).toBe(422)
    }
  })

  it('accepts a deal whose shown fields are null, as a CRM sends an empty field: an unowned, unvalued deal (200)', async () => {
    const { receiver, seen } = receiverWithLog()
    const data = {
      id: 'deal_2',
      ...{ title: null, value: null, currency: null, pipeline: null, owner: null, custom_fields: null, created_at: null, updated_at: null },
      previous_stage: 'Lead',
      new_stage: 'Qualified',
    }
    const response = await send(receiver, envelope('deal.stage_changed', data))
    expect(response.status).toBe(200)
    expect(seen[0]!.data).toEqual(data)
  })

  it.each([
    ['task.created', { id: 'task_1', title: null, status: null, priority: null, created_at: null, updated_at: null }],
    ['payment.received', { id: 'pay_1', status: null, payment_method: null, processor: null, created_at: null }],
    ['appointment.booked', { id: 'apt_1', title: null, start_time: null, end_time: null, timezone: null, status: null }],
    ['call.completed', { id: 'call_1', direction: null, duration_seconds: null, started_at: null }],
  ])('accepts %s with its optional fields null, as a CRM sends an empty field (200)', async (type, data) => {
    const { receiver, seen } = receiverWithLog()
    expect((await send(receiver, envelope(type, data))).status).toBe(200)
    expect(seen[0]!.data).toEqual(data)
  })

  it.each([
    ['deal.stage_changed without new_stage (the seed says the payload includes it)', 'deal.stage_changed', { id: 'deal_1', previous_stage: 'Proposal' }],
    ['deal.stage_changed without previous_stage', 'deal.stage_changed', { id: 'deal_1', new_stage: 'Negotiation' }],
    ['a record without its id (both seed examples carry data.id)', 'contact.created', { first_name: 'Jane' }],
  ])('still rejects %s with 422', async (_, type, data) => {
    const { receiver, seen } = receiverWithLog()
    const response = await send(receiver, envelope(type, data))
    expect([response.status, json(response).error]).toEqual([422, expect.objectContaining({ code: 'invalid_payload' })])
    expect(seen).toHaveLength(0)
  })

  it('marks an update older than one already handled for the same record as stale', async () => {
    const { receiver, seen } = receiverWithLog()
    const deal = automatenexusFixtures['deal.updated']
    await send(receiver, envelope('deal.stage_changed', automatenexusFixtures['deal.stage_changed'], '2026-03-21T15:00:00.000Z'))
    await send(receiver, envelope('deal.updated', deal, '2026-03-21T14:00:00.000Z'))
    expect(seen.map((event) => [event.type, event.stale])).toEqual([
      ['deal.stage_changed', false],
      ['deal.updated', true],
    ])
  })
})
