import { createHash } from 'node:crypto'
import { Agent, createServer, request as httpRequest } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import { runInNewContext } from 'node:vm'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as z from 'zod'
import { STATUS_BY_CODE, SignatureVerificationError, type WebhookError, type WebhookErrorCode, toWebhookError } from './errors.js'
import { createMemoryStore } from './idempotency/memory-store.js'
import { createNodeListener } from './http/node-listener.js'
import { defineProvider } from './providers/define-provider.js'
import { DISCARD_MAX_MS } from './pipeline/raw-body.js'
import { buildSampleDelivery } from './providers/build-sample-delivery.js'
import { createFieldEnvelope } from './providers/field-envelope.js'
import { standardWebhooks } from './providers/standard-webhooks/index.js'
import { type ReceiverOptions, createReceiver } from './receiver.js'
import { createHmacSha256Scheme } from './schemes/hmac-sha256.js'
import { createStandardWebhooksScheme } from './schemes/standard-webhooks.js'
import type { WebhookResponse } from './types.js'
import type { IdempotencyStore } from './idempotency/idempotency-store.js'

const SECRET = 'test-secret-2026'
const scheme = createHmacSha256Scheme({ header: 'X-Test-Signature' })

const testProvider = defineProvider({
  id: 'acme',
  name: 'Acme CRM',
  scheme,
  methods: ['POST', 'PUT'],
  contentTypes: ['json', 'form'],
  envelope: createFieldEnvelope({ type: 'event', id: 'event_id', occurredAt: 'timestamp', data: 'data' }),
  events: {
    'deal.stage_changed': z.looseObject({ id: z.string(), previous_stage: z.string(), new_stage: z.string() }),
    'contact.created': z.looseObject({ id: z.string(), email: z.string().optional() }),
  },
  recordVersion: (event) => {
    const data = event.data as { id?: unknown }
    return typeof data.id === 'string' && typeof event.occurredAt === 'string'
      ? { record: data.id, version: Date.parse(event.occurredAt) }
      : undefined
  },
})

type TestOptions = Partial<ReceiverOptions<typeof testProvider>>

function makeReceiver(options: TestOptions = {}) {
  return createReceiver({ provider: testProvider, secret: SECRET, ...options })
}

let sequence = 0
function stageChange(overrides: Record<string, unknown> = {}) {
  sequence += 1
  return JSON.stringify({
    event: 'deal.stage_changed',
    event_id: `evt_${sequence}`,
    timestamp: '2026-03-21T15:00:00.000Z',
    data: { id: 'deal_1', previous_stage: 'Proposal', new_stage: 'Negotiation' },
    ...overrides,
  })
}

async function signedRequest(body: string | Uint8Array, secret = SECRET, headers: Record<string, string> = {}) {
  const signature = await scheme.sign({ body }, secret)
  return { method: 'POST', headers: { 'content-type': 'application/json', ...signature, ...headers }, rawBody: body }
}

function codeOf(response: WebhookResponse): string | undefined {
  const parsed = JSON.parse(response.body) as { error?: { code: string }; ignored?: string }
  return parsed.error?.code ?? parsed.ignored
}

function expectRejected(response: WebhookResponse, code: WebhookErrorCode) {
  expect({ status: response.status, code: codeOf(response) }).toEqual({ status: STATUS_BY_CODE[code], code })
}

describe('createReceiver: configuration mistakes throw TypeError at creation', () => {
  it('names the default it compared against when only the lease is given', () => {
    expect(() => makeReceiver({ lockTtlMs: 20_000 })).toThrow(/handlerTimeoutMs 25000 \(the default\), lockTtlMs 20000/)
  })

  it.each([
    ['an empty secret', { secret: '' }],
    ['a whitespace-padded secret', { secret: ' secret\n' }],
    ['an empty secret list', { secret: [] }],
    ['a handler timeout not shorter than the lock', { handlerTimeoutMs: 60_000, lockTtlMs: 60_000 }],
    ['a negative body limit', { maxBodyBytes: -1 }],
    // Node fires a longer timer after 1 ms: every handler would time out at once.
    ['a handler timeout no timer can hold', { handlerTimeoutMs: 3e9, lockTtlMs: 4e9 }],
    ['a body timeout no timer can hold', { bodyTimeoutMs: 2 ** 31 }],
    // Past what Redis's PX or PostgreSQL's interval holds: every claim would fail.
    ['a lease no store can hold', { lockTtlMs: 1e19 }],
    ['a retention no store can hold', { retentionMs: 1e16 }],
    ['an unknown invalidPayload mode', { invalidPayload: 'drop' as 'reject' }],
    // Every body would be 413.
    ['a fraction of a byte as the body limit', { maxBodyBytes: 0.5 }],
    // Every delivery would be 503.
    ['a store without claim, complete and release', { store: {} as IdempotencyStore }],
  ])('%s', (_, options) => {
    expect(() => makeReceiver(options as TestOptions)).toThrow(TypeError)
  })

  it('refuses a clock that is not a function (now: Date.now()) and a handler that is not a function', () => {
    expect(() => makeReceiver({ now: Date.now() as unknown as () => number })).toThrow(/now must be a function/)
    expect(() => makeReceiver().on('deal.stage_changed', 'log' as never)).toThrow(/handler must be a function/)
    expect(() => makeReceiver().onAny(undefined as never)).toThrow(/handler must be a function/)
  })

  it('refuses a handler for an event the catalog does not have', () => {
    // @ts-expect-error: not an event of the test provider
    expect(() => makeReceiver().on('deal.exploded', () => {})).toThrow(TypeError)
  })

  it('refuses something that is not a provider', () => {
    expect(() => createReceiver({ provider: {} as typeof testProvider, secret: SECRET })).toThrow(TypeError)
  })

  it('refuses a signed-timestamp tolerance not under half the retention: a replay accepted after its key is forgotten would run again', () => {
    const timestamped = defineProvider({ ...testProvider, id: 'acme-timestamped', scheme: createStandardWebhooksScheme() })
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    expect(() => createReceiver({ provider: timestamped, secret, toleranceSeconds: 3_600, retentionMs: 3_600_000 })).toThrow(/toleranceSeconds \(3600\) must be under half of retentionMs/)
    // A signature is accepted from its stamp minus the tolerance to its stamp plus it: twice the tolerance.
    expect(() => createReceiver({ provider: timestamped, secret, toleranceSeconds: 1_800, retentionMs: 3_600_000 })).toThrow(TypeError)
    expect(() => createReceiver({ provider: timestamped, secret, toleranceSeconds: 7 * 24 * 3_600 })).toThrow(TypeError)
    expect(() => createReceiver({ provider: timestamped, secret, toleranceSeconds: 1_799, retentionMs: 3_600_000 })).not.toThrow()
    // A scheme that signs no timestamp does not use the tolerance.
    expect(() => createReceiver({ provider: testProvider, secret: SECRET, toleranceSeconds: 3_600, retentionMs: 3_600_000 })).not.toThrow()
  })

  it('at the shortest retention the receiver takes (just over twice the tolerance), a delivery stamped a whole tolerance ahead and replayed once its key is forgotten is refused', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    let now = Date.parse('2026-03-21T15:00:00Z')
    const runs: string[] = []
    const receiver = createReceiver({ provider: standardWebhooks, secret, toleranceSeconds: 300, retentionMs: 600_001, now: () => now })
    receiver.on('contact.created', (event) => void runs.push(event.type))
    // The sender's clock runs five minutes fast: the stamp is as far ahead as the tolerance allows.
    const delivery = await buildSampleDelivery('standard-webhooks', 'contact.created', { secret, now: now + 300_000 })
    const send = () => receiver.handle({ ...delivery, url: '/webhooks', rawBody: delivery.body })
    expect((await send()).status).toBe(200)
    now += 600_002 // the key is forgotten; the stamp is now just past the tolerance
    const replay = await send()
    expect([replay.status, JSON.parse(replay.body).error.code]).toEqual([401, 'timestamp_out_of_tolerance'])
    expect(runs).toHaveLength(1)
  })

  it("refuses a provider's default retention that no store can hold, defined or built by hand", () => {
    for (const retentionMs of [Number.NaN, -1, 0, 1e16]) {
      expect(() => defineProvider({ ...testProvider, retentionMs })).toThrow(/retentionMs of provider acme/)
      expect(() => createReceiver({ provider: { ...testProvider, retentionMs }, secret: SECRET })).toThrow(/retentionMs/)
    }
  })
})

