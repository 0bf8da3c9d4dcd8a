/**
 * Every rejection the pipeline can produce, as a class with a stable machine `code`.
 *
 * One table, {@link STATUS_BY_CODE}, decides the HTTP status of every code, so adapters never branch
 * on error types and callers never match message text.
 *
 * @module
 */

/** The codes of a {@link SignatureVerificationError}. */
export type SignatureVerificationCode = 'missing_signature' | 'invalid_signature' | 'timestamp_out_of_tolerance'

/** The codes of a {@link RequestRejectedError}. */
export type RequestRejectedCode =
  | 'payload_too_large'
  | 'invalid_body'
  | 'body_already_parsed'
  | 'unsupported_media_type'
  | 'method_not_allowed'
  | 'request_timeout'
  | 'malformed_request'
  | 'headers_too_large'

/** The codes of a {@link PayloadValidationError}. */
export type PayloadValidationCode = 'unknown_event' | 'invalid_payload'

/** The codes of an {@link IdempotencyError}. */
export type IdempotencyCode = 'delivery_in_progress' | 'store_unavailable'

/** The codes of a {@link HandlerError}. */
export type HandlerCode = 'handler_failed' | 'handler_timeout'

/**
 * The stable machine codes, each class's and `internal_error`. They appear in response bodies
 * (`{"ok":false,"error":{"code":...}}`), in logs and in the CLI, and never change meaning.
 */
export type WebhookErrorCode =
  | SignatureVerificationCode
  | RequestRejectedCode
  | PayloadValidationCode
  | IdempotencyCode
  | HandlerCode
  | 'internal_error'

/**
 * The HTTP status of every code: 4xx for what a retry cannot fix, 5xx (or 409) for what a retry can,
 * 2xx for deliveries deliberately ignored.
 *
 * The senders that retry (seeds 000 and 003, Standard Webhooks) retry anything outside 2xx, so a 4xx does
 * not stop them; it tells a human reading the sender's delivery log that the request itself is wrong. The
 * others (seeds 001, 002 and 004) make one attempt, so there a 5xx or 409 is not sent again (002: until a
 * person resends it): docs/idempotency.md, "Senders that send once".
 *
 * @example
 * ```ts
 * STATUS_BY_CODE.invalid_signature // 401
 * STATUS_BY_CODE.delivery_in_progress // 409
 * ```
 */
export const STATUS_BY_CODE: Readonly<Record<WebhookErrorCode, number>> = {
  missing_signature: 401,
  invalid_signature: 401,
  timestamp_out_of_tolerance: 401,
  payload_too_large: 413,
  invalid_body: 400,
  // The integrator's app consumed the body before us: a deployment bug. 5xx keeps the sender retrying
  // until it is fixed, so no genuine delivery is lost meanwhile.
  body_already_parsed: 500,
  unsupported_media_type: 415,
  method_not_allowed: 405,
  request_timeout: 408,
  // What Node's HTTP parser refused before any entry point saw a request (answered by nodeClientErrorListener).
  malformed_request: 400,
  headers_too_large: 431,
  // A new event type must never cause 5xx and a retry storm: it is acknowledged and handed to a hook.
  unknown_event: 202,
  invalid_payload: 422,
  delivery_in_progress: 409,
  store_unavailable: 503,
  handler_failed: 500,
  handler_timeout: 503,
  internal_error: 500,
}

/** Options every {@link WebhookError} accepts. */
export interface WebhookErrorOptions {
  /** The underlying error, kept for logs; never serialised into a response. */
  cause?: unknown
  /** Seconds after which a retry may succeed; becomes a `Retry-After` header. */
  retryAfterSeconds?: number
}

/**
 * Base class of every error the pipeline produces.
 *
 * @example
 * ```ts
 * // In onError, and in a scheme of your own that throws one:
 * createReceiver({ provider, secret, onError: (error) => {
 *   if (error instanceof WebhookError && error.code === 'invalid_signature') console.warn('forged', error.message)
 * } })
 * ```
 */
