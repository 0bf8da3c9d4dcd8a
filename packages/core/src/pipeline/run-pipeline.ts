/**
 * The receive pipeline, in order: method -> size -> content type -> signature over the raw bytes (the
 * body, or the raw query string of a bodiless GET/DELETE) ->
 * strict UTF-8 decode and one parse -> handshake -> envelope -> schema -> idempotency claim ->
 * ordering guard -> handler (with a deadline) -> complete or release -> response.
 *
 * Every stage either passes or throws a WebhookError; `runPipeline` never throws.
 *
 * @module
 */
import { PayloadValidationError, RequestRejectedError, STATUS_BY_CODE, WebhookError, quoteRefusedValue, toWebhookError } from '../errors.js'
import { isThenable, mapMaybePromise } from '../schemes/maybe-promise.js'
import { settledWithin } from '../settled-within.js'
import type { DeliveryContext, MaybePromise, WebhookEvent, WebhookRequest, WebhookResponse } from '../types.js'
import type { ClaimVersion } from '../idempotency/idempotency-store.js'
import { clockReading } from './clock-reading.js'
import { idempotencyKeyOf } from './delivery-key.js'
import { type Progress, report } from './delivery-outcome.js'
import { createHeaderReader } from './headers.js'
import { recordKey } from './id-key.js'
import { describeIssues, invalidPayload } from './invalid-payload.js'
import { bodyTypeOf, bodyTypeOfBytes, decodeUtf8, parseFormBody, parseJsonBody, requireIdentityEncoding } from './parse-body.js'
import type { PipelineConfig } from './pipeline-config.js'
import { carriesQueryFields, rawQueryOf } from './query-fields.js'
import { payloadTooLarge, toBodyBytes } from './raw-body.js'
import { type AcceptedResponseBody, acceptedResponse, assertSendable, errorResponse } from './respond.js'
import { claimOnce, runClaimed, storeUnavailable } from './run-claimed.js'
import type { WaitUntil } from './wait-until.js'

/**
 * Runs one request through the pipeline and always resolves with a response.
 *
 * @example
 * ```ts
 * const response = await runPipeline(config, { method: 'POST', headers, rawBody })
 * ```
 */
export async function runPipeline(config: PipelineConfig, request: WebhookRequest): Promise<WebhookResponse> {
  // Read only for an observer, which alone is told the duration: a clock reading costs ~0.1 µs on Node.
  const startedAt = config.onError || config.onDelivery ? clockReading(config.monotonicNow) : Number.NaN
  const progress: Progress = { duplicate: false }
  let response: WebhookResponse
  let failure: WebhookError | undefined
  try {
    response = await deliver(config, request, progress)
  } catch (caught) {
    failure = toWebhookError(caught)
    response = errorResponse(failure, config.methods)
  }
  report(config, response, failure, progress, startedAt, request.waitUntil)
  return response
}

/**
 * The response for a request that failed before the pipeline could run (its body was too large or too
 * slow to arrive, or a body parser had consumed it), reported to the observers like any other, its duration
 * counted from `startedAt` (when reading began: a 408 took the whole body deadline). A method the provider
 * does not use is refused first, as the pipeline refuses it before it looks at the body: what became of the
 * body (read first, bounded, as any other) is not what that sender must fix (a PUT behind `express.json()` was a
 * 500 `body_already_parsed`).
 *
 * @example
 * ```ts
 * return rejectBeforePipeline(config, caughtWhileReading, request.method, readingStartedAt)
 * ```
 */
export function rejectBeforePipeline(
  config: PipelineConfig,
  caught: unknown,
  method: string,
  startedAt = clockReading(config.monotonicNow),
  waitUntil?: WaitUntil,
): WebhookResponse {
  // The body's own failure stays the refusal's cause, for onError.
  const failure = toWebhookError(methodRefusal(config, method.toUpperCase(), caught) ?? caught)
  const response = errorResponse(failure, config.methods)
  report(config, response, failure, { duplicate: false }, startedAt, waitUntil)
  return response
}

/** `method_not_allowed` for an upper-cased method the provider does not use, else `undefined`. */
function methodRefusal(config: PipelineConfig, method: string, cause?: unknown): RequestRejectedError | undefined {
  if (config.methods.includes(method)) return undefined
  // Quoted and bounded: a Fetch runtime passes any token as the method, 16 KiB long if a sender likes.
  const message = `method ${quoteRefusedValue(method)} is not allowed; use ${config.methods.join(', ')}`
  return new RequestRejectedError('method_not_allowed', message, cause === undefined ? undefined : { cause })
}

