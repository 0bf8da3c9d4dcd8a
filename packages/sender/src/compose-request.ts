/**
 * Turns an event into the request a provider's document describes: the provider's own `compose`
 * builds the envelope and any event headers, the body is JSON or a form (through the provider's
 * `encodeForm`), and the signature comes from the provider's scheme — the same file the receiver
 * verifies with, so the two cannot drift (house style #6, #13).
 *
 * @module
 */
import { type OutgoingEvent, type Provider, QUERY_FIELD_METHODS, type SecretInput, rawQueryOf } from '@crm-webhooks/core'
import { encodeJsonFieldsForm } from '@crm-webhooks/core/providers'
import type { LoggedRequest } from './delivery-log.js'
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

const MEDIA_TYPES = { json: 'application/json', form: 'application/x-www-form-urlencoded' } as const

const USER_AGENT = 'crm-webhooks-sender/0.1'

/**
 * Builds the unsigned request for `event`.
 *
 * @example
 * ```ts
 * const request = composeRequest(provider, event, { url: 'http://127.0.0.1:3000/webhooks' })
 * request.body // '{"event":"contact.created",...}'
 * ```
 */
export function composeRequest(provider: Provider, event: OutgoingEvent, shape: RequestShape): LoggedRequest {
  if (typeof provider.compose !== 'function') {
    throw new TypeError(`crm-webhooks: provider ${provider.id} has no compose(), so the sender cannot build its payload`)
  }
  const method = (shape.method ?? provider.methods?.[0] ?? 'POST').toUpperCase()
  const contentType = shape.contentType ?? provider.contentTypes?.[0] ?? 'json'
  const { payload, headers: eventHeaders } = provider.compose(event)
  const headers = mergeHeaders({ 'user-agent': USER_AGENT }, shape.headers, eventHeaders)
  // Seed 003's GET/DELETE actions: the fields travel in the query string, as the receiver reads them.
  if (QUERY_FIELD_METHODS.has(method)) {
    const url = new URL(shape.url)
    for (const [name, value] of encodeFormFor(provider, payload)) url.searchParams.append(name, value)
    return { method, url: url.href, headers, body: undefined }
  }
  const body = contentType === 'json' ? JSON.stringify(payload) : encodeFormFor(provider, payload).toString()
  return { method, url: shape.url, headers: mergeHeaders(headers, { 'content-type': MEDIA_TYPES[contentType] }), body }
}

/**
 * Signs a composed request for one attempt: a scheme that signs a timestamp (Standard Webhooks) gets
 * the attempt's time, so a retry 24 h later is not rejected as stale, and the event id, so the
 * receiver still recognises a repeat. A bodiless GET or DELETE is signed over its raw query string
 * (the bytes after `?` of the URL it is sent to), which is what the receiver verifies.
 *
 * @example
 * ```ts
 * const signed = await signRequest(provider, request, event, 'secret', Date.now())
 * signed.headers['X-AutomateNexus-Signature'] // lower-case hex HMAC-SHA256 of the body
 * ```
 */
export async function signRequest(
  provider: Provider,
  request: LoggedRequest,
  event: OutgoingEvent,
  secret: SecretInput,
  nowMs: number,
): Promise<OutgoingRequest> {
  const signature = await provider.scheme.sign(
    { body: request.body ?? rawQueryOf(request.url), id: event.id, timestampSeconds: Math.floor(nowMs / 1000) },
    secret,
  )
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

/** Form fields of a payload: the provider's `encodeForm`, else core's default, which the receiver's forms mirror. */
function encodeFormFor(provider: Provider, payload: unknown): URLSearchParams {
  return (provider.encodeForm ?? encodeJsonFieldsForm)(payload)
}

/**
 * Checks a request shape against the provider before any delivery: a method or body type the provider
 * does not send, or a custom header that would replace a signed or reserved header, is a `TypeError`.
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
  const methods = (provider.methods ?? ['POST']).map((method) => method.toUpperCase())
  if (shape.method !== undefined && !methods.includes(shape.method.toUpperCase())) {
    throw new TypeError(`crm-webhooks: ${provider.id} sends ${methods.join(', ')}, not ${shape.method}`)
  }
  const contentTypes = provider.contentTypes ?? ['json']
  if (shape.contentType !== undefined && !contentTypes.includes(shape.contentType)) {
    throw new TypeError(`crm-webhooks: ${provider.id} sends ${contentTypes.join(' or ')} bodies, not ${shape.contentType}`)
  }
  const reserved = new Set(
    ['content-type', 'content-length', 'host', provider.scheme.signatureHeader, ...provider.scheme.signedHeaders].map((name) =>
      name.toLowerCase(),
    ),
  )
  for (const name of Object.keys(shape.headers ?? {})) {
    if (reserved.has(name.toLowerCase())) {
      throw new TypeError(`crm-webhooks: the custom header ${name} would replace one the sender sets itself`)
    }
  }
}