describe('a genuine delivery', () => {
  it('reaches the typed handler and is answered 200', async () => {
    const receiver = makeReceiver()
    const seen: string[] = []
    receiver.on('deal.stage_changed', (event) => {
      seen.push(`${event.data.previous_stage}->${event.data.new_stage}`)
    })
    const response = await receiver.handle(await signedRequest(stageChange()))
    expect(response.status).toBe(200)
    expect(JSON.parse(response.body)).toMatchObject({ ok: true, event: 'deal.stage_changed', duplicate: false })
    expect(seen).toEqual(['Proposal->Negotiation'])
  })

  it.each([
    ['string', (body: string) => body],
    ['Uint8Array', (body: string) => new TextEncoder().encode(body)],
    ['Buffer', (body: string) => Buffer.from(body)],
    ['ArrayBuffer', (body: string) => new TextEncoder().encode(body).buffer as ArrayBuffer],
  ])('accepts the raw body as a %s', async (_, toRaw) => {
    const body = stageChange()
    const request = await signedRequest(body)
    const response = await makeReceiver().handle({ ...request, rawBody: toRaw(body) })
    expect(response.status).toBe(200)
  })

  it('verifies bytes whose re-serialization would differ (escaped slash, unicode escape, 1.0, key order)', async () => {
    const body = `{"data":{"new_stage":"Won\\/Closed","previous_stage":"Caf\\u00e9","id":"deal_1","value":1.0,"big":1e3},\n "event":"deal.stage_changed","event_id":"evt_raw"}`
    expect(JSON.stringify(JSON.parse(body))).not.toBe(body)
    const receiver = makeReceiver()
    let previous = ''
    receiver.on('deal.stage_changed', (event) => {
      previous = event.data.previous_stage
    })
    expect((await receiver.handle(await signedRequest(body))).status).toBe(200)
    expect(previous).toBe('Café')
  })

  it('accepts every configured secret during a rotation and says which one matched', async () => {
    const receiver = makeReceiver({ secret: ['new-secret', { value: 'old-secret', label: 'old' }] })
    const matched: unknown[] = []
    receiver.onAny((event) => {
      matched.push(event.verification)
    })
    expect((await receiver.handle(await signedRequest(stageChange(), 'new-secret'))).status).toBe(200)
    expect((await receiver.handle(await signedRequest(stageChange(), 'old-secret'))).status).toBe(200)
    expectRejected(await receiver.handle(await signedRequest(stageChange(), 'retired-secret')), 'invalid_signature')
    expect(matched).toEqual([
      { secretIndex: 0, secretLabel: undefined },
      { secretIndex: 1, secretLabel: 'old' },
    ])
  })

  it('parses a form body after verifying its bytes', async () => {
    const provider = defineProvider({
      ...testProvider,
      decodeForm: (fields) => ({ event: fields.get('event'), data: JSON.parse(fields.get('data') ?? 'null') }),
    })
    const receiver = createReceiver({ provider, secret: SECRET })
    const handler = vi.fn()
    receiver.on('contact.created', handler)
    const body = new URLSearchParams({ event: 'contact.created', data: JSON.stringify({ id: 'con_1' }) }).toString()
    const request = await signedRequest(body, SECRET, { 'content-type': 'application/x-www-form-urlencoded' })
    expect((await receiver.handle(request)).status).toBe(200)
    expect(handler.mock.calls[0]![0].data).toEqual({ id: 'con_1' })
  })

  it('runs type handlers, then catch-all handlers', async () => {
    const order: string[] = []
    const receiver = makeReceiver()
      .on('deal.stage_changed', () => {
        order.push('typed')
      })
      .onAny((event) => {
        order.push(`any:${event.type}`)
      })
    await receiver.handle(await signedRequest(stageChange()))
    expect(order).toEqual(['typed', 'any:deal.stage_changed'])
  })
})

describe('handlers added while a delivery runs', () => {
  it('join the next delivery, never one under way: none skipped, none run twice', async () => {
    const calls: string[] = []
    const receiver = makeReceiver()
    let release!: () => void
    let firstDelivery = true
    receiver.on('deal.stage_changed', () => {
      calls.push('A')
      // Added synchronously from inside a handler (and, below, while the next handler is pending).
      if (firstDelivery) receiver.on('deal.stage_changed', () => void calls.push('D'))
    })
    receiver.on('deal.stage_changed', () => {
      calls.push('B')
      if (firstDelivery) return new Promise<void>((resolve) => (release = resolve))
    })
    receiver.onAny(() => void calls.push('any'))
    const first = receiver.handle(await signedRequest(stageChange()))
    await vi.waitFor(() => expect(calls).toEqual(['A', 'B']))
    receiver.onAny(() => void calls.push('any2'))
    release()
    expect((await first).status).toBe(200)
    expect(calls).toEqual(['A', 'B', 'any'])
    firstDelivery = false
    calls.length = 0
    expect((await receiver.handle(await signedRequest(stageChange()))).status).toBe(200)
    expect(calls).toEqual(['A', 'B', 'D', 'any', 'any2'])
  })
})

describe('on and onAny', () => {
  it('return the receiver for chaining, called unbound too (const { on } = receiver), as fetch and handle work', async () => {
    const receiver = makeReceiver()
    const { on, onAny } = receiver
    const seen: string[] = []
    expect(on('deal.stage_changed', () => void seen.push('on'))).toBe(receiver)
    expect(onAny(() => void seen.push('any'))).toBe(receiver)
    expect((await receiver.handle(await signedRequest(stageChange()))).status).toBe(200)
    expect(seen).toEqual(['on', 'any'])
  })
})

