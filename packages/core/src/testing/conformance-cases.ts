/**
 * The conformance table every entry point must pass with the same status and body code (issue 4): the
 * statuses the seeds' senders understand, 2xx only when handled or deliberately ignored, 5xx when the
 * handler threw (so a sender that retries sends it again), 4xx for what a retry cannot fix.
 *
 * @module
 */
import { expect } from 'vitest'
import { type ConformanceCase, errorBody } from './conformance-case.js'
import {
  CONFORMANCE_EVENT_TYPE,
  CONFORMANCE_PREVIOUS_SECRET,
  CONFORMANCE_SECRET,
  conformanceEventBody,
  conformanceStandardProvider,
  signedRequest,
} from './conformance-kit.js'

const handledBody = (id: string, duplicate = false) => ({ ok: true, event: CONFORMANCE_EVENT_TYPE, id, duplicate })

/**
 * A resend that arrives while the first attempt's handler runs, sent once the handler has started (not after
 * a guessed delay): answered 409 with the lease's time left, the first attempt 200.
 */
function inProgressCase(): ConformanceCase {
  let handlerStarted: (() => void) | undefined
  return {
    name: 'in progress: a resend while the first attempt runs is told to retry (409 delivery_in_progress, Retry-After)',
    receiver: { lockTtlMs: 60_000 },
    handler: (event) => {
      if (event.id !== 'evt_in_progress') return undefined
      handlerStarted?.()
      return new Promise<void>((resolve) => setTimeout(resolve, 300))
    },
    send: async (target) => {
      const request = await signedRequest({ id: 'evt_in_progress' })
      const started = new Promise<void>((resolve) => (handlerStarted = resolve))
      const post = async () => {
        const response = await target.fetch(new Request(target.url, { method: 'POST', headers: request.headers, body: request.body }))
        return { status: response.status, headers: response.headers, body: await response.text() }
      }
      const first = post()
      // An entry point that answers the first attempt without running the handler (a 401, a 415) fails here,
      // rather than leaving the case waiting for a handler that never starts.
      await Promise.race([started, first])
      const resend = await post()
      const firstAnswer = await first
      if (firstAnswer.status !== 200) throw new Error(`the first attempt was answered ${firstAnswer.status}, not 200: ${firstAnswer.body}`)
      return [firstAnswer, resend]
    },
    expect: { status: 409, body: errorBody('delivery_in_progress'), headers: { 'retry-after': '60' }, handled: 1 },
  }
}
const nowSeconds = () => Math.floor(Date.now() / 1000)

/**
 * The cases, in the order issue 4 lists them.
 *
 * @example
 * ```ts
 * runConformanceSuite(entry, { cases: conformanceCases.filter((c) => c.name.startsWith('valid')) })
 * ```
 */
