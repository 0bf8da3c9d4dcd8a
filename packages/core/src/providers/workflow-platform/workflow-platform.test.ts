import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import type { DeliveryOutcome } from '../../pipeline/delivery-outcome.js'
import { createReceiver } from '../../receiver.js'
import type { WebhookEvent, WebhookResponse } from '../../types.js'
import { buildSampleDelivery } from '../build-sample-delivery.js'
import { MAX_CONFIRMATION_TOKEN_LENGTH, WORKFLOW_ACTION_EVENT, workflowPlatform, workflowPlatformFixtures } from './index.js'

const SECRET = 'platform-hmac-secret'
const NOW = Date.parse('2026-05-04T08:15:00.000Z')
const json = (response: WebhookResponse) => JSON.parse(response.body) as Record<string, unknown>

// What a user declares for their own workflow Webhook action: the fields they mapped.
const leadQualified = z.looseObject({
  email: z.string(),
  full_name: z.string(),
  // Form and query fields arrive as text; coercion gives the handler a number either way.
  score: z.coerce.number(),
})

function receiverWithLog() {
  const seen: WebhookEvent[] = []
  const receiver = createReceiver({
    provider: workflowPlatform,
    secret: SECRET,
    now: () => NOW,
    events: { 'lead.qualified': leadQualified, [WORKFLOW_ACTION_EVENT]: z.looseObject({ note: z.string() }) },
  })
  receiver.onAny((event) => void seen.push(event))
  return { receiver, seen }
}

async function signed(body: string, headers: Record<string, string> = {}) {
  const signature = await workflowPlatform.scheme.sign({ body }, SECRET)
  return { method: 'POST', url: '/hooks', headers: { 'content-type': 'application/json', ...signature, ...headers }, rawBody: body }
}

async function signedForm(body: string) {
  return { ...(await signed(body)), headers: { 'content-type': 'application/x-www-form-urlencoded', ...(await workflowPlatform.scheme.sign({ body }, SECRET)) } }
}

const confirmation = (token: unknown) =>
  JSON.stringify({ event: 'subscription.confirmation', subscription_id: 'whsub_1', confirmation_token: token, timestamp: '2026-05-04T08:00:00Z' })