describe('every rejection has its code and status', () => {
  it('missing_signature', async () => {
    const request = await signedRequest(stageChange())
    expectRejected(await makeReceiver().handle({ ...request, headers: { 'content-type': 'application/json' } }), 'missing_signature')
  })

  it('invalid_signature: tampered body, malformed hex, wrong length, body signed as a decoded string', async () => {
    const receiver = makeReceiver()
    const body = stageChange()
    const request = await signedRequest(body)
    expectRejected(await receiver.handle({ ...request, rawBody: body.replace('Proposal', 'Proposam') }), 'invalid_signature')
    for (const signature of ['zz'.repeat(32), 'ab'.repeat(31), 'ab'.repeat(33), 'abc', `${'ab'.repeat(32)} `]) {
      const forged = { ...request, headers: { ...request.headers, 'x-test-signature': signature } }
      expectRejected(await receiver.handle(forged), 'invalid_signature')
    }
  })

  it('timestamp_out_of_tolerance: stale and future signed timestamps, edges included', async () => {
    const standard = createStandardWebhooksScheme()
    const provider = defineProvider({ ...testProvider, scheme: standard })
    const nowMs = Date.parse('2026-11-23T12:00:00Z')
    const receiver = createReceiver({ provider, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', now: () => nowMs })
    const nowSeconds = nowMs / 1000
    const deliver = async (timestampSeconds: number) => {
      const body = stageChange()
      const headers = await standard.sign({ body, id: `msg_${timestampSeconds}`, timestampSeconds }, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')
      return receiver.handle({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, rawBody: body })
    }
    expect((await deliver(nowSeconds - 300)).status).toBe(200)
    expect((await deliver(nowSeconds + 300)).status).toBe(200)
    expectRejected(await deliver(nowSeconds - 301), 'timestamp_out_of_tolerance')
    expectRejected(await deliver(nowSeconds + 301), 'timestamp_out_of_tolerance')
  })

  it("internal_error, and no handler run, while the receiver's clock reads NaN: no signed timestamp would be too old", async () => {
    const standard = createStandardWebhooksScheme()
    const provider = defineProvider({ ...testProvider, scheme: standard })
    const handler = vi.fn()
    // The store keeps its own time, as Redis and PostgreSQL do.
    const receiver = createReceiver({ provider, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', now: () => Number.NaN, store: createMemoryStore() })
    receiver.on('deal.stage_changed', handler)
    const body = stageChange()
    const weekOld = Math.floor(Date.now() / 1000) - 7 * 86_400
    const headers = await standard.sign({ body, id: 'msg_week_old', timestampSeconds: weekOld }, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')
    expectRejected(await receiver.handle({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, rawBody: body }), 'internal_error')
    expect(handler).not.toHaveBeenCalled()
  })

  it("internal_error from every entry point while the receiver's clock throws: each resolves with a response, none rejects", async () => {
    const handler = vi.fn()
    const receiver = makeReceiver({
      now: () => {
        throw new Error('the clock broke')
      },
      store: createMemoryStore(),
    })
    receiver.on('deal.stage_changed', handler)
    const body = stageChange()
    const request = await signedRequest(body)
    expectRejected(await receiver.handle(request), 'internal_error')
    const fetched = await receiver.fetch(new Request('http://localhost/webhooks', { method: 'POST', headers: request.headers, body }))
    expect(fetched.status).toBe(500)
    const server = createServer(createNodeListener(receiver))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const answered = await fetch(`http://127.0.0.1:${port}/webhooks`, { method: 'POST', headers: request.headers, body })
      expect(answered.status).toBe(500)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
    expect(handler).not.toHaveBeenCalled()
  })

  it('payload_too_large, before any verification', async () => {
    const receiver = makeReceiver({ maxBodyBytes: 64 })
    expectRejected(await receiver.handle(await signedRequest(stageChange())), 'payload_too_large')
  })

  it('invalid_body: not JSON, empty, invalid UTF-8', async () => {
    const receiver = makeReceiver()
    expectRejected(await receiver.handle(await signedRequest('{"event":')), 'invalid_body')
    expectRejected(await receiver.handle(await signedRequest('')), 'invalid_body')
    const invalidUtf8 = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])
    expectRejected(await receiver.handle(await signedRequest(invalidUtf8)), 'invalid_body')
  })

  it('body_already_parsed: an object a body parser produced is never re-serialized', async () => {
    const request = await signedRequest(stageChange())
    const response = await makeReceiver().handle({ ...request, rawBody: JSON.parse(request.rawBody as string) })
    expectRejected(response, 'body_already_parsed')
    expect(JSON.parse(response.body).error.message).toMatch(/parsed before signature verification/)
  })

  it('unsupported_media_type: other types and charsets', async () => {
    const receiver = makeReceiver()
    for (const contentType of ['text/plain', 'application/json; charset=iso-8859-1', 'multipart/form-data; boundary=x']) {
      expectRejected(await receiver.handle(await signedRequest(stageChange(), SECRET, { 'content-type': contentType })), 'unsupported_media_type')
    }
    const ok = await receiver.handle(await signedRequest(stageChange(), SECRET, { 'content-type': 'Application/JSON; Charset="UTF-8"' }))
    expect(ok.status).toBe(200)
  })

  it('method_not_allowed, with an Allow header', async () => {
    const request = await signedRequest(stageChange())
    const response = await makeReceiver().handle({ ...request, method: 'PATCH' })
    expectRejected(response, 'method_not_allowed')
    expect(response.headers.allow).toBe('POST, PUT')
  })

  it('body_already_parsed: a Fetch body read in part and released, not a verification of the rest', async () => {
    const request = await signedRequest(stageChange())
    const fetchRequest = new Request('http://localhost/webhooks', { method: 'POST', headers: request.headers, body: request.rawBody as string })
    const reader = fetchRequest.body!.getReader()
    await reader.read()
    reader.releaseLock()
    const response = await makeReceiver().fetch(fetchRequest)
    expect(response.status).toBe(500)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('body_already_parsed')
  })

  it('request_timeout: a body that never finishes arriving, reported with the time it was waited for', async () => {
    const durations: number[] = []
    const receiver = makeReceiver({ bodyTimeoutMs: 50, onDelivery: (outcome) => void durations.push(outcome.durationMs) })
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"event":'))
      },
    })
    const response = await receiver.fetch(
      new Request('http://localhost/webhooks', { method: 'POST', body: stream, duplex: 'half' } as RequestInit),
    )
    expect(response.status).toBe(408)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('request_timeout')
    // Counted from when reading began, not from the refusal (it was 0).
    expect(durations[0]).toBeGreaterThanOrEqual(40)
  })

  it("invalid_body: a Fetch request whose client aborts mid-body is answered at once, not 408 at the body's deadline", async () => {
    const receiver = makeReceiver({ bodyTimeoutMs: 60_000 })
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"event":'))
      },
    })
    const client = new AbortController()
    setTimeout(() => client.abort(), 20)
    const response = await receiver.fetch(
      new Request('http://localhost/webhooks', { method: 'POST', body: stream, duplex: 'half', signal: client.signal } as RequestInit),
    )
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_body')
  })

  it('unknown_event: acknowledged 202 and handed to the hook once', async () => {
    const onUnknownEvent = vi.fn()
    const receiver = makeReceiver({ onUnknownEvent })
    const request = await signedRequest(stageChange({ event: 'deal.teleported' }))
    expectRejected(await receiver.handle(request), 'unknown_event')
    // Its repeat is answered as it was, 202 and ignored, and marked a duplicate.
    const repeat = await receiver.handle(request)
    expect(repeat.status).toBe(202)
    expect(JSON.parse(repeat.body)).toMatchObject({ ok: true, event: 'deal.teleported', duplicate: true, ignored: 'unknown_event' })
    expect(onUnknownEvent).toHaveBeenCalledTimes(1)
    expect(onUnknownEvent.mock.calls[0]![0]).toMatchObject({ type: 'deal.teleported' })
  })

  it('unknown_event: a hook that throws is a 500, and the retry reaches it again', async () => {
    let attempts = 0
    const receiver = makeReceiver({
      onUnknownEvent: () => {
        attempts += 1
        if (attempts === 1) throw new Error('queue down')
      },
    })
    const request = await signedRequest(stageChange({ event: 'deal.teleported' }))
    expectRejected(await receiver.handle(request), 'handler_failed')
    expectRejected(await receiver.handle(request), 'unknown_event')
    expect((await receiver.handle(request)).status).toBe(202)
    expect(attempts).toBe(2)
  })

  it('invalid_payload (reject): 422, every attempt reaches the hook with the raw payload and issues', async () => {
    const onInvalidPayload = vi.fn()
    const handler = vi.fn()
    const receiver = makeReceiver({ onInvalidPayload }).on('deal.stage_changed', handler)
    const request = await signedRequest(stageChange({ data: { id: 'deal_1', previous_stage: 7 } }))
    const response = await receiver.handle(request)
    expectRejected(response, 'invalid_payload')
    expect(JSON.parse(response.body).error.message).toMatch(/previous_stage/)
    await receiver.handle(request)
    expect(onInvalidPayload).toHaveBeenCalledTimes(2)
    expect(onInvalidPayload.mock.calls[0]![0]).toMatchObject({ type: 'deal.stage_changed', payload: { data: { previous_stage: 7 } } })
    expect(onInvalidPayload.mock.calls[0]![0].issues.length).toBeGreaterThan(0)
    expect(handler).not.toHaveBeenCalled()
  })

  it('invalid_payload (accept): 202, parked exactly once', async () => {
    const onInvalidPayload = vi.fn()
    const receiver = makeReceiver({ onInvalidPayload, invalidPayload: 'accept' })
    const request = await signedRequest(stageChange({ data: { id: 'deal_1' } }))
    const first = await receiver.handle(request)
    expect(first.status).toBe(202)
    expect(JSON.parse(first.body)).toMatchObject({ ok: true, ignored: 'invalid_payload', duplicate: false })
    expect(JSON.parse((await receiver.handle(request)).body)).toMatchObject({ duplicate: true })
    expect(onInvalidPayload).toHaveBeenCalledTimes(1)
  })

  it('invalid_payload: a verified body that names no event', async () => {
    const onInvalidPayload = vi.fn()
    const response = await makeReceiver({ onInvalidPayload }).handle(await signedRequest('[1,2,3]'))
    expectRejected(response, 'invalid_payload')
    expect(onInvalidPayload).toHaveBeenCalledWith(expect.objectContaining({ type: undefined, payload: [1, 2, 3] }))
  })

  it('invalid_payload: a verified body whose event field is not a string (a number names no event type)', async () => {
    const onInvalidPayload = vi.fn()
    const body = JSON.stringify({ event: 5, timestamp: '2026-03-21T15:00:00Z', data: {} })
    const response = await makeReceiver({ onInvalidPayload }).handle(await signedRequest(body))
    expectRejected(response, 'invalid_payload')
    expect(JSON.parse(response.body).error.message).toBe('the verified payload names no event type')
    expect(onInvalidPayload).toHaveBeenCalledWith(expect.objectContaining({ type: undefined }))
  })

  it('delivery_in_progress: 409 with Retry-After while another attempt holds the claim', async () => {
    let release!: () => void
    const receiver = makeReceiver().on('deal.stage_changed', () => new Promise<void>((resolve) => (release = resolve)))
    const request = await signedRequest(stageChange())
    const first = receiver.handle(request)
    await vi.waitFor(() => expect(release).toBeTypeOf('function'))
    const second = await receiver.handle(request)
    expectRejected(second, 'delivery_in_progress')
    expect(Number(second.headers['retry-after'])).toBeGreaterThan(0)
    release()
    expect((await first).status).toBe(200)
  })

  it('store_unavailable: fails closed with 503 and runs nothing', async () => {
    const failing: IdempotencyStore = {
      claim: () => Promise.reject(new Error('ECONNREFUSED')),
      complete: () => Promise.reject(new Error('ECONNREFUSED')),
      release: () => Promise.reject(new Error('ECONNREFUSED')),
    }
    const handler = vi.fn()
    const response = await makeReceiver({ store: failing }).on('deal.stage_changed', handler).handle(await signedRequest(stageChange()))
    expectRejected(response, 'store_unavailable')
    expect(response.headers['retry-after']).toBeDefined()
    expect(response.body).not.toMatch(/ECONNREFUSED/)
    expect(handler).not.toHaveBeenCalled()
  })

  it('handler_failed: 500, the claim released, and the retry handled', async () => {
    let attempts = 0
    const receiver = makeReceiver().on('deal.stage_changed', () => {
      attempts += 1
      if (attempts === 1) throw new Error('database down: password=hunter2')
    })
    const request = await signedRequest(stageChange())
    const failed = await receiver.handle(request)
    expectRejected(failed, 'handler_failed')
    expect(failed.body).not.toMatch(/hunter2|at .*\.ts/)
    expect((await receiver.handle(request)).status).toBe(200)
    expect(JSON.parse((await receiver.handle(request)).body).duplicate).toBe(true)
    expect(attempts).toBe(2)
  })

  it('handler_timeout: 503 at the deadline; the claim settles when the handler does', async () => {
    let finish!: () => void
    let runs = 0
    const receiver = makeReceiver({ handlerTimeoutMs: 20 }).on('deal.stage_changed', () => {
      runs += 1
      return new Promise<void>((resolve) => (finish = resolve))
    })
    const request = await signedRequest(stageChange())
    expectRejected(await receiver.handle(request), 'handler_timeout')
    // Still running: a retry now must not run the handler beside it.
    expectRejected(await receiver.handle(request), 'delivery_in_progress')
    finish()
    await vi.waitFor(async () => expect(JSON.parse((await receiver.handle(request)).body).duplicate).toBe(true))
    expect(runs).toBe(1)
  })

  it('internal_error: a provider function that throws is a 500 without details', async () => {
    const provider = defineProvider({
      ...testProvider,
      envelope: {
        eventType: () => {
          throw new Error('secret detail')
        },
      },
    })
    const response = await createReceiver({ provider, secret: SECRET }).handle(await signedRequest(stageChange()))
    expectRejected(response, 'internal_error')
    expect(response.body).not.toMatch(/secret detail/)
  })

  it('internal_error: a WebhookError of your own whose code is not in STATUS_BY_CODE is a 500, never a status-less answer (a 200 from fetch)', async () => {
    // A scheme of your own written in JavaScript, with a misspelt code.
    const misspelt = { ...scheme, verify: () => { throw new SignatureVerificationError('invalid_sig' as never, 'no match') } }
    const receiver = createReceiver({ provider: { ...testProvider, scheme: misspelt }, secret: SECRET })
    const body = stageChange()
    const request = await signedRequest(body)
    expectRejected(await receiver.handle(request), 'internal_error')
    const fetched = await receiver.fetch(new Request('http://localhost/webhooks', { method: 'POST', body, headers: request.headers }))
    expect(fetched.status).toBe(500)
  })
})