export class WebhookError extends Error {
  /** The stable machine code. */
  readonly code: WebhookErrorCode
  /** The HTTP status this error maps to, from {@link STATUS_BY_CODE}. */
  readonly status: number
  /** Seconds after which a retry may succeed, if known. */
  readonly retryAfterSeconds: number | undefined

  constructor(code: WebhookErrorCode, message: string, options: WebhookErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'WebhookError'
    this.code = code
    this.status = STATUS_BY_CODE[code]
    this.retryAfterSeconds = options.retryAfterSeconds
  }
}

/**
 * The request is not proven to come from the sender: no signature, a wrong one, or a signed timestamp
 * outside the tolerance.
 *
 * @example
 * ```ts
 * if (error instanceof SignatureVerificationError) console.warn('forged or misconfigured', error.code)
 * ```
 */
export class SignatureVerificationError extends WebhookError {
  /** One of this class's codes. */
  declare readonly code: SignatureVerificationCode

  constructor(code: SignatureVerificationError['code'], message: string, options?: WebhookErrorOptions) {
    super(code, message, options)
    this.name = 'SignatureVerificationError'
  }
}

/**
 * The request itself is unusable: too large, too slow, not a supported content type or method, a body
 * that is not valid UTF-8 JSON or form data, a body some middleware already parsed, or HTTP that Node's
 * parser could not read (framing, header syntax, headers too large).
 *
 * @example
 * ```ts
 * new RequestRejectedError('payload_too_large', 'body exceeds 1048576 bytes')
 * ```
 */
export class RequestRejectedError extends WebhookError {
  /** One of this class's codes. */
  declare readonly code: RequestRejectedCode

  constructor(code: RequestRejectedError['code'], message: string, options?: WebhookErrorOptions) {
    super(code, message, options)
    this.name = 'RequestRejectedError'
  }
}

/**
 * A verified payload whose event type is not in the catalog, or whose data fails its schema.
 *
 * @example
 * ```ts
 * new PayloadValidationError('invalid_payload', 'deal.won: data.value: expected number', issues)
 * ```
 */
export class PayloadValidationError extends WebhookError {
  /** One of this class's codes. */
  declare readonly code: PayloadValidationCode
  /** Standard Schema issues, when a schema rejected the data. */
  readonly issues: readonly SchemaIssue[]

  constructor(code: PayloadValidationError['code'], message: string, issues: readonly SchemaIssue[] = [], options?: WebhookErrorOptions) {
    super(code, message, options)
    this.name = 'PayloadValidationError'
    this.issues = issues
  }
}

/**
 * The idempotency store could not give the exactly-once guarantee (the delivery is being handled
 * elsewhere, or the store is unreachable). Always retryable.
 *
 * @example
 * ```ts
 * new IdempotencyError('store_unavailable', 'redis: connection refused', { retryAfterSeconds: 5 })
 * ```
 */
export class IdempotencyError extends WebhookError {
  /** One of this class's codes. */
  declare readonly code: IdempotencyCode

  constructor(code: IdempotencyError['code'], message: string, options?: WebhookErrorOptions) {
    super(code, message, options)
    this.name = 'IdempotencyError'
  }
}

/**
 * The user's handler threw or did not settle in time. The sender is answered 5xx so it retries.
 *
 * @example
 * ```ts
 * if (error instanceof HandlerError) console.error(error.cause)
 * ```
 */
export class HandlerError extends WebhookError {
  /** One of this class's codes. */
  declare readonly code: HandlerCode

  constructor(code: HandlerError['code'], message: string, options?: WebhookErrorOptions) {
    super(code, message, options)
    this.name = 'HandlerError'
  }
}

/** One problem a schema found, in the Standard Schema shape. */
export interface SchemaIssue {
  readonly message: string
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined
}

/**
 * Turns anything thrown inside the pipeline into a {@link WebhookError}, so no bare error escapes.
 *
 * @example
 * ```ts
 * const webhookError = toWebhookError(caught) // internal_error unless it already was a WebhookError
 * ```
 */