describe('workflow-platform: subscription confirmation', () => {
  it('echoes the token of a verified confirmation, without running a handler', async () => {
    const { receiver, seen } = receiverWithLog()
    const response = await receiver.handle(await signed(confirmation('ct_9f2c81d0e4')))
    expect(response.status).toBe(200)
    expect(response.headers['content-type']).toMatch(/^application\/json/)
    expect(JSON.parse(response.body)).toEqual({ confirmation_token: 'ct_9f2c81d0e4' })
    expect(seen).toEqual([])
    // A repeated confirmation (the platform retrying) is answered again, not taken for a duplicate.
    expect(JSON.parse((await receiver.handle(await signed(confirmation('ct_9f2c81d0e4')))).body)).toEqual({
      confirmation_token: 'ct_9f2c81d0e4',
    })
  })

  it("hands the verified confirmation's payload to onDelivery, so the application can record the subscription", async () => {
    const outcomes: DeliveryOutcome[] = []
    const receiver = createReceiver({ provider: workflowPlatform, secret: SECRET, now: () => NOW, onDelivery: (outcome) => void outcomes.push(outcome) })
    await receiver.handle(await signed(confirmation('ct_9f2c81d0e4')))
    expect(outcomes).toHaveLength(1)
    expect(outcomes[0]).toMatchObject({ status: 200, ok: true, eventType: undefined, code: undefined })
    expect(outcomes[0]!.handshake?.payload).toMatchObject({ subscription_id: 'whsub_1', confirmation_token: 'ct_9f2c81d0e4' })
    // An ordinary delivery carries no handshake.
    await receiver.handle(await signed(JSON.stringify({ event: 'lead.qualified', id: 'evt_1', data: { lead_id: 'l_1' } })))
    expect(outcomes[1]!.handshake).toBeUndefined()
  })

  it('refuses an unsigned or wrongly signed confirmation (401), so nobody confirms without the secret', async () => {
    const { receiver } = receiverWithLog()
    const unsigned = await receiver.handle({ method: 'POST', headers: { 'content-type': 'application/json' }, rawBody: confirmation('ct_1') })
    expect(unsigned.status).toBe(401)
    const forged = await workflowPlatform.scheme.sign({ body: confirmation('ct_1') }, 'not-the-secret')
    expect((await receiver.handle({ method: 'POST', headers: forged, rawBody: confirmation('ct_1') })).status).toBe(401)
  })

  it.each([
    ['no token', undefined],
    ['a number', 42],
    ['an empty token', ''],
    ['a token too long to echo', 'x'.repeat(MAX_CONFIRMATION_TOKEN_LENGTH + 1)],
  ])('answers a confirmation with %s with invalid_payload (422)', async (_, token) => {
    const { receiver } = receiverWithLog()
    const response = await receiver.handle(await signed(confirmation(token)))
    expect([response.status, json(response).error]).toEqual([422, expect.objectContaining({ code: 'invalid_payload' })])
  })

  it('echoes a token the confirmation carries in data, as API v2 events carry their fields, and prefers the top-level one', async () => {
    const { receiver, seen } = receiverWithLog()
    const inData = JSON.stringify({ event: 'subscription.confirmation', subscription_id: 'whsub_1', data: { confirmation_token: 'ct_in_data' } })
    const response = await receiver.handle(await signed(inData))
    expect([response.status, JSON.parse(response.body)]).toEqual([200, { confirmation_token: 'ct_in_data' }])
    const both = JSON.stringify({ event: 'subscription.confirmation', confirmation_token: 'ct_top', data: { confirmation_token: 'ct_in_data' } })
    expect(JSON.parse((await receiver.handle(await signed(both))).body)).toEqual({ confirmation_token: 'ct_top' })
    for (const data of [{ confirmation_token: 42 }, { token: 'ct_1' }, 'ct_1', null]) {
      const refused = await receiver.handle(await signed(JSON.stringify({ event: 'subscription.confirmation', data })))
      expect([refused.status, json(refused).error]).toEqual([422, expect.objectContaining({ code: 'invalid_payload' })])
    }
    expect(seen).toHaveLength(0)
  })

  // The seed gives the token no format: refused, a genuine confirmation would be retried and never verified.
  it.each([
    ['a JWT of 625 characters', `eyJ${'a'.repeat(600)}.${'b'.repeat(20)}`],
    ['spaces', 'ct 1'],
    ['non-ASCII text', 'tök_1'],
  ])('echoes a token with %s', async (_, token) => {
    const { receiver } = receiverWithLog()
    const response = await receiver.handle(await signed(confirmation(token)))
    expect([response.status, JSON.parse(response.body)]).toEqual([200, { confirmation_token: token }])
  })
})

