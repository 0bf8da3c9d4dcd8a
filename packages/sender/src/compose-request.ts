/**
 * Turns an event into the request a provider's document describes: core's `composeDelivery` (the
 * provider's own `compose` and `encodeForm`) gives the method, body or query and event headers, this adds
 * the user agent and custom headers, and the signature comes from the provider's scheme — the same file
 * the receiver verifies with, so the two cannot drift (house style #6, #13).
 *
 * @module
 */
import { type OutgoingEvent, type Provider, type SecretInput, rawQueryOf, signWithSecrets } from '@crm-webhooks/core'
import { composeDelivery, resolveDeliveryShape } from '@crm-webhooks/core/providers'
import type { LoggedRequest } from './delivery-log.js'
import { isFetchBadPort } from './is-fetch-bad-port.js'
import type { OutgoingRequest } from './transport.js'

/** How a delivery goes on the wire; checked against what the provider allows. */
export interface RequestShape {
  /** The endpoint URL. */
  url: string
  /** The HTTP method; default the provider's first (POST for all but workflow actions). */
  method?: string
  /** `json` or `form`; default the provider's first. */
  contentType?: 'json' | 'form'
  /** Custom headers sent with every delivery (seed 000's "Custom Headers", seed 003's bearer headers). */
  headers?: Readonly<Record<string, string>>
}

const USER_AGENT = 'crm-webhooks-sender/0.1'

/**
 * Builds the unsigned request for `event`. Throws a `TypeError` when the provider's compose refuses the
 * event or makes a header fetch cannot send (an event type with a control character, say).
 *
 * @example
 * ```ts
 * const request = composeRequest(provider, event, { url: 'http://127.0.0.1:3000/webhooks' })
 * request.body // '{"event":"contact.created",...}'
 * ```
 */
export function composeRequest(provider: Provider, event: OutgoingEvent, shape: RequestShape): LoggedRequest {
  const composed = composeDelivery(provider, event, shape)
  // The provider's event headers carry the event type (ConnectGain's X-Webhook-Event): a type fetch cannot
  // send in a header would otherwise fail every attempt as a network error and count towards auto-disable.
  for (const [name, value] of Object.entries(composed.headers)) {
    assertSendableHeader(name, value, ` (from ${provider.id}'s compose of the event)`)
  }
  // The provider's own headers (ConnectGain's X-Webhook-Event and X-Webhook-Timestamp) win the merge below: a
  // custom header of the same name would be dropped without a word, so it is refused instead.
  const composedNames = new Set(Object.keys(composed.headers).map((name) => name.toLowerCase()))
  for (const name of Object.keys(shape.headers ?? {})) {
    if (composedNames.has(name.toLowerCase())) {
      throw new TypeError(`crm-webhooks: the custom header ${name} would replace the one ${provider.id} sends with every event`)
    }
  }
  const headers = mergeHeaders({ 'user-agent': USER_AGENT }, shape.headers, composed.headers)
  if (composed.body !== undefined) return { method: composed.method, url: shape.url, headers, body: composed.body }
  // A bodiless GET or DELETE: its fields go after any query the configured URL already has.
  const url = new URL(shape.url)
  url.search = url.search ? `${url.search}&${composed.query}` : composed.query
  return { method: composed.method, url: url.href, headers, body: undefined }
}

/**
 * Signs a composed request for one attempt: a scheme that signs a timestamp (Standard Webhooks) gets
 * the attempt's time, so a retry 24 h later is not rejected as stale, and the event id, so the
 * receiver still recognises a repeat. A bodiless GET or DELETE is signed over its raw query string
 * (the bytes after `?` of the URL it is sent to), which is what the receiver verifies. A list of
 * secrets signs with each, where the provider's signature header carries several (Standard Webhooks'
 * rotation); a provider whose header holds one signature refuses several with a `TypeError`. So is a
 * signature header fetch could not send as signed: Standard Webhooks' `webhook-id` is the event id, so an
 * id with a line break, a character past U+00FF or a space or tab at either end is refused here.
 *
 * @example
 * ```ts
 * const signed = await signRequest(provider, request, event, 'secret', Date.now())
 * signed.headers['X-AutomateNexus-Signature'] // lower-case hex HMAC-SHA256 of the body
 * const rotating = await signRequest(standardWebhooks, request, event, ['whsec_old...', 'whsec_new...'], Date.now())
 * rotating.headers['webhook-signature'] // 'v1,<old secret's> v1,<new secret's>'
 * ```
 */
export async function signRequest(
  provider: Provider,
  request: LoggedRequest,
  event: OutgoingEvent,
  secret: SecretInput | readonly SecretInput[],
  nowMs: number,
): Promise<OutgoingRequest> {
  const signature = await signWithSecrets(
    provider.scheme,
    { body: request.body ?? rawQueryOf(request.url), id: event.id, timestampSeconds: Math.floor(nowMs / 1000) },
    secret,
  )
  for (const [name, value] of Object.entries(signature)) assertSendableSignedHeader(name, value, provider)
  return { ...request, headers: mergeHeaders(request.headers, signature) }
}