describe('idempotency and ordering', () => {
  it('a duplicate is answered 200 without running the handler again', async () => {
    const handler = vi.fn()
    const receiver = makeReceiver().on('deal.stage_changed', handler)
    const request = await signedRequest(stageChange())
    await receiver.handle(request)
    const duplicate = await receiver.handle(request)
    expect(duplicate.status).toBe(200)
    expect(JSON.parse(duplicate.body)).toMatchObject({ duplicate: true })
    expect(handler).toHaveBeenCalledTimes(1)
  })

  it('keys deliveries without an event id by the digest of their bytes', async () => {
    const handler = vi.fn()
    const receiver = makeReceiver().on('deal.stage_changed', handler)
    const withoutId = JSON.stringify({ event: 'deal.stage_changed', data: { id: 'd', previous_stage: 'a', new_stage: 'b' } })
    await receiver.handle(await signedRequest(withoutId))
    await receiver.handle(await signedRequest(withoutId))
    await receiver.handle(await signedRequest(withoutId.replace('"b"', '"c"')))
    expect(handler).toHaveBeenCalledTimes(2)
    expect(handler.mock.calls[0]![0].idempotencyKey).toMatch(/^acme:sha256:[0-9a-f]{64}$/)
  })

  it('keys a bodiless GET or DELETE without an id by its signed query, not the empty body nor the unsigned method', async () => {
    const handler = vi.fn()
    const provider = defineProvider({ ...testProvider, id: 'acme-get', methods: ['GET', 'DELETE'] })
    // Query fields are strings: here the event's data is the `data` field itself.
    const receiver = createReceiver({ provider, secret: SECRET, events: { 'contact.created': z.string() } }).on('contact.created', handler)
    const send = async (method: string, query: string) =>
      receiver.handle({ method, url: `/hooks?${query}`, headers: await scheme.sign({ body: query }, SECRET), rawBody: '' })
    const first = 'event=contact.created&data=x'
    const second = 'event=contact.created&data=y'
    const statuses = [await send('GET', first), await send('GET', second), await send('GET', first), await send('DELETE', first)]
    expect(statuses.map((response) => response.status)).toEqual([200, 200, 200, 200])
    // The method is not signed: the same query replayed as a DELETE is the same delivery, not a new one.
    expect(statuses.map((response) => JSON.parse(response.body).duplicate)).toEqual([false, false, true, true])
    expect(handler).toHaveBeenCalledTimes(2)
  })

  it('reads signed JSON bytes relabelled as a form as the JSON they are, and refuses them as a bodiless DELETE query: unsigned labels cannot re-read signed fields', async () => {
    const handler = vi.fn()
    const provider = defineProvider({ ...testProvider, id: 'acme-flip', methods: ['POST', 'DELETE'] })
    const receiver = createReceiver({ provider, secret: SECRET }).onAny(handler)
    // A genuine delivery whose text field an outsider wrote (a contact's name) to look like form fields.
    const body = JSON.stringify({
      event: 'contact.created',
      event_id: 'evt_genuine',
      data: { id: 'c_1', email: 'x&event=deal.stage_changed&event_id=evt_forged&data=%7B%22id%22%3A%22d%22%7D' },
    })
    const signature = await scheme.sign({ body }, SECRET)
    expect((await receiver.handle({ method: 'POST', headers: { 'content-type': 'application/json', ...signature }, rawBody: body })).status).toBe(200)
    // Relabelled, the same bytes are the same delivery: parsed as JSON, keyed alike, a duplicate.
    const asForm = await receiver.handle({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signature }, rawBody: body })
    expect(asForm.status).toBe(200)
    expect(JSON.parse(asForm.body)).toMatchObject({ event: 'contact.created', id: 'evt_genuine', duplicate: true })
    const asQuery = await receiver.handle({ method: 'DELETE', url: `/hooks?${body}`, headers: signature, rawBody: '' })
    expectRejected(asQuery, 'invalid_body')
    expect(JSON.parse(asQuery.body).error.message).toMatch(/the signed bytes are JSON/)
    expect(handler.mock.calls.map(([event]) => event.type)).toEqual(['contact.created'])
  })

  it('handles JSON bytes a sender labels as a form (seed 000: every payload is JSON, the form label an option), leading whitespace and arrays included', async () => {
    const payloads: unknown[] = []
    // Any data: a form's `data` field is text where a JSON body's is an object.
    const receiver = makeReceiver({ events: { 'contact.created': z.unknown() } }).onAny((event) => void payloads.push(event.payload))
    const formLabel = { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }
    for (const body of [
      JSON.stringify({ event: 'contact.created', event_id: 'evt_1', data: { id: 'c_1' } }),
      `\r\n\t ${JSON.stringify({ event: 'contact.created', event_id: 'evt_2', data: { id: 'c_2' } })}`,
    ]) {
      const response = await receiver.handle({ method: 'POST', headers: { ...formLabel, ...(await scheme.sign({ body }, SECRET)) }, rawBody: body })
      expect(response.status).toBe(200)
    }
    expect(payloads).toEqual([
      { event: 'contact.created', event_id: 'evt_1', data: { id: 'c_1' } },
      { event: 'contact.created', event_id: 'evt_2', data: { id: 'c_2' } },
    ])
    // A top-level array is JSON too: read as JSON, it names no event (422), where as form fields it was a 400.
    const array = '[{"event":"contact.created"}]'
    expectRejected(await receiver.handle({ method: 'POST', headers: { ...formLabel, ...(await scheme.sign({ body: array }, SECRET)) }, rawBody: array }), 'invalid_payload')
    // Past a byte order mark, as the JSON path reads it.
    const marked = `\ufeff${JSON.stringify({ event: 'contact.created', event_id: 'evt_bom', data: { id: 'c_bom' } })}`
    expect((await receiver.handle({ method: 'POST', headers: { ...formLabel, ...(await scheme.sign({ body: marked }, SECRET)) }, rawBody: marked })).status).toBe(200)
    expect(payloads.pop()).toEqual({ event: 'contact.created', event_id: 'evt_bom', data: { id: 'c_bom' } })
    // A provider that takes forms only reads no JSON, whatever the label: refused as it was (400).
    const formsOnly = createReceiver({ provider: defineProvider({ ...testProvider, id: 'acme-forms', contentTypes: ['form'] }), secret: SECRET }).onAny(() => {})
    const json = JSON.stringify({ event: 'contact.created', event_id: 'evt_4', data: { id: 'c_4' } })
    expectRejected(await formsOnly.handle({ method: 'POST', headers: { ...formLabel, ...(await scheme.sign({ body: json }, SECRET)) }, rawBody: json }), 'invalid_body')
    // Form fields are still read as form fields.
    const form = 'event=contact.created&event_id=evt_3&data=x'
    expect((await receiver.handle({ method: 'POST', headers: { ...formLabel, ...(await scheme.sign({ body: form }, SECRET)) }, rawBody: form })).status).toBe(200)
    expect(payloads[2]).toEqual({ event: 'contact.created', event_id: 'evt_3', data: 'x' })
  })

  it("an id that reads like a digest's key (sha256:<hex>, an outsider's mapped event_id) never names another delivery's body", async () => {
    const handler = vi.fn()
    const receiver = makeReceiver().on('deal.stage_changed', handler)
    // A later delivery with no event id is keyed by its body's digest; an earlier one names that digest as its id.
    const later = JSON.stringify({ event: 'deal.stage_changed', data: { id: 'd', previous_stage: 'a', new_stage: 'b' } })
    const digest = createHash('sha256').update(later).digest('hex')
    const keys: string[] = []
    for (const body of [stageChange({ event_id: `sha256:${digest}` }), stageChange({ event_id: `id:sha256:${digest}` }), later]) {
      const response = await receiver.handle(await signedRequest(body))
      expect([response.status, JSON.parse(response.body).duplicate]).toEqual([200, false])
      keys.push(handler.mock.calls.at(-1)![0].idempotencyKey)
    }
    expect(keys).toEqual([`acme:id:sha256:${digest}`, `acme:id:id:sha256:${digest}`, `acme:sha256:${digest}`])
    expect(handler).toHaveBeenCalledTimes(3)
  })

  it("an id that reads like a canonical-JSON digest's key (json-sha256:<hex>) never names another delivery's payload", async () => {
    const handler = vi.fn()
    const canonical = defineProvider({ ...testProvider, id: 'acme-canonical', idempotencyDigest: 'canonical-json' })
    // The receiver keys by a field an outsider fills in when there is one, else by the provider's digest.
    const receiver = createReceiver({ provider: canonical, secret: SECRET, idempotencyKey: (context) => (context.payload as { ref?: string }).ref })
    receiver.on('deal.stage_changed', handler)
    const first = JSON.stringify({ event: 'deal.stage_changed', data: { id: 'd1', previous_stage: 'a', new_stage: 'b' } })
    expect((await receiver.handle(await signedRequest(first))).status).toBe(200)
    const firstKey = handler.mock.calls[0]![0].idempotencyKey as string
    expect(firstKey).toMatch(/^acme-canonical:json-sha256:[0-9a-f]{64}$/)
    const naming = stageChange({ event_id: undefined, data: { id: 'd2', previous_stage: 'a', new_stage: 'b' }, ref: firstKey.slice('acme-canonical:'.length) })
    const response = await receiver.handle(await signedRequest(naming))
    expect([response.status, JSON.parse(response.body).duplicate]).toEqual([200, false])
    expect(handler.mock.calls[1]![0].idempotencyKey).toBe(`acme-canonical:id:${firstKey.slice('acme-canonical:'.length)}`)
    expect(() => defineProvider({ ...testProvider, idempotencyDigest: 'bytes' as never })).toThrow(/idempotencyDigest/)
  })

  it("keeps the default memory store on the receiver's injected clock: past retentionMs a resend runs again", async () => {
    let now = Date.parse('2026-03-21T15:00:00Z')
    const handler = vi.fn()
    const receiver = makeReceiver({ now: () => now, retentionMs: 60_000 }).on('deal.stage_changed', handler)
    const request = await signedRequest(stageChange({ event_id: 'evt_clock' }))
    await receiver.handle(request)
    now += 30_000
    expect(JSON.parse((await receiver.handle(request)).body).duplicate).toBe(true)
    now += 31_000
    expect(JSON.parse((await receiver.handle(request)).body).duplicate).toBe(false)
    expect(handler).toHaveBeenCalledTimes(2)
  })

  it('an idempotencyKey option overrides the provider default', async () => {
    const handler = vi.fn()
    const receiver = makeReceiver({ idempotencyKey: (context) => (context.payload as { data: { id: string } }).data.id })
    receiver.on('deal.stage_changed', handler)
    await receiver.handle(await signedRequest(stageChange()))
    await receiver.handle(await signedRequest(stageChange()))
    expect(handler).toHaveBeenCalledTimes(1)
    expect(handler.mock.calls[0]![0].idempotencyKey).toBe('acme:deal_1')
    // A key function answering a number keys by its text.
    const numbered = makeReceiver({ idempotencyKey: () => 42 }).on('deal.stage_changed', handler)
    expect((await numbered.handle(await signedRequest(stageChange()))).status).toBe(200)
    expect(handler.mock.calls.at(-1)![0].idempotencyKey).toBe('acme:42')
    // 0 is a key like 42, not "no key" (it fell through to the provider's key, unlike every other number).
    const zero = makeReceiver({ idempotencyKey: () => 0 }).on('deal.stage_changed', handler)
    await zero.handle(await signedRequest(stageChange()))
    expect(handler.mock.calls.at(-1)![0].idempotencyKey).toBe('acme:0')
  })

  it('an idempotencyKey option that names no key falls through to the provider default: the event id, then the digest', async () => {
    const handler = vi.fn()
    const provider = defineProvider({ ...testProvider, id: 'acme-keyed', idempotencyKey: (context) => (context.payload as { key?: string }).key })
    const receiver = createReceiver({
      provider,
      secret: SECRET,
      idempotencyKey: (context) => (context.payload as { mine?: string }).mine,
    }).on('deal.stage_changed', handler)
    const keyOf = async (body: string) => {
      await receiver.handle(await signedRequest(body))
      return handler.mock.calls.at(-1)![0].idempotencyKey as string
    }
    expect(await keyOf(stageChange({ mine: 'k1', key: 'p1' }))).toBe('acme-keyed:k1')
    expect(await keyOf(stageChange({ key: 'p2' }))).toBe('acme-keyed:p2')
    expect(await keyOf(stageChange({ event_id: 'evt_fallthrough' }))).toBe('acme-keyed:evt_fallthrough')
    expect(await keyOf(stageChange({ event_id: undefined }))).toMatch(/^acme-keyed:sha256:[0-9a-f]{64}$/)
    // An async option that resolves to nothing falls through the same way.
    const asyncReceiver = makeReceiver({ idempotencyKey: async () => undefined }).on('deal.stage_changed', handler)
    await asyncReceiver.handle(await signedRequest(stageChange({ event_id: 'evt_async' })))
    expect(handler.mock.calls.at(-1)![0].idempotencyKey).toBe('acme:evt_async')
  })

  it('an idempotencyKey option answering no string or safe integer is a 500 before any claim, never one key for every delivery', async () => {
    const handler = vi.fn()
    // String() made each `{ id }` the key "[object Object]": every delivery after the first a duplicate, never handled.
    const receiver = makeReceiver({ idempotencyKey: (context) => ({ id: (context.payload as { event_id: string }).event_id }) as never }).on('deal.stage_changed', handler)
    for (const id of ['evt_object_a', 'evt_object_b']) {
      const response = await receiver.handle(await signedRequest(stageChange({ event_id: id })))
      expect([response.status, JSON.parse(response.body).error.code]).toEqual([500, 'internal_error'])
    }
    expect(handler).not.toHaveBeenCalled()
  })

  it('a long id (a mapped event_id an outsider filled in) is kept as its digest, still one key per id', async () => {
    const handler = vi.fn()
    const receiver = makeReceiver().on('deal.stage_changed', handler)
    const long = (end: string) => `evt_${'x'.repeat(100_000)}${end}`
    await receiver.handle(await signedRequest(stageChange({ event_id: long('a') })))
    expect(JSON.parse((await receiver.handle(await signedRequest(stageChange({ event_id: long('a') })))).body).duplicate).toBe(true)
    await receiver.handle(await signedRequest(stageChange({ event_id: long('b') })))
    expect(handler.mock.calls.map(([event]) => event.idempotencyKey)).toEqual([expect.stringMatching(/^acme:id-sha256:[0-9a-f]{64}$/), expect.stringMatching(/^acme:id-sha256:/)])
    expect(handler.mock.calls[0]![0].idempotencyKey).not.toBe(handler.mock.calls[1]![0].idempotencyKey)
  })

  it('an idempotencyKey option or an async schema that never settles is a 500 after handlerTimeoutMs, not a request held for ever', async () => {
    const keyed = makeReceiver({ handlerTimeoutMs: 50, idempotencyKey: () => new Promise<string>(() => {}) })
    const response = await keyed.handle(await signedRequest(stageChange()))
    expect([response.status, JSON.parse(response.body).error.code]).toEqual([500, 'internal_error'])
    const neverValid = { '~standard': { version: 1, vendor: 'test', validate: () => new Promise(() => {}) } } as const
    const schemaed = makeReceiver({ handlerTimeoutMs: 50, events: { 'deal.stage_changed': neverValid as never } })
    const validated = await schemaed.handle(await signedRequest(stageChange()))
    expect([validated.status, JSON.parse(validated.body).error.code]).toEqual([500, 'internal_error'])
  })

  it.each([
    ['a promise (an async function)', async () => ({ record: 'deal_1', version: 1 })],
    ['an ISO string version', () => ({ record: 'deal_1', version: '2026-03-21T15:00:00Z' })],
    ['an object record', () => ({ record: { id: 'deal_1' }, version: 1 })],
  ])('a recordVersion option answering %s is a 500 before any claim, not an event said to be the newest', async (_, recordVersion) => {
    const handler = vi.fn()
    const receiver = makeReceiver({ store: createMemoryStore(), recordVersion: recordVersion as never }).on('deal.stage_changed', handler)
    const response = await receiver.handle(await signedRequest(stageChange()))
    expect([response.status, JSON.parse(response.body).error.code]).toEqual([500, 'internal_error'])
    expect(handler).not.toHaveBeenCalled()
  })

  it('a failing idempotencyKey option is a 500 and a failing recordVersion option a 503, both before any claim: the retry runs', async () => {
    const handler = vi.fn()
    const store = createMemoryStore()
    let fail = true
    const keyed = makeReceiver({
      store,
      idempotencyKey: async () => {
        if (fail) throw new Error('key lookup down')
        return undefined
      },
    }).on('deal.stage_changed', handler)
    const versioned = makeReceiver({
      store,
      recordVersion: () => {
        if (fail) throw new Error('version lookup down')
        return undefined
      },
    }).on('deal.stage_changed', handler)
    const first = await keyed.handle(await signedRequest(stageChange({ event_id: 'evt_key_fails' })))
    const second = await versioned.handle(await signedRequest(stageChange({ event_id: 'evt_version_fails' })))
    expect([first.status, JSON.parse(first.body).error.code]).toEqual([500, 'internal_error'])
    expect([second.status, JSON.parse(second.body).error.code]).toEqual([503, 'store_unavailable'])
    expect(handler).not.toHaveBeenCalled()
    fail = false
    expect((await keyed.handle(await signedRequest(stageChange({ event_id: 'evt_key_fails' })))).status).toBe(200)
    expect((await versioned.handle(await signedRequest(stageChange({ event_id: 'evt_version_fails' })))).status).toBe(200)
    expect(handler).toHaveBeenCalledTimes(2)
  })

  it('an event no handler applies (unknown, acknowledged 202) records no version: the older known update is not stale', async () => {
    const stale: Array<boolean | undefined> = []
    const receiver = makeReceiver({ store: createMemoryStore() }).on('deal.stage_changed', (event) => void stale.push(event.stale))
    const archived = await receiver.handle(await signedRequest(stageChange({ event: 'deal.archived', timestamp: '2026-03-21T15:05:00Z' })))
    expect(archived.status).toBe(202)
    await receiver.handle(await signedRequest(stageChange({ timestamp: '2026-03-21T15:00:00Z' })))
    expect(stale).toEqual([false])
  })

  it('nor does an event of the catalog no handler takes (200, nothing run); once a handler takes every event, it does', async () => {
    const stale: Array<boolean | undefined> = []
    const receiver = makeReceiver({ store: createMemoryStore() }).on('deal.stage_changed', (event) => void stale.push(event.stale))
    const sameRecordLater = (at: string) => stageChange({ event: 'contact.created', timestamp: at, data: { id: 'deal_1' } })
    expect((await receiver.handle(await signedRequest(sameRecordLater('2026-03-21T15:05:00Z')))).status).toBe(200)
    await receiver.handle(await signedRequest(stageChange({ timestamp: '2026-03-21T15:00:00Z' })))
    expect(stale).toEqual([false])
    receiver.onAny(() => {})
    await receiver.handle(await signedRequest(sameRecordLater('2026-03-21T15:10:00Z')))
    await receiver.handle(await signedRequest(stageChange({ timestamp: '2026-03-21T15:01:00Z' })))
    expect(stale).toEqual([false, true])
  })

  it('tells the handler when a newer version of the same record was already handled', async () => {
    const stale: Array<boolean | undefined> = []
    const receiver = makeReceiver({ store: createMemoryStore() }).on('deal.stage_changed', (event) => {
      stale.push(event.stale)
    })
    await receiver.handle(await signedRequest(stageChange({ timestamp: '2026-03-21T15:00:00Z' })))
    await receiver.handle(await signedRequest(stageChange({ timestamp: '2026-03-21T16:00:00Z' })))
    await receiver.handle(await signedRequest(stageChange({ timestamp: '2026-03-21T14:00:00Z' })))
    expect(stale).toEqual([false, false, true])
  })

  it("two receivers of one provider on one store: without namespaces, one account's event id drops the other's; with them, each runs", async () => {
    const shared = createMemoryStore()
    const ran: string[] = []
    const account = (name: string, namespace?: string) =>
      makeReceiver({ store: shared, secret: `${SECRET}-${name}`, namespace }).on('deal.stage_changed', (event) => {
        ran.push(`${name}:${event.idempotencyKey}:${event.stale}`)
      })
    // Two sender accounts number their events alike: the same event id, the same record, different bytes.
    const from = async (name: string, timestamp: string) =>
      signedRequest(stageChange({ event_id: 'evt_shared', timestamp }), `${SECRET}-${name}`)
    const [east, west] = [account('east'), account('west')]
    await east.handle(await from('east', '2026-03-21T16:00:00Z'))
    expect(JSON.parse((await west.handle(await from('west', '2026-03-21T15:00:00Z'))).body)).toMatchObject({ duplicate: true })
    expect(ran).toEqual(['east:acme:evt_shared:false'])

    ran.length = 0
    const [north, south] = [account('north', 'north'), account('south', 'tenant/south')]
    await north.handle(await from('north', '2026-03-21T16:00:00Z'))
    await south.handle(await from('south', '2026-03-21T15:00:00Z'))
    // Nor is the older update of the other account's deal_1 stale: records are kept apart too.
    expect(ran).toEqual(['north:acme/north:evt_shared:false', 'south:acme/tenant/south:evt_shared:false'])
  })

  it('refuses a provider built by hand whose id could spell a namespaced prefix (acme/east) or is no id', () => {
    for (const id of ['acme/east', 'acme:x', undefined]) {
      expect(() => createReceiver({ provider: { ...testProvider, id } as never, secret: SECRET })).toThrow(/provider id .* must be lower-case/)
    }
  })

  it('refuses a namespace that is empty, not a string, or has a ":" (one prefix could then be another)', () => {
    for (const namespace of ['', 'a:b', 7]) {
      expect(() => makeReceiver({ namespace: namespace as string })).toThrow(/namespace must be a non-empty string without ":"/)
    }
  })

  /**
   * A store of your own written before claims carried the version: the memory store behind it, whose
   * recordVersion `answer` may stand in for (undefined: the memory store answers).
   */
  function storeRecordingVersionsApart(answer: () => Promise<{ stale: boolean }> | undefined): IdempotencyStore {
    const memory = createMemoryStore()
    return {
      claim: (key, owner, lockTtlMs) => memory.claim(key, owner, lockTtlMs),
      complete: (key, owner, retentionMs) => memory.complete(key, owner, retentionMs),
      release: (key, owner) => memory.release(key, owner),
      recordVersion: (record, version, retentionMs) => answer() ?? memory.recordVersion!(record, version, retentionMs),
    }
  }

  it('gives back a claim the store answered too late for a handler within its deadline to finish inside the lease: 503, no handler run', async () => {
    let now = 1_000_000
    const memory = createMemoryStore({ now: () => now })
    let answerLateByMs = 0
    // A store whose claim is taken at once but answered late (a slow network, a paused process).
    const slow: IdempotencyStore = {
      claim: async (key, owner, lockTtlMs, version) => {
        const claimed = await memory.claim(key, owner, lockTtlMs, version)
        now += answerLateByMs
        return claimed
      },
      complete: (key, owner, retentionMs) => memory.complete(key, owner, retentionMs),
      release: (key, owner) => memory.release(key, owner),
    }
    let runs = 0
    const receiver = makeReceiver({ store: slow, now: () => now, lockTtlMs: 60_000, handlerTimeoutMs: 25_000 }).on('deal.stage_changed', () => void (runs += 1))
    const request = await signedRequest(stageChange())
    // 35 s late leaves 25 s of the lease: a handler taking its whole deadline would outlive it, beside the
    // run of another instance that claims once the store's lease has lapsed.
    answerLateByMs = 35_000
    expectRejected(await receiver.handle(request), 'store_unavailable')
    expect(runs).toBe(0)
    // Given back: the sender's retry runs at once instead of meeting 409 for what is left of the lease.
    answerLateByMs = 34_999
    expect((await receiver.handle(request)).status).toBe(200)
    expect(runs).toBe(1)
    expect(await receiver.drain()).toBe(true)
  })

  it('asks recordVersion after the claim of a store that does not record versions with it', async () => {
    let guardDown = false
    const older = storeRecordingVersionsApart(() => (guardDown ? Promise.reject(new Error('ECONNRESET')) : undefined))
    const stale: Array<boolean | undefined> = []
    const receiver = makeReceiver({ store: older }).on('deal.stage_changed', (event) => void stale.push(event.stale))
    await receiver.handle(await signedRequest(stageChange({ timestamp: '2026-03-21T15:00:00Z' })))
    await receiver.handle(await signedRequest(stageChange({ timestamp: '2026-03-21T14:00:00Z' })))
    expect(stale).toEqual([false, true])
    guardDown = true
    const request = await signedRequest(stageChange({ timestamp: '2026-03-21T16:00:00Z' }))
    expectRejected(await receiver.handle(request), 'store_unavailable')
    guardDown = false
    // The claim was given back, so the sender's retry runs at once instead of meeting 409.
    expect((await receiver.handle(request)).status).toBe(200)
    expect(stale).toEqual([false, true, false])
  })

  it.each([
    ['the text "false"', { stale: 'false' }],
    ['no verdict', {}],
    ['nothing', undefined],
  ])('a recordVersion answering %s fails closed as a claim answered so does: 503, the claim given back, no handler run', async (_, answer) => {
    let misanswering = true
    const older = storeRecordingVersionsApart(() => (misanswering ? Promise.resolve(answer as never) : undefined))
    const stale: unknown[] = []
    const receiver = makeReceiver({ store: older }).on('deal.stage_changed', (event) => void stale.push(event.stale))
    const request = await signedRequest(stageChange())
    // Handed to the handler, "false" read as stale: the update acknowledged (200) and never applied.
    expectRejected(await receiver.handle(request), 'store_unavailable')
    expect(stale).toEqual([])
    misanswering = false
    expect((await receiver.handle(request)).status).toBe(200)
    expect(stale).toEqual([false])
  })
})