describe('workflow-platform: API v2 events', () => {
  it('keys a numeric event_id past 2^53 by the body digest: two distinct ids JSON.parse reads as one are two events', async () => {
    const { receiver, seen } = receiverWithLog()
    // 2^53 and 2^53 + 1 both parse to 9007199254740992: as text they would share one key.
    const first = (id: string) =>
      `{"event":"opportunity.stage_changed","event_id":${id},"timestamp":"2026-05-04T08:15:00.000Z","data":{"id":"opp_1","stage":"won"}}`
    for (const id of ['9007199254740992', '9007199254740993']) {
      const response = await receiver.handle(await signed(first(id)))
      expect([id, response.status, json(response).duplicate]).toEqual([id, 200, false])
    }
    expect(seen).toHaveLength(2)
    // A retry, the same bytes, is still a duplicate; a safe numeric id still keys as its text.
    expect(json(await receiver.handle(await signed(first('9007199254740993')))).duplicate).toBe(true)
    const small = await receiver.handle(await signed(first('42')))
    expect(json(small)).toMatchObject({ id: '42', duplicate: false })
  })

  it('keys a blank event_id by the body digest, as an empty one: two different deliveries mapping " " are two events', async () => {
    const { receiver, seen } = receiverWithLog()
    const delivery = (eventId: string, stage: string) =>
      JSON.stringify({ event: 'opportunity.stage_changed', event_id: eventId, timestamp: '2026-05-04T08:15:00.000Z', data: { id: 'opp_1', stage } })
    for (const [eventId, stage] of [[' ', 'won'], [' ', 'lost'], ['\t', 'open'], ['', 'closed']] as const) {
      const response = await receiver.handle(await signed(delivery(eventId, stage)))
      expect([stage, response.status, json(response).duplicate, json(response).id]).toEqual([stage, 200, false, undefined])
    }
    expect(seen.map((event) => event.idempotencyKey)).toEqual(Array.from({ length: 4 }, () => expect.stringMatching(/^workflow-platform:sha256:[0-9a-f]{64}$/)))
    // A retry, the same bytes, is still a duplicate.
    expect(json(await receiver.handle(await signed(delivery(' ', 'won')))).duplicate).toBe(true)
  })

  it('unwraps data and keys idempotency on event_id, so a re-serialized retry is still a duplicate', async () => {
    const { receiver, seen } = receiverWithLog()
    const delivery = await buildSampleDelivery('workflow-platform', 'opportunity.stage_changed', { secret: SECRET, now: NOW, id: 'evt_42' })
    expect((await receiver.handle({ ...delivery, rawBody: delivery.body })).status).toBe(200)
    const reformatted = JSON.stringify(JSON.parse(delivery.body), null, 2)
    const retry = await receiver.handle(await signed(reformatted))
    expect([retry.status, json(retry).duplicate]).toEqual([200, true])
    expect(seen).toHaveLength(1)
    expect(seen[0]!).toMatchObject({ id: 'evt_42', idempotencyKey: 'workflow-platform:evt_42', data: workflowPlatformFixtures['opportunity.stage_changed'] })
  })

  it('reads an API v2 event sent as a form or a GET query, its data as JSON text, as the reference sender sends it', async () => {
    const { receiver, seen } = receiverWithLog()
    const form = await buildSampleDelivery('workflow-platform', 'contact.updated', { secret: SECRET, now: NOW, contentType: 'form' })
    expect(form.body).toMatch(/&data=%7B/)
    expect((await receiver.handle({ ...form, url: '/hooks', rawBody: form.body })).status).toBe(200)
    const query = await buildSampleDelivery('workflow-platform', 'opportunity.stage_changed', { secret: SECRET, now: NOW, method: 'GET' })
    expect((await receiver.handle({ ...query, url: `/hooks${query.search}`, rawBody: '' })).status).toBe(200)
    expect(seen.map((event) => [event.type, event.data])).toEqual([
      ['contact.updated', workflowPlatformFixtures['contact.updated']],
      ['opportunity.stage_changed', workflowPlatformFixtures['opportunity.stage_changed']],
    ])
  })

  it.each([['a string', 'con_1'], ['null', null]])('reads an API v2 event whose data is %s as a form or a query as it does as JSON (422)', async (_, data) => {
    const { receiver } = receiverWithLog()
    for (const shape of [{ contentType: 'json' }, { contentType: 'form' }, { method: 'GET' }] as const) {
      const delivery = await buildSampleDelivery('workflow-platform', 'contact.created', { secret: SECRET, now: NOW, data, ...shape })
      const response = await receiver.handle({ ...delivery, url: `/hooks${delivery.search}`, rawBody: delivery.body })
      expect([shape, response.status, json(response).error]).toEqual([shape, 422, expect.objectContaining({ code: 'invalid_payload' })])
    }
  })

  it("refuses an API v2 form whose data field is not JSON (400), and keeps an action's data field as text", async () => {
    const { receiver, seen } = receiverWithLog()
    const broken = await receiver.handle(await signedForm('event=contact.updated&event_id=evt_1&data=%7Bnot-json'))
    expect([broken.status, (json(broken).error as { code: string }).code]).toEqual([400, 'invalid_body'])
    const action = await receiver.handle(await signedForm('event=lead.qualified&email=a%40b.c&full_name=A&score=1&data=%7Bas-mapped'))
    expect(action.status).toBe(200)
    expect(seen[0]!.data).toMatchObject({ data: '{as-mapped', score: 1 })
    // A field sent twice keeps its last value, for the event name as for the rest.
    const data = encodeURIComponent(JSON.stringify(workflowPlatformFixtures['contact.deleted']))
    const twice = await receiver.handle(await signedForm(`event=lead.qualified&event=contact.deleted&event_id=evt_2&data=${data}`))
    expect(twice.status).toBe(200)
    expect([seen[1]!.type, seen[1]!.data]).toEqual(['contact.deleted', workflowPlatformFixtures['contact.deleted']])
  })

  it.each([
    ['opportunity.stage_changed without id or new_stage', 'opportunity.stage_changed', { name: 'Kitchen remodel', assigned_to: 'usr_7' }],
    ['form.submitted with its values at the top level, no fields', 'form.submitted', { form_id: 'frm_1', email: 'sam@example.com' }],
    ['payment.received with a numeric-string amount and no currency', 'payment.received', { id: 'txn_1', amount: '249.00' }],
    ['contact.created with null tags and custom_fields', 'contact.created', { id: 'con_1', tags: null, custom_fields: null }],
    ['opportunity.stage_changed with a null name and new_stage', 'opportunity.stage_changed', { id: 'opp_1', name: null, new_stage: null }],
    // Shapes the seed never shows, each as plausible as the other, read as AutomateNexus's are.
    ['contact.updated with changed_fields as field names', 'contact.updated', { id: 'con_1', changed_fields: ['phone'] }],
    ['contact.updated with changed_fields as the changes', 'contact.updated', { id: 'con_1', changed_fields: { phone: { old: '+1', new: '+2' } } }],
    ['contact.created with custom_fields as entries by field id', 'contact.created', { id: 'con_1', custom_fields: [{ id: 'cf_3Kq9', value: 'VIP' }, { key: 'goal', value: null }] }],
    ['contact.created assigned to a user object without an id, a tag object with a null name', 'contact.created', { id: 'con_1', assigned_to: { name: 'Round-robin' }, tags: [{ id: 7, name: null }] }],
  ])('accepts %s: the seed shows no data, so nothing in it is required (200)', async (_, type, data) => {
    const { receiver, seen } = receiverWithLog()
    const delivery = await buildSampleDelivery('workflow-platform', type, { secret: SECRET, now: NOW, id: `evt_${type}`, data })
    expect((await receiver.handle({ ...delivery, rawBody: delivery.body })).status).toBe(200)
    expect(seen[0]!.data).toEqual(data)
  })

  it("reads a form's fields sent as {name, value} entries as the map by field key; any other list is 422", async () => {
    const { receiver, seen } = receiverWithLog()
    const submitted = async (id: string, fields: unknown) => {
      const delivery = await buildSampleDelivery('workflow-platform', 'form.submitted', { secret: SECRET, now: NOW, id, data: { form_id: 'frm_1', fields } })
      return (await receiver.handle({ ...delivery, rawBody: delivery.body })).status
    }
    expect(await submitted('evt_entries', [{ name: 'email', value: 'sam@example.com' }, { name: '__proto__', value: {} }, { name: 'notes' }])).toBe(200)
    expect(await submitted('evt_map', { email: 'sam@example.com' })).toBe(200)
    expect(seen.map((event) => event.data)).toEqual([
      { form_id: 'frm_1', fields: { email: 'sam@example.com', notes: undefined } },
      { form_id: 'frm_1', fields: { email: 'sam@example.com' } },
    ])
    // toEqual passes over a key whose value is undefined, and over a swapped prototype: checked apart.
    const fields = (seen[0]!.data as { fields: object }).fields
    expect([Object.keys(fields), Object.getPrototypeOf(fields)]).toEqual([['email', 'notes'], Object.prototype])
    expect(await submitted('evt_list', ['sam@example.com'])).toBe(422)
  })

  it('still rejects an API v2 data that is not an object with 422', async () => {
    const { receiver, seen } = receiverWithLog()
    const delivery = await buildSampleDelivery('workflow-platform', 'contact.created', { secret: SECRET, now: NOW, id: 'evt_1', data: 'con_1' })
    const response = await receiver.handle({ ...delivery, rawBody: delivery.body })
    expect([response.status, json(response).error]).toEqual([422, expect.objectContaining({ code: 'invalid_payload' })])
    expect(seen).toHaveLength(0)
  })
})