export function toWebhookError(error: unknown): WebhookError {
  try {
    // One of your own (a scheme written in JavaScript) with a code the table lacks has no status: answered as
    // it is, the response would carry none (Fetch's Response makes that a 200, node:http refuses to write it).
    if (error instanceof WebhookError && Object.hasOwn(STATUS_BY_CODE, error.code)) return error
    // The same class from another copy of this package (a scheme `require`d as CommonJS into an ESM app loads
    // the CommonJS build beside the ESM one): not an instance of this copy's class, but the same code and status.
    if (isForeignWebhookError(error)) {
      return new WebhookError(error.code, error.message, { cause: error, retryAfterSeconds: error.retryAfterSeconds })
    }
  } catch {
    // Something thrown whose prototype or members throw as they are read (a Proxy with such traps): nothing
    // can be learnt from it, and the callers that turn failures into answers must not fail here themselves.
  }
  return new WebhookError('internal_error', 'internal error', { cause: error })
}

/**
 * `value instanceof type`, or `false` where asking throws: code of yours may throw anything, a Proxy whose
 * `getPrototypeOf` trap throws included, and the pipeline asks what it caught before it answers.
 *
 * @example
 * ```ts
 * if (isInstanceOf(caught, HandlerError)) throw caught
 * ```
 */
export function isInstanceOf<T>(value: unknown, type: abstract new (...args: never[]) => T): value is T {
  try {
    return value instanceof type
  } catch {
    return false
  }
}

/** Marks every WebhookError, of whichever copy of this package: `Symbol.for` is one symbol across copies. */
const WEBHOOK_ERROR_BRAND = Symbol.for('@crm-webhooks/core.WebhookError')
Object.defineProperty(WebhookError.prototype, WEBHOOK_ERROR_BRAND, { value: true })

function isForeignWebhookError(error: unknown): error is WebhookError {
  if (typeof error !== 'object' || error === null || (error as Record<symbol, unknown>)[WEBHOOK_ERROR_BRAND] !== true) return false
  const { code, message, retryAfterSeconds } = error as Partial<WebhookError>
  return (
    typeof code === 'string' &&
    Object.hasOwn(STATUS_BY_CODE, code) &&
    typeof message === 'string' &&
    (retryAfterSeconds === undefined || typeof retryAfterSeconds === 'number')
  )
}

/**
 * Longest part of a refused header value (or method) an error message quotes. Every media type IANA registers is shorter
 * (mime-db's longest, `application/vnd.openxmlformats-officedocument.spreadsheetml.pivotcachedefinition+xml`,
 * is 84 characters), as are charset names (40 at most) and real coding lists, so a sender's mistake still
 * shows whole. Unbounded, an unsigned request could make the receiver echo up to Node's 16 KiB header limit
 * into its response and into every log line of the message.
 */
const MAX_QUOTED_CHARACTERS = 100

/**
 * `value`, a refused request's header or method, JSON-quoted for an error message: whole, or its first
 * MAX_QUOTED_CHARACTERS and its length.
 *
 * @example
 * ```ts
 * quoteRefusedValue('text/plain')      // '"text/plain"'
 * quoteRefusedValue('x'.repeat(16000)) // '"xxx…x"... (16000 characters)', 100 of them quoted
 * ```
 */
export function quoteRefusedValue(value: string): string {
  return cutText(value, MAX_QUOTED_CHARACTERS, JSON.stringify)
}

/**
 * `text` for an error message: whole, or its first `max` characters and its length, each part passed through
 * `quote` (JSON quotes for a refused header; none for a schema's issue).
 *
 * @example
 * ```ts
 * cutText('x'.repeat(500), 200) // 'xxx…x... (500 characters)', 200 of them kept
 * ```
 */
export function cutText(text: string, max: number, quote: (part: string) => string = (part) => part): string {
  return text.length <= max ? quote(text) : `${quote(text.slice(0, max))}... (${text.length} characters)`
}