describe('observers', () => {
  it('onDelivery sees every outcome; a throwing observer changes nothing', async () => {
    const outcomes: unknown[] = []
    const receiver = makeReceiver({
      onDelivery: (outcome) => {
        outcomes.push({ status: outcome.status, code: outcome.code, duplicate: outcome.duplicate, type: outcome.eventType })
        throw new Error('observer bug')
      },
      onError: () => {
        throw new Error('observer bug')
      },
    })
    const request = await signedRequest(stageChange())
    expect((await receiver.handle(request)).status).toBe(200)
    expect((await receiver.handle(request)).status).toBe(200)
    expect((await receiver.handle({ ...request, rawBody: `${request.rawBody as string} ` })).status).toBe(401)
    expect(outcomes).toEqual([
      { status: 200, code: undefined, duplicate: false, type: 'deal.stage_changed' },
      { status: 200, code: undefined, duplicate: true, type: 'deal.stage_changed' },
      { status: 401, code: 'invalid_signature', duplicate: false, type: undefined },
    ])
  })

  // docs/idempotency.md, "Senders that send once": with ConnectGain, Customermates or Auto-Respond a 500 or 503 is
  // not sent again, so onError is where the application keeps the verified event it could not handle.
  it.each([
    ['handler_failed', 'a handler that threw', {}, () => Promise.reject(new Error('database down'))],
    ['store_unavailable', 'an unreachable store', { store: { claim: () => Promise.reject(new Error('ECONNREFUSED')), complete: async () => true, release: async () => true } }, () => {}],
    ['store_unavailable', 'a receiver draining', {}, () => {}],
  ] as const)('onError gets the verified event of a delivery that failed with %s (%s)', async (code, why, options, handler) => {
    const seen: Array<{ code: string; event: unknown; idempotencyKey: string | undefined }> = []
    const receiver = makeReceiver({ ...options, onError: (error, outcome) => void seen.push({ code: error.code, event: outcome.event, idempotencyKey: outcome.idempotencyKey }) })
    receiver.on('deal.stage_changed', handler)
    if (why === 'a receiver draining') await receiver.drain()
    const body = stageChange()
    expectRejected(await receiver.handle(await signedRequest(body)), code)
    expect(seen).toEqual([
      {
        code,
        event: expect.objectContaining({
          type: 'deal.stage_changed',
          id: JSON.parse(body).event_id,
          data: JSON.parse(body).data,
          payload: JSON.parse(body),
          idempotencyKey: seen[0]!.idempotencyKey,
        }),
        idempotencyKey: expect.stringMatching(/^acme:/),
      },
    ])
  })
})