describe('workflow-platform: workflow actions with user-mapped bodies', () => {
  const mapped = { email: 'sam.rivera@example.com', full_name: 'Sam Rivera', score: 87 }

  it('composes an action whose mapped event and event_id are the ones sent, and refuses data that maps others', () => {
    const action = (type: string, data: Record<string, unknown>) =>
      () => workflowPlatform.compose!({ type, id: 'evt_send_1', occurredAt: new Date(NOW), data })
    expect(action('lead.qualified', { ...mapped, event: 'lead.qualified', event_id: 'evt_send_1' })().payload).toEqual({
      event: 'lead.qualified',
      event_id: 'evt_send_1',
      ...mapped,
    })
    expect(action(WORKFLOW_ACTION_EVENT, mapped)().payload).toEqual({ event_id: 'evt_send_1', ...mapped })
    // Read as the receiver reads them: an empty or non-text event names no type, a number id is its digits.
    for (const event of ['', null, 5, WORKFLOW_ACTION_EVENT]) expect(action(WORKFLOW_ACTION_EVENT, { ...mapped, event })).not.toThrow()
    expect(workflowPlatform.compose!({ type: 'lead.qualified', id: '42', occurredAt: new Date(NOW), data: { event_id: 42 } }).payload).toEqual({
      event: 'lead.qualified',
      event_id: 42,
    })
    expect(action(WORKFLOW_ACTION_EVENT, { ...mapped, event: 'lead.qualified' })).toThrow(/maps event "lead.qualified"/)
    expect(action('lead.qualified', { ...mapped, event: 'lead.lost' })).toThrow(/maps event "lead.lost"/)
    expect(action('lead.qualified', { ...mapped, event: '' })).toThrow(/routes as workflow.action/)
    expect(action('lead.qualified', { ...mapped, event_id: 'zzz' })).toThrow(/maps event_id "zzz"/)
    expect(action('lead.qualified', { ...mapped, event_id: null })).toThrow(/maps event_id null, which names no id: the receiver would key the delivery by its digest/)
    expect(action('lead.qualified', { ...mapped, event_id: ' ' })).toThrow(/maps event_id " ", which names no id/)
    // Data that is no map goes as one field, a list included (spread, it went as fields named 0 and 1).
    for (const data of [[1, 2], 7, 'text']) {
      expect(workflowPlatform.compose!({ type: WORKFLOW_ACTION_EVENT, id: 'evt_1', occurredAt: new Date(NOW), data }).payload).toEqual({ event_id: 'evt_1', value: data })
    }
  })

  it.each([
    ['POST', 'form'],
    ['POST', 'json'],
    ['PUT', 'json'],
    ['PUT', 'form'],
    ['GET', 'json'],
    ['DELETE', 'json'],
  ] as const)('%s with a %s body reaches the typed handler the user declared', async (method, contentType) => {
    const { receiver } = receiverWithLog()
    const scores: number[] = []
    receiver.on('lead.qualified', (event) => void scores.push(event.data.score))
    const delivery = await buildSampleDelivery('workflow-platform', 'lead.qualified', { secret: SECRET, now: NOW, method, contentType, data: mapped })
    const response = await receiver.handle({ ...delivery, url: `/hooks${delivery.search}`, rawBody: delivery.body })
    expect(response.status).toBe(200)
    expect(scores).toEqual([87])
  })

  it("versions only API v2 events: an action's mapped id and timestamp neither are stale nor make anything stale", async () => {
    const seen: WebhookEvent[] = []
    const receiver = createReceiver({
      provider: workflowPlatform,
      secret: SECRET,
      now: () => NOW,
      events: { 'contact.note_added': z.looseObject({ note: z.string() }), [WORKFLOW_ACTION_EVENT]: z.looseObject({ note: z.string() }) },
    }).onAny((event) => void seen.push(event))
    // A note added by a workflow at 10:00, about contact ct_1; then the platform's own update of ct_1 at 09:59.
    await receiver.handle(await signed(JSON.stringify({ event: 'contact.note_added', event_id: 'act_1', id: 'ct_1', timestamp: '2026-05-04T10:00:00Z', note: 'called' })))
    await receiver.handle(await signed(JSON.stringify({ event: 'contact.updated', event_id: 'evt_1', timestamp: '2026-05-04T09:59:00Z', data: { id: 'ct_1' } })))
    // Two workflows' actions that map the same id.
    await receiver.handle(await signed(JSON.stringify({ event_id: 'act_2', id: 'ct_1', timestamp: '2026-05-04T10:05:00Z', note: 'a' })))
    await receiver.handle(await signed(JSON.stringify({ event_id: 'act_3', id: 'ct_1', timestamp: '2026-05-04T10:01:00Z', note: 'b' })))
    expect(seen.map((event) => [event.id, event.stale])).toEqual([
      ['act_1', undefined],
      ['evt_1', false],
      ['act_2', undefined],
      ['act_3', undefined],
    ])
  })

  it('passes the bearer header a workflow action is configured with to the handler', async () => {
    const { receiver, seen } = receiverWithLog()
    const body = JSON.stringify({ event: 'lead.qualified', ...mapped })
    await receiver.handle(await signed(body, { authorization: 'Bearer your-token' }))
    expect(seen[0]!.headers('Authorization')).toBe('Bearer your-token')
  })

  it(`names a body without an event field ${WORKFLOW_ACTION_EVENT}, and the whole body is its data`, async () => {
    const { receiver, seen } = receiverWithLog()
    expect((await receiver.handle(await signed(JSON.stringify({ note: 'call back after 5pm' })))).status).toBe(200)
    expect(seen[0]).toMatchObject({ type: WORKFLOW_ACTION_EVENT, data: { note: 'call back after 5pm' } })
  })

  it('acknowledges an action nobody declared with 202 unknown_event, and rejects a declared one that does not fit with 422', async () => {
    const { receiver } = receiverWithLog()
    const unknown = await receiver.handle(await signed(JSON.stringify({ event: 'lead.lost', email: 'a@b.c' })))
    expect([unknown.status, json(unknown).ignored]).toEqual([202, 'unknown_event'])
    const misfit = await receiver.handle(await signed(JSON.stringify({ event: 'lead.qualified', email: 'a@b.c', score: 'high' })))
    expect([misfit.status, json(misfit).error]).toEqual([422, expect.objectContaining({ code: 'invalid_payload' })])
  })

  it('refuses methods the platform does not use', async () => {
    const { receiver } = receiverWithLog()
    const response = await receiver.handle({ ...(await signed('{}')), method: 'PATCH' })
    expect([response.status, response.headers.allow]).toEqual([405, 'POST, GET, PUT, DELETE'])
  })
})