/**
 * The receiver's clock, checked: a reading of NaN would pass every signed-timestamp check (no comparison
 * with NaN is true, so no age is too old), letting a captured delivery of any age in. Fails closed (500).
 */
function readClock(config: PipelineConfig): number {
  const nowMs = config.now()
  if (!Number.isFinite(nowMs)) throw new Error(`crm-webhooks: the receiver's now() returned ${String(nowMs)}, not a time in ms`)
  return nowMs
}

async function deliver(config: PipelineConfig, request: WebhookRequest, progress: Progress): Promise<WebhookResponse> {
  const { provider } = config
  const method = request.method.toUpperCase()
  const refusal = methodRefusal(config, method)
  if (refusal) throw refusal
  const body = toBodyBytes(request.rawBody)
  if (body.length > config.maxBodyBytes) {
    throw payloadTooLarge(config.maxBodyBytes)
  }
  const header = createHeaderReader(request.headers)
  // A bodiless GET or DELETE (seed 003's workflow actions) carries its fields in the query string. What
  // is parsed must be what is signed, so the signature covers the raw query there, not the empty body
  // (otherwise a signed GET's headers could be replayed with other query values).
  const query = carriesQueryFields(method, body.length) ? rawQueryOf(request.url) : undefined
  if (query === undefined) requireIdentityEncoding(header('content-encoding'), header('transfer-encoding'))
  const bodyType = query !== undefined ? 'form' : bodyTypeOfBytes(bodyTypeOf(header('content-type'), config.contentTypes), body, config.contentTypes)
  const signed = query !== undefined ? toBodyBytes(query) : body

  // node:crypto verifies synchronously: awaiting a plain value would still cost a microtask hop.
  const verifying = provider.scheme.verify({ header, body: signed }, config.preparedSecrets, {
    toleranceSeconds: config.toleranceSeconds,
    nowMs: readClock(config),
  })
  // Any promise, not only this realm's: a pending verification taken for its result would pass a forgery.
  const verification = isThenable(verifying) ? await verifying : verifying
  progress.verification = verification

  const payload =
    query !== undefined
      ? parseFormBody(query, provider.decodeForm)
      : bodyType === 'json'
        ? parseJsonBody(body)
        : parseFormBody(decodeUtf8(body), provider.decodeForm)

  const context: DeliveryContext = {
    providerId: provider.id,
    header,
    body,
    payload,
    contentType: bodyType,
    verification,
    method,
    url: request.url,
  }
  const handshake = provider.handshake?.(context)
  if (handshake) {
    progress.handshake = { payload: context.payload }
    // A provider's own code: an answer no transport can send (a 1xx, a line break in a header) is a 500 here,
    // the same on every entry point, instead of each transport's own failure (Fastify left a 103's client waiting).
    assertSendable(handshake)
    return withoutFraming(handshake)
  }

  const eventType = provider.envelope.eventType(context)
  const eventId = verification.signedId ?? provider.envelope.eventId?.(context)
  progress.eventType = eventType
  progress.eventId = eventId
  // The digest is of the signed bytes, the raw query of a bodiless GET or DELETE included, and of nothing
  // else: the method is not signed, so a key that named it would let a captured GET, or a form POST of
  // the same bytes, be replayed as a DELETE and run its handler again.
  const keying = idempotencyKeyOf(config, context, eventId, signed)
  // Code of yours that answers a promise before the claim (a key function, an async schema) shares one
  // handlerTimeoutMs, counted from its first such answer: the handler gets its own after the claim.
  let waitingSince: number | undefined
  if (isThenable(keying)) waitingSince = clockReading(config.monotonicNow)
  const idempotencyKey = `${config.storePrefix}:${isThenable(keying) ? await settledWithin(keying, config.handlerTimeoutMs, () => notSettled('the idempotency key', config)) : keying}`
  progress.idempotencyKey = idempotencyKey
  const data = provider.envelope.data ? provider.envelope.data(context) : payload

  if (typeof eventType !== 'string' || eventType === '') {
    const error = new PayloadValidationError('invalid_payload', 'the verified payload names no event type')
    return invalidPayload(config, { type: undefined, payload, issues: [], error, idempotencyKey, headers: header }, progress, request.waitUntil)
  }
  const schema = Object.hasOwn(config.events, eventType) ? config.events[eventType] : undefined
  let validated: unknown = data
  if (schema) {
    const validating = schema['~standard'].validate(data)
    let result: Awaited<typeof validating>
    if (isThenable(validating)) {
      const now = clockReading(config.monotonicNow)
      const leftMs = Math.max(1, config.handlerTimeoutMs - (now - (waitingSince ?? now)))
      result = await settledWithin(validating, leftMs, () => notSettled(`${eventType}'s schema`, config))
    } else {
      result = validating
    }
    if (result.issues) {
      const error = new PayloadValidationError('invalid_payload', `${eventType}: ${describeIssues(result.issues)}`, result.issues)
      return invalidPayload(config, { type: eventType, payload, issues: result.issues, error, idempotencyKey, headers: header }, progress, request.waitUntil)
    }
    validated = result.value
  }

  const event: WebhookEvent = {
    type: eventType,
    data: validated,
    id: eventId,
    occurredAt: provider.envelope.occurredAt?.(context),
    payload,
    provider: provider.id,
    idempotencyKey,
    verification,
    stale: undefined,
    headers: header,
  }
  progress.event = event
  const run = schema ? () => config.dispatch(event) : config.onUnknownEvent && (() => config.onUnknownEvent!(event))
  const accepted: AcceptedResponseBody = eventId
    ? { ok: true, event: eventType, id: eventId, duplicate: false }
    : { ok: true, event: eventType, duplicate: false }
  const status = schema ? 200 : STATUS_BY_CODE.unknown_event
  if (!schema) accepted.ignored = progress.ignored = 'unknown_event'

  // Only an event a handler applies moves the guard: an unknown event acknowledged 202, or one of the catalog
  // no handler takes, would mark the genuine older update of its record stale, and that update would then
  // be skipped by a handler that skips stale events.
  const versioning = schema && config.handles(eventType) ? orderingOf(config, event) : undefined
  const ordering = isThenable(versioning) ? await versioning : versioning
  const claimed = await claimOnce(config, idempotencyKey, typeof ordering === 'object' ? ordering : undefined, request.waitUntil)
  if (claimed.duplicate) {
    progress.duplicate = true
    // A repeat is answered as its first delivery was (202 and `ignored` for an unknown event), as an
    // accepted invalid payload's repeat is: its outcome's code says `unknown_event` either way.
    const repeat: AcceptedResponseBody = { ok: true, event: eventType, id: eventId || undefined, duplicate: true }
    if (!schema) repeat.ignored = 'unknown_event'
    return acceptedResponse(status, repeat)
  }
  ;(event as { stale: boolean | undefined }).stale = typeof ordering === 'object' ? claimed.stale : ordering
  await runClaimed(config, claimed, run)
  return acceptedResponse(status, accepted)
}