describe('observers and stores that fail asynchronously or by throwing', () => {
  const unhandled: unknown[] = []
  const collect = (reason: unknown) => void unhandled.push(reason)
  afterEach(() => {
    process.off('unhandledRejection', collect)
    unhandled.length = 0
  })
  // Let every rejection made so far reach the unhandledRejection check.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

  it('an async onError or onDelivery that rejects changes nothing and leaves no unhandled rejection', async () => {
    process.on('unhandledRejection', collect)
    const seen: string[] = []
    const receiver = makeReceiver({
      onError: async (error) => {
        seen.push(error.code)
        throw new Error('log shipping failed')
      },
      onDelivery: async () => {
        throw new Error('metrics down')
      },
    })
    const request = await signedRequest(stageChange())
    expectRejected(await receiver.handle({ ...request, headers: {} }), 'missing_signature')
    expect((await receiver.handle(request)).status).toBe(200)
    await settle()
    expect([seen, unhandled]).toEqual([['missing_signature'], []])
  })

  it('a store whose complete throws instead of rejecting, after a handler timeout: 503, no unhandled error, retried', async () => {
    process.on('unhandledRejection', collect)
    const memory = createMemoryStore()
    let completeCalls = 0
    const throwing: IdempotencyStore = {
      claim: (key, owner, lockTtlMs) => memory.claim(key, owner, lockTtlMs),
      complete: (key, owner, retentionMs) => {
        completeCalls += 1
        if (completeCalls === 1) throw new Error('driver: connection not open')
        return memory.complete(key, owner, retentionMs)
      },
      release: (key, owner) => memory.release(key, owner),
    }
    let finish!: () => void
    const receiver = makeReceiver({ store: throwing, handlerTimeoutMs: 20 }).on('deal.stage_changed', () => new Promise<void>((resolve) => (finish = resolve)))
    const request = await signedRequest(stageChange())
    expectRejected(await receiver.handle(request), 'handler_timeout')
    finish()
    // The throw is retried like a rejection, so the completion lands and the next retry is a duplicate.
    await vi.waitFor(async () => expect(JSON.parse((await receiver.handle(request)).body).duplicate).toBe(true))
    await settle()
    expect([completeCalls, unhandled]).toEqual([2, []])
  })
  it('a store of your own whose complete and release answer plain values, not promises: 200, and no unhandled error after a timeout', async () => {
    process.on('unhandledRejection', collect)
    const memory = createMemoryStore()
    const completed: string[] = []
    const plain: IdempotencyStore = {
      claim: (key, owner, lockTtlMs) => memory.claim(key, owner, lockTtlMs),
      complete: ((key: string, owner: string, retentionMs: number) => {
        completed.push(key)
        void memory.complete(key, owner, retentionMs)
        return true
      }) as unknown as IdempotencyStore['complete'],
      release: ((key: string, owner: string) => void memory.release(key, owner)) as unknown as IdempotencyStore['release'],
    }
    expect((await makeReceiver({ store: plain }).on('deal.stage_changed', () => {}).handle(await signedRequest(stageChange()))).status).toBe(200)
    let finish!: () => void
    const slow = makeReceiver({ store: plain, handlerTimeoutMs: 20 }).on('deal.stage_changed', () => new Promise<void>((resolve) => (finish = resolve)))
    const request = await signedRequest(stageChange())
    expectRejected(await slow.handle(request), 'handler_timeout')
    finish()
    await settle()
    expect(JSON.parse((await slow.handle(request)).body).duplicate).toBe(true)
    expect([completed.length, unhandled]).toEqual([2, []])
  })

  it.each([
    ['a state it made up', { state: 'weird' }],
    ['nothing', undefined],
    ['null', null],
    // Answers with no JSON, or whose members throw as they are read: the message about them must not fail itself.
    ['a cyclic object', (() => { const cyclic: Record<string, unknown> = { state: 'weird' }; cyclic.self = cyclic; return cyclic })()],
    ['a BigInt member', { state: 'claimed', stale: 1n }],
    ['a state getter that throws', Object.defineProperty({}, 'state', { get: () => { throw new Error('no state') }, enumerable: true })],
    ['a stale that is no boolean', { state: 'claimed', stale: 'yes' }],
  ])('a claim answered with %s fails closed: 503 store_unavailable, no handler run', async (_name, answer) => {
    const handler = vi.fn()
    const store: IdempotencyStore = {
      claim: async () => answer as never,
      complete: async () => true,
      release: async () => true,
    }
    const response = await makeReceiver({ store }).on('deal.stage_changed', handler).handle(await signedRequest(stageChange()))
    expectRejected(response, 'store_unavailable')
    expect(handler).not.toHaveBeenCalled()
  })

  it('a claim in progress that names no finite wait is retried after the lease, never Retry-After: NaN', async () => {
    const store: IdempotencyStore = {
      claim: async () => ({ state: 'in_progress' }) as never,
      complete: async () => true,
      release: async () => true,
    }
    const response = await makeReceiver({ store, lockTtlMs: 90_000 }).handle(await signedRequest(stageChange()))
    expectRejected(response, 'delivery_in_progress')
    expect(response.headers['retry-after']).toBe('90')
  })

  it("a claim in progress is retried after what is left of its lease, not the whole lease (the store's retryAfterMs)", async () => {
    let storeNow = 1_000_000
    const store = createMemoryStore({ now: () => storeNow })
    let release!: () => void
    const receiver = makeReceiver({ store, lockTtlMs: 60_000, handlerTimeoutMs: 30_000 }).on('deal.stage_changed', () => new Promise<void>((resolve) => (release = resolve)))
    const request = await signedRequest(stageChange())
    const first = receiver.handle(request)
    await vi.waitFor(() => expect(release).toBeTypeOf('function'))
    storeNow += 45_000
    const resend = await receiver.handle(request)
    expect([resend.status, resend.headers['retry-after']]).toEqual([409, '15'])
    release()
    expect((await first).status).toBe(200)
  })

  it('a claim in progress whose wait is past the lease (1e25 ms) is retried after the lease, never Retry-After: 1e+22', async () => {
    const store: IdempotencyStore = {
      claim: async () => ({ state: 'in_progress', retryAfterMs: 1e25 }),
      complete: async () => true,
      release: async () => true,
    }
    const response = await makeReceiver({ store, lockTtlMs: 90_000 }).handle(await signedRequest(stageChange()))
    expect([response.status, response.headers['retry-after']]).toEqual([409, '90'])
  })

  // Code of yours may throw anything: a Proxy whose getPrototypeOf trap throws made every `instanceof` the
  // pipeline asks of what it caught throw again, up past the listener's own catch: an unhandled rejection.
  it('a handler that throws a value whose prototype cannot be read is a 500 handler_failed, on every entry point, and the process lives', async () => {
    process.on('unhandledRejection', collect)
    const hostile: object = new Proxy({}, { getPrototypeOf: () => { throw hostile } })
    const receiver = makeReceiver().on('deal.stage_changed', () => { throw hostile })
    expectRejected(await receiver.handle(await signedRequest(stageChange())), 'handler_failed')
    const request = await signedRequest(stageChange())
    const viaFetch = await receiver.fetch(new Request('http://localhost/webhooks', { method: 'POST', headers: request.headers, body: request.rawBody as string }))
    expect([viaFetch.status, (await viaFetch.json()).error.code]).toEqual([500, 'handler_failed'])
    const unreadable: object = new Proxy({}, { getPrototypeOf: () => { throw unreadable } })
    expect(toWebhookError(unreadable).code).toBe('internal_error')
    await settle()
    expect(unhandled).toEqual([])
  })

  it("an unknown-event hook whose answer's `then` getter throws has failed: its claim is released, so a resend runs again and drain() ends", async () => {
    let calls = 0
    const receiver = makeReceiver({
      onUnknownEvent: () => {
        calls += 1
        return calls === 1 ? { get then() { throw new Error('no then') } } : undefined
      },
    })
    const request = await signedRequest(JSON.stringify({ event: 'deal.exploded', event_id: 'evt_exploded', timestamp: '2026-03-21T15:00:00Z', data: { id: 'deal_1' } }))
    expectRejected(await receiver.handle(request), 'handler_failed')
    expect((await receiver.handle(request)).status).toBe(202)
    expect(calls).toBe(2)
    expect(await receiver.drain({ timeoutMs: 1_000 })).toBe(true)
  })

  it("a scheme of your own whose verify answers another realm's promise is awaited: a forgery is 401, a genuine delivery 200", async () => {
    process.on('unhandledRejection', collect)
    // A promise made in another realm (a vm context, a library's thenable) is no `instanceof Promise` here.
    const inOtherRealm = runInNewContext('(work) => new Promise((resolve, reject) => { try { resolve(work()) } catch (error) { reject(error) } })') as (
      work: () => unknown,
    ) => Promise<never>
    const foreign = defineProvider({
      ...testProvider,
      id: 'acme-foreign',
      scheme: { ...scheme, verify: (request, secrets, options) => inOtherRealm(() => scheme.verify(request, secrets, options)) },
    })
    const handler = vi.fn()
    const receiver = createReceiver({ provider: foreign, secret: SECRET }).on('deal.stage_changed', handler)
    expectRejected(await receiver.handle(await signedRequest(stageChange(), 'a-guess')), 'invalid_signature')
    expect((await receiver.handle(await signedRequest(stageChange()))).status).toBe(200)
    await settle()
    expect([handler.mock.calls.length, unhandled]).toEqual([1, []])
  })
})