/** Merges header records; a later record wins over an earlier one whatever the names' case. */
function mergeHeaders(...records: ReadonlyArray<Readonly<Record<string, string>> | undefined>): Record<string, string> {
  const merged = new Map<string, [string, string]>()
  for (const record of records) {
    for (const [name, value] of Object.entries(record ?? {})) merged.set(name.toLowerCase(), [name, value])
  }
  return Object.fromEntries(merged.values())
}

// Header names are HTTP tokens; a value is field-vchar and obs-text (RFC 9110 5.5): HTAB, 0x20-0x7E and
// 0x80-0xFF, each character one byte. fetch refuses the other control characters (CR, LF, NUL and the rest,
// DEL included) when it sends, and any character past U+00FF at once: either would fail every attempt as a
// network error, retried for a day.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/

/** Throws a `TypeError` for a header fetch cannot send; `origin` tells where it came from in the message. */
function assertSendableHeader(name: string, value: unknown, origin = ''): void {
  if (!HEADER_NAME.test(name)) throw new TypeError(`crm-webhooks: ${JSON.stringify(name)}${origin} is not a valid header name`)
  if (typeof value !== 'string' || !HEADER_VALUE.test(value)) {
    throw new TypeError(
      `crm-webhooks: the value of header ${name}${origin} must be text without line breaks, other control characters (tab aside) or characters past U+00FF`,
    )
  }
}

/**
 * Throws a `TypeError` for a signature header fetch cannot send as it was signed. Besides what
 * {@link assertSendableHeader} refuses, fetch strips spaces and tabs at either end of a value (Fetch's
 * header value "normalize"): harmless for a custom header, but a signed one (Standard Webhooks' `webhook-id`,
 * the event id) would reach the receiver other than it was signed, and every attempt would be a 401.
 */
function assertSendableSignedHeader(name: string, value: string, provider: Provider): void {
  const origin = ` (set by ${provider.id}'s signature scheme)`
  assertSendableHeader(name, value, origin)
  if (/^[\t ]|[\t ]$/.test(value)) {
    throw new TypeError(
      `crm-webhooks: the value of header ${name}${origin} must not start or end with a space or tab: fetch trims it, and the signature covers it as given`,
    )
  }
}

// Connection-level headers the HTTP client manages itself: fetch refuses them, or (Connection) decides them.
const CONNECTION_HEADERS = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'expect']

/**
 * Checks a request shape against the provider before any delivery: a method or body type the provider
 * does not send, a provider without `compose` (core's `resolveDeliveryShape`), a URL that is not absolute
 * http(s), holds credentials or names a port fetch refuses (the Fetch standard's bad ports, such as 6000),
 * a custom header that would replace a signed, reserved or connection-level header, or one fetch could not
 * send (a name that is not a token, a value with a control character other than tab, or a character past
 * U+00FF), is a `TypeError`.
 *
 * @example
 * ```ts
 * assertRequestShape(automatenexus, { url, method: 'PUT', headers: { 'X-API-Key': 'k' } })
 * ```
 */
export function assertRequestShape(provider: Provider, shape: RequestShape): void {
  let url: URL
  try {
    url = new URL(shape.url)
  } catch {
    throw new TypeError(`crm-webhooks: ${JSON.stringify(shape.url)} is not an absolute URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('crm-webhooks: the URL must be http or https')
  // fetch refuses a URL with credentials on every attempt, and the URL is printed and logged.
  if (url.username !== '' || url.password !== '') {
    throw new TypeError('crm-webhooks: the URL must not hold credentials (user:password@); send them in a custom header such as Authorization')
  }
  // fetch refuses these ports on every attempt ("bad port"), though a server may well listen on one.
  if (url.port !== '' && isFetchBadPort(Number(url.port))) {
    throw new TypeError(
      `crm-webhooks: fetch refuses to send to port ${url.port} (a "bad port" of the Fetch standard, https://fetch.spec.whatwg.org/#bad-port); have the receiver listen on another`,
    )
  }
  resolveDeliveryShape(provider, shape)
  // Content-Encoding describes the body the sender writes, which is never encoded: a custom one would make
  // every attempt a 415 (the receiver refuses an encoded body it cannot verify).
  const reserved = new Set(
    ['content-type', 'content-length', 'content-encoding', 'host', provider.scheme.signatureHeader, ...provider.scheme.signedHeaders].map((name) =>
      name.toLowerCase(),
    ),
  )
  // A string would be read as headers named 0, 1, 2 ..., an array as headers named by their indexes.
  if (shape.headers !== undefined && (typeof shape.headers !== 'object' || shape.headers === null || Array.isArray(shape.headers))) {
    const got = shape.headers === null ? 'null' : Array.isArray(shape.headers) ? 'an array' : typeof shape.headers
    throw new TypeError(`crm-webhooks: headers must be an object of header names to values (got ${got})`)
  }
  for (const [name, value] of Object.entries(shape.headers ?? {})) {
    assertSendableHeader(name, value)
    if (reserved.has(name.toLowerCase())) {
      throw new TypeError(`crm-webhooks: the custom header ${name} would replace one the sender sets itself`)
    }
    if (CONNECTION_HEADERS.includes(name.toLowerCase())) {
      throw new TypeError(`crm-webhooks: the header ${name} belongs to the HTTP connection, which the sender's HTTP client manages`)
    }
  }
}