describe('workflow-platform: GET and DELETE actions are signed over their raw query string', () => {
  const mappedQuery = 'event=lead.qualified&email=sam.rivera%40example.com&full_name=Sam+Rivera&score=87'

  // What the platform sends for a bodiless action: the fields in the query, X-Hmac-Signature over its bytes.
  async function signedQuery(method: 'GET' | 'DELETE', query: string, url = `/hooks?${query}`) {
    const signature = await workflowPlatform.scheme.sign({ body: query }, SECRET)
    return { method, url, headers: signature, rawBody: '' }
  }

  it.each(['GET', 'DELETE'] as const)('verifies a genuine %s and hands the parsed, validated query fields to the handler', async (method) => {
    const { receiver, seen } = receiverWithLog()
    const response = await receiver.handle(await signedQuery(method, mappedQuery))
    expect([response.status, json(response)]).toEqual([200, { ok: true, event: 'lead.qualified', duplicate: false }])
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({
      type: 'lead.qualified',
      data: { email: 'sam.rivera@example.com', full_name: 'Sam Rivera', score: 87 },
      verification: { secretIndex: 0 },
    })
  })

  it('verifies the query exactly as sent: neither re-encoded nor re-ordered, fragment and origin aside', async () => {
    const { receiver, seen } = receiverWithLog()
    // An unencoded quote is legal in a request target and Node keeps it; new URL() would make it %27.
    const asSent = "score=87&full_name=Sam%20O'Brien&email=sam%40example.com&event=lead.qualified"
    expect((await receiver.handle(await signedQuery('GET', asSent))).status).toBe(200)
    const absolute = await signedQuery('GET', asSent, `https://hooks.example.com/hooks?${asSent}#section`)
    expect((await receiver.handle({ ...absolute, url: absolute.url.replace('score=87', 'score=88') })).status).toBe(401)
    // Origin and fragment are not signed; the query is, and it is the same delivery (a duplicate).
    const replayed = await receiver.handle({ ...absolute, method: 'DELETE' })
    expect([replayed.status, json(replayed).duplicate]).toEqual([200, true])
    expect(seen.map((event) => event.data)).toEqual([{ event: 'lead.qualified', score: 87, full_name: "Sam O'Brien", email: 'sam@example.com' }])
  })

  it.each([
    ['a value changed', mappedQuery.replace('score=87', 'score=99')],
    ['a field added', `${mappedQuery}&score=99`],
    ['a field dropped', mappedQuery.replace('&score=87', '')],
    ['the fields re-ordered', mappedQuery.split('&').reverse().join('&')],
    ['a value re-encoded to the same text', mappedQuery.replace('%40', '@')],
    ['a space re-encoded to the same text', mappedQuery.replace('Sam+Rivera', 'Sam%20Rivera')],
    ['the query removed', ''],
  ])('rejects the signed headers replayed with %s: 401 invalid_signature, nothing handled', async (_, tampered) => {
    const { receiver, seen } = receiverWithLog()
    const genuine = await signedQuery('GET', mappedQuery)
    const response = await receiver.handle({ ...genuine, url: `/hooks?${tampered}` })
    expect([response.status, json(response).error]).toEqual([401, expect.objectContaining({ code: 'invalid_signature' })])
    expect(seen).toEqual([])
  })

  it('rejects a GET signed over its empty body, as the receiver verified it before the query was signed', async () => {
    const { receiver } = receiverWithLog()
    const overEmptyBody = await workflowPlatform.scheme.sign({ body: '' }, SECRET)
    const response = await receiver.handle({ method: 'GET', url: `/hooks?${mappedQuery}`, headers: overEmptyBody, rawBody: '' })
    expect([response.status, json(response).error]).toEqual([401, expect.objectContaining({ code: 'invalid_signature' })])
  })

  it('validates the query fields like a body: a declared action that does not fit is 422, unnamed is workflow.action', async () => {
    const { receiver, seen } = receiverWithLog()
    const misfit = await receiver.handle(await signedQuery('GET', 'event=lead.qualified&email=a%40b.c&full_name=A&score=high'))
    expect([misfit.status, json(misfit).error]).toEqual([422, expect.objectContaining({ code: 'invalid_payload' })])
    const unnamed = await receiver.handle(await signedQuery('DELETE', 'note=call+back+after+5pm'))
    expect(unnamed.status).toBe(200)
    expect(seen.map((event) => [event.type, event.data])).toEqual([[WORKFLOW_ACTION_EVENT, { note: 'call back after 5pm' }]])
  })

  it('rejects a signed GET without any query: there are no fields to handle (400 invalid_body)', async () => {
    const { receiver } = receiverWithLog()
    const response = await receiver.handle(await signedQuery('GET', '', '/hooks'))
    expect([response.status, json(response).error]).toEqual([400, expect.objectContaining({ code: 'invalid_body' })])
  })

  it('keys idempotency on a mapped event_id, else on the signed bytes: retries are duplicates, other queries run', async () => {
    const { receiver, seen } = receiverWithLog()
    const withoutId = (score: number) => `note=score+${score}&email=sam%40example.com`
    expect(json(await receiver.handle(await signedQuery('GET', withoutId(1)))).duplicate).toBe(false)
    expect(json(await receiver.handle(await signedQuery('GET', withoutId(2)))).duplicate).toBe(false)
    expect(json(await receiver.handle(await signedQuery('GET', withoutId(2)))).duplicate).toBe(true)
    // The method is not signed: a captured GET replayed as a DELETE, or its bytes posted as a form, is the
    // same signed delivery, and must not run the handler again.
    expect(json(await receiver.handle(await signedQuery('DELETE', withoutId(2)))).duplicate).toBe(true)
    expect(json(await receiver.handle(await signedForm(withoutId(2)))).duplicate).toBe(true)
    expect(json(await receiver.handle(await signedForm(withoutId(3)))).duplicate).toBe(false)
    expect(json(await receiver.handle(await signedQuery('DELETE', withoutId(3)))).duplicate).toBe(true)
    expect(seen.map((event) => (event.data as { note: string }).note)).toEqual(['score 1', 'score 2', 'score 3'])
    expect(new Set(seen.map((event) => event.idempotencyKey)).size).toBe(3)
    for (const event of seen) expect(event.idempotencyKey).toMatch(/^workflow-platform:sha256:[0-9a-f]{64}$/)

    // A mapped event_id wins: the platform's retry of the same event is a duplicate even if re-encoded.
    const first = await receiver.handle(await signedQuery('GET', 'event_id=evt_77&note=first'))
    const retry = await receiver.handle(await signedQuery('GET', 'note=first&event_id=evt_77'))
    expect([json(first).duplicate, json(retry).duplicate]).toEqual([false, true])
    expect(seen.at(-1)!.idempotencyKey).toBe('workflow-platform:evt_77')
  })

  it('round-trips buildSampleDelivery: its search is what it signed', async () => {
    const { receiver, seen } = receiverWithLog()
    const delivery = await buildSampleDelivery('workflow-platform', 'lead.qualified', {
      secret: SECRET,
      method: 'GET',
      data: { email: 'sam@example.com', full_name: "Sam O'Brien", score: 3 },
    })
    expect((await receiver.handle({ ...delivery, url: `/hooks${delivery.search}`, rawBody: '' })).status).toBe(200)
    expect(seen[0]!.data).toMatchObject({ event: 'lead.qualified', email: 'sam@example.com', full_name: "Sam O'Brien", score: 3 })
  })
})