/**
 * The version the claim records for the ordering guard, or the verdict without asking the store:
 * `undefined` when the store has no guard or the event names no record, `false` for a version that
 * cannot be compared (NaN from a malformed date), which can be neither stale nor the newest.
 */
function orderingOf(config: PipelineConfig, event: WebhookEvent): MaybePromise<ClaimVersion | false | undefined> {
  if (!config.store.recordVersion || !config.recordVersion) return undefined
  let ordering: unknown
  try {
    ordering = config.recordVersion(event)
  } catch (error) {
    // Nothing is claimed yet: a failing `recordVersion` option answers 503 like the store it stands for.
    throw storeUnavailable(error)
  }
  if (!ordering) return undefined
  const { record: named, version } = ordering as { record?: unknown; version?: unknown }
  // A version of another type (an ISO string, a promise from an async function) said nothing about order, yet
  // read as "not stale" it told the handler the event was the newest. A mistake in the option, not an outage:
  // 500, as a key function's answer of the wrong type is (id-key.ts).
  if (typeof version !== 'number') throw new TypeError(`recordVersion must answer { record, version } with a number version, or undefined (got a version of type ${typeof version})`)
  if (!Number.isFinite(version)) return false
  return mapMaybePromise(recordKey(named), (text) => ({ record: `${config.storePrefix}:${text}`, version, retentionMs: config.retentionMs }))
}

// A handshake's answer with the `Content-Length` and `Transfer-Encoding` it may carry left out: framing is the
// transport's, which every entry point leaves to Node, Fastify or the Fetch Response to write for the body it
// sends. Passed through, a length could count a body that is not sent (a 205's, a HEAD answer's) and leave the
// client waiting for bytes that never come.
function withoutFraming(answer: WebhookResponse): WebhookResponse {
  let headers: Record<string, string> | undefined
  for (const name in answer.headers) {
    const lower = name.toLowerCase()
    if (lower !== 'content-length' && lower !== 'transfer-encoding') continue
    headers ??= { ...answer.headers }
    delete headers[name]
  }
  return headers ? { ...answer, headers } : answer
}

/** Code of yours before the claim (a key function, an async schema) that never answered: a 500 the sender retries. */
function notSettled(what: string, config: PipelineConfig): WebhookError {
  return new WebhookError('internal_error', `${what} did not settle within handlerTimeoutMs (${config.handlerTimeoutMs} ms)`)
}