export const conformanceCases: readonly ConformanceCase[] = [
  {
    name: 'valid: a correctly signed JSON event is handled (200)',
    request: () => signedRequest({ id: 'evt_valid' }),
    expect: { status: 200, body: handledBody('evt_valid'), handled: 1, event: { type: CONFORMANCE_EVENT_TYPE, id: 'evt_valid' } },
  },
  {
    // An entry point that parses the body and verifies JSON.stringify of it, or trims it, passed every other case.
    name: 'raw bytes: a body JSON.stringify would write otherwise (indented, an escape, a trailing newline) verifies as sent (200)',
    request: () =>
      signedRequest({
        id: 'evt_raw_bytes',
        body: `{\n  "event": "${CONFORMANCE_EVENT_TYPE}",\n  "id": "evt_raw_bytes",\n  "timestamp": "2026-01-15T10:30:00Z",\n  "email": "\\u0061da@example.com"\n}\n`,
      }),
    expect: { status: 200, body: handledBody('evt_raw_bytes'), handled: 1, event: { id: 'evt_raw_bytes' } },
  },
  {
    name: 'tampered: one changed body byte fails verification (401 invalid_signature)',
    request: async () => {
      const request = await signedRequest({ id: 'evt_tampered' })
      return { ...request, body: String(request.body).replace('ada@', 'eve@') }
    },
    expect: { status: 401, body: errorBody('invalid_signature'), handled: 0 },
  },
  {
    name: 'missing header: no signature at all (401 missing_signature)',
    request: () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: conformanceEventBody('evt_unsigned') }),
    expect: { status: 401, body: errorBody('missing_signature'), handled: 0 },
  },
  {
    name: 'rotated secret: the previous secret still verifies during a rotation (200, secretIndex 1)',
    receiver: { secret: [CONFORMANCE_SECRET, CONFORMANCE_PREVIOUS_SECRET] },
    request: () => signedRequest({ id: 'evt_rotated', secret: CONFORMANCE_PREVIOUS_SECRET }),
    expect: { status: 200, body: handledBody('evt_rotated'), handled: 1, event: { verification: { secretIndex: 1 } } },
  },
  {
    name: 'signed timestamp: a fresh Standard Webhooks delivery is handled (200)',
    receiver: { provider: conformanceStandardProvider, toleranceSeconds: 300 },
    request: () => signedRequest({ provider: conformanceStandardProvider, id: 'msg_fresh' }),
    expect: { status: 200, body: handledBody('msg_fresh'), handled: 1 },
  },
  {
    name: 'stale timestamp: a replay signed an hour ago is refused (401 timestamp_out_of_tolerance)',
    receiver: { provider: conformanceStandardProvider, toleranceSeconds: 300 },
    request: () =>
      signedRequest({ provider: conformanceStandardProvider, id: 'msg_stale', timestampSeconds: nowSeconds() - 3600 }),
    expect: { status: 401, body: errorBody('timestamp_out_of_tolerance'), handled: 0 },
  },
  {
    name: 'oversized: a signed body over maxBodyBytes (413 payload_too_large)',
    receiver: { maxBodyBytes: 1024 },
    request: () => signedRequest({ body: conformanceEventBody('evt_big', { note: 'x'.repeat(4096) }) }),
    expect: { status: 413, body: errorBody('payload_too_large'), handled: 0 },
  },
  {
    name: 'invalid JSON: a correctly signed body that does not parse (400 invalid_body)',
    request: () => signedRequest({ body: '{"event":"contact.created","id":' }),
    expect: { status: 400, body: errorBody('invalid_body'), handled: 0 },
  },
  {
    name: 'form body: a signed application/x-www-form-urlencoded event is parsed and handled (200)',
    request: () =>
      signedRequest({
        body: `event=${CONFORMANCE_EVENT_TYPE}&id=evt_form&email=grace%40example.com`,
        contentType: 'application/x-www-form-urlencoded',
      }),
    expect: { status: 200, body: handledBody('evt_form'), handled: 1, event: { data: { email: 'grace@example.com' } } },
  },
  {
    name: 'unsupported content type: a signed text/plain body (415 unsupported_media_type)',
    request: () => signedRequest({ id: 'evt_text', contentType: 'text/plain' }),
    expect: { status: 415, body: errorBody('unsupported_media_type'), handled: 0 },
  },
  {
    name: 'duplicate: the same delivery twice is handled once (200 duplicate: true)',
    request: async () => {
      const request = await signedRequest({ id: 'evt_twice' })
      return [request, request]
    },
    expect: { status: 200, body: handledBody('evt_twice', true), handled: 1 },
  },
  {
    // An entry point that drops the Retry-After header, or answers the 503 as a 200, passed every other case.
    name: 'handler too slow: the sender is told to retry after the lease (503 handler_timeout, Retry-After)',
    receiver: { handlerTimeoutMs: 100, lockTtlMs: 60_000 },
    handler: (event) => (event.id === 'evt_slow' ? new Promise<void>((resolve) => setTimeout(resolve, 300)) : undefined),
    request: () => signedRequest({ id: 'evt_slow' }),
    expect: { status: 503, body: errorBody('handler_timeout'), headers: { 'retry-after': '60' }, handled: 1 },
  },
  inProgressCase(),
  {
    name: 'handler throws: the sender is told to retry (500 handler_failed)',
    handler: (event) => {
      if (event.id === 'evt_throws') throw new Error('database down')
    },
    request: () => signedRequest({ id: 'evt_throws' }),
    expect: { status: 500, body: errorBody('handler_failed'), handled: 1 },
  },
  {
    name: 'unknown event: a verified event outside the catalog is acknowledged, not retried (202)',
    request: () => signedRequest({ body: JSON.stringify({ event: 'contact.teleported', id: 'evt_unknown', email: 'a@b.c' }) }),
    expect: { status: 202, body: { ok: true, event: 'contact.teleported', ignored: 'unknown_event' }, handled: 0 },
  },
  {
    name: 'wrong method: GET on the webhook route (405 method_not_allowed, Allow: POST)',
    request: () => ({ method: 'GET' }),
    expect: { status: 405, body: errorBody('method_not_allowed'), headers: { allow: 'POST' }, handled: 0 },
  },
  {
    name: 'body parser mounted first, raw bytes kept: still verified and handled (200)',
    setup: { bodyParser: 'keeps-raw-body' },
    request: () => signedRequest({ id: 'evt_parsed_kept' }),
    expect: { status: 200, body: handledBody('evt_parsed_kept'), handled: 1 },
  },
  {
    name: 'body parser mounted first, raw bytes gone (express.json()): 500 body_already_parsed naming the fix',
    setup: { bodyParser: 'drops-raw-body' },
    request: () => signedRequest({ id: 'evt_parsed_lost' }),
    expect: {
      status: 500,
      body: errorBody('body_already_parsed', expect.stringMatching(/body parser ran first.*before any body parser/)),
      handled: 0,
    },
  },
  {
    name: 'body parser mounted first, raw bytes gone, a method the provider does not use: 405 method_not_allowed, not 500',
    setup: { bodyParser: 'drops-raw-body' },
    request: async () => ({ ...(await signedRequest({ id: 'evt_parsed_put' })), method: 'PUT' }),
    expect: { status: 405, body: errorBody('method_not_allowed'), headers: { allow: 'POST' }, handled: 0 },
  },
]
