import { describe, expect, it } from 'vitest'
import { z } from 'zod'
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
    ['a token with spaces', 'ct 1'],
    ['a token too long to echo', 'x'.repeat(MAX_CONFIRMATION_TOKEN_LENGTH + 1)],
  ])('answers a confirmation with %s with invalid_payload (422)', async (_, token) => {
    const { receiver } = receiverWithLog()
    const response = await receiver.handle(await signed(confirmation(token)))
    expect([response.status, json(response).error]).toEqual([422, expect.objectContaining({ code: 'invalid_payload' })])
  })
})

describe('workflow-platform: API v2 events', () => {
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
})

describe('workflow-platform: workflow actions with user-mapped bodies', () => {
  const mapped = { email: 'sam.rivera@example.com', full_name: 'Sam Rivera', score: 87 }

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

  it('keys bodiless GETs on their query: different queries both run, the same query twice is a duplicate', async () => {
    const { receiver, seen } = receiverWithLog()
    const get = async (score: number) => {
      const data = { ...mapped, score }
      const delivery = await buildSampleDelivery('workflow-platform', WORKFLOW_ACTION_EVENT, { secret: SECRET, method: 'GET', data: { note: `score ${score}`, ...data } })
      // Without an event_id mapped, only the query tells deliveries apart.
      const search = delivery.search.replace(/&?event_id=[^&]*/, '')
      return receiver.handle({ ...delivery, url: `/hooks${search}`, rawBody: '' })
    }
    await get(1)
    await get(2)
    const again = await get(2)
    expect(json(again).duplicate).toBe(true)
    expect(seen.map((event) => (event.data as { note: string }).note)).toEqual(['score 1', 'score 2'])
    expect(seen[0]!.idempotencyKey).toMatch(/^workflow-platform:sha256:[0-9a-f]{64}$/)
  })

  it('refuses methods the platform does not use', async () => {
    const { receiver } = receiverWithLog()
    const response = await receiver.handle({ ...(await signed('{}')), method: 'PATCH' })
    expect([response.status, response.headers.allow]).toEqual([405, 'POST, GET, PUT, DELETE'])
  })
})