describe('entry points', () => {
  it('fetch: Request in, Response out; a declared oversize is refused before reading', async () => {
    const errors: WebhookError[] = []
    const receiver = makeReceiver({ maxBodyBytes: 1024, onError: (error) => void errors.push(error) })
    const body = stageChange()
    const signature = await scheme.sign({ body }, SECRET)
    const ok = await receiver.fetch(
      new Request('http://localhost/webhooks', { method: 'POST', body, headers: { 'content-type': 'application/json', ...signature } }),
    )
    expect(ok.status).toBe(200)
    const big = await receiver.fetch(
      new Request('http://localhost/webhooks', { method: 'POST', body: 'x'.repeat(2048), headers: signature }),
    )
    expect(big.status).toBe(413)
    // A method the provider does not use is refused first, whatever its body: 405 with Allow, not 413.
    const bigPatch = await receiver.fetch(new Request('http://localhost/webhooks', { method: 'PATCH', body: 'x'.repeat(2048), headers: signature }))
    expect([bigPatch.status, bigPatch.headers.get('allow'), ((await bigPatch.json()) as { error: { code: string } }).error.code]).toEqual([405, 'POST, PUT', 'method_not_allowed'])
    // What the body did stays the refusal's cause, for the logs.
    expect([errors.at(-1)?.code, (errors.at(-1)?.cause as WebhookError | undefined)?.code]).toEqual(['method_not_allowed', 'payload_too_large'])
  })

  // Next.js on Node reset the kept connection of a body cancelled unread under the sender's next delivery; Bun,
  // told to close instead, cut off a sender still writing before it read its 413 (EPIPE).
  it('fetch: a body past the limit is answered 413 at once and read off in the background, bounded; one past the deadline closes the connection', async () => {
    const receiver = makeReceiver({ maxBodyBytes: 1024, bodyTimeoutMs: 50 })
    const signature = await scheme.sign({ body: '{}' }, SECRET)
    const post = (body: ReadableStream<Uint8Array> | string) =>
      receiver.fetch(
        typeof body === 'string'
          ? new Request('http://localhost/webhooks', { method: 'POST', headers: { ...signature, 'content-length': String(body.length) }, body })
          : new Request('http://localhost/webhooks', { method: 'POST', headers: signature, body, duplex: 'half' } as RequestInit),
      )
    /** A body of `chunks` KB pulled one at a time; `pulled` counts them, `cancelled` says whether it was cut. */
    const kilobytes = (chunks: number) => {
      const seen = { pulled: 0, cancelled: false }
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (seen.pulled === chunks) return controller.close()
          seen.pulled += 1
          controller.enqueue(new Uint8Array(1024).fill(120))
        },
        cancel: () => void (seen.cancelled = true),
      })
      return { stream, seen }
    }
    const ending = kilobytes(64)
    const overLimit = await post(ending.stream)
    expect([overLimit.status, overLimit.headers.get('connection')]).toEqual([413, null])
    await vi.waitFor(() => expect(ending.seen).toEqual({ pulled: 64, cancelled: false }))
    // A body that stops coming is cut after DISCARD_MAX_MS.
    let stalledCancelled = false
    const stalled = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new Uint8Array(2048)),
      cancel: () => void (stalledCancelled = true),
    })
    expect((await post(stalled)).status).toBe(413)
    expect(stalledCancelled).toBe(false)
    await vi.waitFor(() => expect(stalledCancelled).toBe(true), { timeout: DISCARD_MAX_MS + 1_000 })
    const tooSlow = await post(new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(new TextEncoder().encode('{')) }))
    expect([tooSlow.status, tooSlow.headers.get('connection')]).toEqual([408, 'close'])
    // Refused from its Content-Length, before a byte was read: the server reads or closes as it does for any answer.
    const declared = await post('x'.repeat(2048))
    expect([declared.status, declared.headers.get('connection')]).toEqual([413, null])
  })

  it('fetch: a body ending short of its Content-Length is body_already_parsed (500), not a bare invalid_signature; a whole one verifies', async () => {
    const handler = vi.fn()
    const receiver = makeReceiver().on('deal.stage_changed', handler)
    const body = stageChange()
    const signed = await signedRequest(body)
    const length = String(new TextEncoder().encode(body).length)
    const short = new Request('http://localhost/webhooks', {
      method: 'POST',
      headers: { ...signed.headers, 'content-length': String(Number(length) + 10) },
      body,
    })
    const refused = await receiver.fetch(short)
    expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code]).toEqual([500, 'body_already_parsed'])
    const whole = await receiver.fetch(new Request('http://localhost/webhooks', { method: 'POST', headers: { ...signed.headers, 'content-length': length }, body }))
    expect(whole.status).toBe(200)
    expect(handler).toHaveBeenCalledTimes(1)
  })

  it("fetch: a provider's own handshake answer no Response can hold is a 500 internal_error, as on node:http, never a rejection", async () => {
    // What a provider's own handshake could answer: a status outside 200-599, a header value with a line
    // break. The Response constructor throws on each.
    const refused: WebhookResponse[] = [
      { status: 99, headers: {}, body: '' },
      { status: 200, headers: { 'x-token': 'a\nb' }, body: 'ok' },
    ]
    for (const answer of refused) {
      const receiver = createReceiver({ provider: { ...testProvider, handshake: () => answer }, secret: SECRET })
      const body = stageChange()
      const signature = await scheme.sign({ body }, SECRET)
      const request = new Request('http://localhost/webhooks', { method: 'POST', body, headers: { 'content-type': 'application/json', ...signature } })
      const response = await receiver.fetch(request).catch((error: unknown) => error)
      expect(response).toBeInstanceOf(Response)
      expect([(response as Response).status, await (response as Response).json()]).toEqual([
        500,
        { ok: false, error: { code: 'internal_error', message: 'internal error' } },
      ])
    }
    // A body on a status that has none (205, 304) is left out, as node:http leaves out a 304's.
    for (const status of [205, 304]) {
      const receiver = createReceiver({ provider: { ...testProvider, handshake: () => ({ status, headers: {}, body: 'confirmed' }) }, secret: SECRET })
      const body = stageChange()
      const signature = await scheme.sign({ body }, SECRET)
      const request = new Request('http://localhost/webhooks', { method: 'POST', body, headers: { 'content-type': 'application/json', ...signature } })
      const response = await receiver.fetch(request).catch((error: unknown) => error)
      expect(response).toBeInstanceOf(Response)
      expect([(response as Response).status, await (response as Response).text()]).toEqual([status, ''])
    }
  })

  it("handle: a provider's handshake answer no transport can send is a 500 internal_error, its reason in the cause", async () => {
    const refused: WebhookResponse[] = [
      { status: 103, headers: {}, body: 'early' },
      { status: 99, headers: {}, body: '' },
      { status: 700, headers: {}, body: '' },
      { status: 200, headers: { 'x-token': 'a\r\nb' }, body: 'ok' },
      { status: 200, headers: { 'bad name': 'x' }, body: 'ok' },
    ]
    for (const answer of refused) {
      const errors: unknown[] = []
      const receiver = createReceiver({
        provider: { ...testProvider, handshake: () => answer },
        secret: SECRET,
        onError: (error) => void errors.push(error.cause),
      })
      const response = await receiver.handle(await signedRequest(stageChange()))
      expect([response.status, JSON.parse(response.body).error.code]).toEqual([500, 'internal_error'])
      expect(errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/status is 200 to 599|cannot be sent/) })])
    }
  })

  it("leaves a provider handshake's own Content-Length and Transfer-Encoding out: framing is the transport's", async () => {
    const answer = { status: 205, headers: { 'Content-Length': '9', 'transfer-encoding': 'chunked', 'x-handshake': 'yes' }, body: 'confirmed' }
    const receiver = createReceiver({ provider: { ...testProvider, handshake: () => answer }, secret: SECRET })
    const response = await receiver.handle(await signedRequest(stageChange()))
    expect(response).toEqual({ status: 205, headers: { 'x-handshake': 'yes' }, body: 'confirmed' })
    // The provider's own object is left as it was.
    expect(answer.headers).toEqual({ 'Content-Length': '9', 'transfer-encoding': 'chunked', 'x-handshake': 'yes' })
  })

  describe('node:http listener', () => {
    let close: (() => Promise<void>) | undefined
    afterEach(async () => close?.())

    it('serves the pipeline over a real socket', async () => {
      const handler = vi.fn()
      const server = createServer(createNodeListener(makeReceiver({ maxBodyBytes: 4096 }).on('deal.stage_changed', handler)))
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      close = () => new Promise((resolve) => server.close(() => resolve()))
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`
      const body = stageChange()
      const headers = { 'content-type': 'application/json', ...(await scheme.sign({ body }, SECRET)) }
      expect((await fetch(url, { method: 'POST', body, headers })).status).toBe(200)
      const tooBig = await fetch(url, { method: 'POST', body: 'x'.repeat(8192), headers })
      expect(tooBig.status).toBe(413)
      expect((await fetch(url, { method: 'POST', body, headers })).status).toBe(200)
      expect(handler).toHaveBeenCalledTimes(1)
    })

    async function listen(options: TestOptions) {
      const server = createServer(createNodeListener(makeReceiver(options).on('deal.stage_changed', () => {})))
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      close = () => new Promise((resolve) => server.close(() => resolve()).closeAllConnections())
      return (server.address() as AddressInfo).port
    }

    function post(agent: Agent, port: number, body: string | Buffer, headers: Record<string, string> = {}) {
      return new Promise<{ status: number | undefined; connection: string | undefined; body: string }>((resolve, reject) => {
        const request = httpRequest({ host: '127.0.0.1', port, path: '/webhooks', method: 'POST', agent, headers }, (response) => {
          let text = ''
          response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
          response.on('end', () => resolve({ status: response.statusCode, connection: response.headers.connection, body: text }))
        })
        request.on('error', reject).end(body)
      })
    }

    it('answers a body declared past what it discards 413 with Connection: close, read by a sender still writing, and the next delivery opens a new connection', async () => {
      const port = await listen({ maxBodyBytes: 1024 })
      const agent = new Agent({ keepAlive: true, maxSockets: 1 })
      try {
        // 2 MiB: more than the limit plus the 1 MiB the receiver reads and drops after refusing.
        const refused = await post(agent, port, Buffer.alloc(2 * 1024 * 1024, 0x61), { 'content-type': 'application/json' })
        expect([refused.status, refused.connection, JSON.parse(refused.body).error.code]).toEqual([413, 'close', 'payload_too_large'])
        const body = stageChange()
        const next = await post(agent, port, body, { 'content-type': 'application/json', ...(await scheme.sign({ body }, SECRET)) })
        expect(next.status).toBe(200)
      } finally {
        agent.destroy()
      }
    })

    it('answers a body that missed its deadline 408 with Connection: close, then ends the connection', async () => {
      const port = await listen({ bodyTimeoutMs: 200 })
      const { answer, endedAfterMs } = await new Promise<{ answer: string; endedAfterMs: number }>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write('POST /webhooks HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"event":')
        })
        const startedAt = Date.now()
        let answer = ''
        socket.setEncoding('latin1').on('data', (chunk: string) => (answer += chunk))
        socket.on('end', () => resolve({ answer, endedAfterMs: Date.now() - startedAt }))
        socket.on('error', () => {})
      })
      expect(answer).toMatch(/^HTTP\/1\.1 408 /)
      expect(answer.toLowerCase()).toContain('\r\nconnection: close\r\n')
      expect(endedAfterMs).toBeLessThan(DISCARD_MAX_MS)
    })
  })
})
