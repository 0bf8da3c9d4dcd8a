/**
 * The responses the pipeline writes: small JSON documents a sender's delivery log shows well, with the
 * stable error code, never a stack trace or a secret.
 *
 * @module
 */
import { type WebhookError, type WebhookErrorCode, STATUS_BY_CODE, toWebhookError } from '../errors.js'
import type { WebhookResponse } from '../types.js'

// A fresh literal per response (adapters may add to it): on Node 20's V8, spreading a shared headers
// object and adding to it (`{ ...shared, ...extra }`) costs a few hundred nanoseconds, a literal a few.
function jsonHeaders(): Record<string, string> {
  return { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }
}

/** Statuses whose response has no content (RFC 9110 sections 15.3.5, 15.3.6 and 15.4.5); Fetch's null body statuses. */
const NO_CONTENT_STATUSES: ReadonlySet<number> = new Set([204, 205, 304])

/**
 * The body to send with `out`, or `undefined` where HTTP gives the response no content: a 1xx, 204, 205 or
 * 304, and any answer to HEAD (RFC 9110 section 9.3.2). Every entry point and adapter writes through it, so
 * none sends a body the client must not read, and a Fetch `Response`, which refuses one there, is never
 * handed one. (A provider's own handshake may answer any of these.)
 *
 * @example
 * ```ts
 * responseContent({ status: 204, headers: {}, body: 'ignored' })      // undefined
 * responseContent({ status: 200, headers: {}, body: '{}' }, 'HEAD')   // undefined
 * responseContent({ status: 200, headers: {}, body: '{}' }, 'POST')   // '{}'
 * ```
 */
export function responseContent(out: WebhookResponse, method?: string): string | undefined {
  return method === 'HEAD' || out.status < 200 || NO_CONTENT_STATUSES.has(out.status) ? undefined : out.body
}

/**
 * `out` as a Fetch `Response` to `method`: its content as {@link responseContent} says. An answer no
 * `Response` can hold (a provider's own handshake answering a status outside 200-599, or a header value with
 * a line break) becomes the JSON 500 `internal_error`, as the node:http listener answers it, never a throw.
 *
 * @example
 * ```ts
 * return toFetchResponse(await receiver.handle(request), request.method)
 * ```
 */
export function toFetchResponse(out: WebhookResponse, method?: string): Response {
  try {
    // Checked here rather than left to the constructor: @hono/node-server swaps in a global Response that
    // checks nothing until it is read, by which time nobody could answer the 500 instead.
    assertSendable(out)
    return new Response(responseContent(out, method) ?? null, { status: out.status, headers: out.headers })
  } catch (error) {
    const failed = errorResponse(toWebhookError(error))
    return new Response(failed.body, { status: failed.status, headers: failed.headers })
  }
}

// RFC 9110's token for a header name, and a field value without the line breaks and NUL that Fetch refuses.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const UNSENDABLE_IN_VALUE = /[\r\n\0]/

/**
 * Throws unless every entry point can send `out`: a final status Fetch takes (200-599; Node would send a
 * 1xx as an interim answer and leave the client waiting for the final one), header names that are tokens
 * and values without line breaks or NUL. The pipeline checks a provider's handshake answer with it, so that
 * an answer no transport can send is the same JSON 500 on every entry point, Fastify's included.
 *
 * @example
 * ```ts
 * assertSendable({ status: 103, headers: {}, body: '' }) // throws RangeError
 * ```
 */
export function assertSendable(out: WebhookResponse): void {
  if (!(Number.isInteger(out.status) && out.status >= 200 && out.status <= 599)) {
    throw new RangeError(`crm-webhooks: an answer's status is 200 to 599, not ${String(out.status)}`)
  }
  for (const name in out.headers) {
    const value = out.headers[name]
    if (!HEADER_NAME.test(name) || typeof value !== 'string' || UNSENDABLE_IN_VALUE.test(value)) {
      throw new TypeError(`crm-webhooks: header ${JSON.stringify(name)} cannot be sent`)
    }
  }
}

/** The body of every error response. */
export interface ErrorResponseBody {
  ok: false
  error: { code: WebhookErrorCode; message: string }
}

/** The body of every accepted delivery. */
export interface AcceptedResponseBody {
  ok: true
  event: string
  id?: string
  duplicate: boolean
  /** Set when the delivery was acknowledged without running a handler. */
  ignored?: 'unknown_event' | 'invalid_payload'
}

/**
 * A JSON response.
 *
 * @example
 * ```ts
 * jsonResponse(200, { ok: true, event: 'deal.won', duplicate: false })
 * ```
 */
export function jsonResponse(status: number, body: object, headers?: Record<string, string>): WebhookResponse {
  const allHeaders = jsonHeaders()
  if (headers) for (const name of Object.keys(headers)) allHeaders[name] = headers[name]!
  return { status, headers: allHeaders, body: JSON.stringify(body) }
}

/**
 * The response for an accepted delivery: the same JSON `jsonResponse` would write for `body`, written
 * directly (only the event name and id need escaping), since every delivery pays for it.
 *
 * @example
 * ```ts
 * acceptedResponse(200, { ok: true, event: 'deal.won', id: 'evt_1', duplicate: false })
 * // body: {"ok":true,"event":"deal.won","id":"evt_1","duplicate":false}
 * ```
 */
export function acceptedResponse(status: number, body: AcceptedResponseBody): WebhookResponse {
  let json = `{"ok":true,"event":${JSON.stringify(body.event)}`
  if (body.id !== undefined) json += `,"id":${JSON.stringify(body.id)}`
  json += body.duplicate ? ',"duplicate":true' : ',"duplicate":false'
  if (body.ignored !== undefined) json += `,"ignored":${JSON.stringify(body.ignored)}`
  return { status, headers: jsonHeaders(), body: `${json}}` }
}

/** The longest `Retry-After` written, a day: a retry that comes early is only told to wait again. */
const MAX_RETRY_AFTER_SECONDS = 86_400

/**
 * The response for a {@link WebhookError}: its status, its code, `Retry-After` when retrying helps, `Allow`
 * for a wrong method. Internal errors say only "internal error": their cause may hold anything.
 *
 * @example
 * ```ts
 * errorResponse(new SignatureVerificationError('invalid_signature', 'no match')) // status 401
 * ```
 */
export function errorResponse(error: WebhookError, allowedMethods?: readonly string[]): WebhookResponse {
  const headers: Record<string, string> = {}
  const retryAfter = error.retryAfterSeconds
  // delay-seconds are digits (RFC 9110 section 10.2.3): a wait of your own past a day (Infinity, 1e25, which
  // String() writes with an exponent) is written as a day; NaN names no wait, so none is written.
  if (typeof retryAfter === 'number' && !Number.isNaN(retryAfter)) {
    headers['retry-after'] = String(Math.min(Math.max(1, Math.ceil(retryAfter)), MAX_RETRY_AFTER_SECONDS))
  }
  if (error.code === 'method_not_allowed' && allowedMethods) headers.allow = allowedMethods.join(', ')
  const message = error.code === 'internal_error' ? 'internal error' : error.message
  const body: ErrorResponseBody = { ok: false, error: { code: error.code, message } }
  return jsonResponse(STATUS_BY_CODE[error.code], body, headers)
}
