/**
 * The contracts every part of crm-webhooks is written against: the request and response the pipeline
 * speaks, signature schemes, providers, idempotency stores and the typed event a handler receives.
 *
 * @module
 */
import type { StandardSchemaV1 } from './standard-schema.js'

/** A value, or a promise of it: the Node fast path stays synchronous, Web Crypto is async. */
export type MaybePromise<T> = T | Promise<T>

/**
 * Request headers as any framework hands them over: a Fetch `Headers`, Node's `IncomingHttpHeaders`
 * (lower-case keys, duplicates as arrays), or a plain record with any casing.
 */
export type HeaderInput = Headers | Record<string, string | string[] | undefined>

/**
 * The raw request body, exactly as received. A Node `Buffer` is a `Uint8Array`. A string is taken as the
 * UTF-8 text the sender signed; prefer bytes, since only bytes are exactly what was signed.
 */
export type RawBody = Uint8Array | ArrayBuffer | string

/** What an adapter hands to {@link Receiver.handle}. */
export interface WebhookRequest {
  /** The HTTP method, any case. */
  method: string
  /**
   * The request URL (absolute, or the path and query as Node's `req.url` gives it), with its query string
   * exactly as received: a bodiless GET or DELETE carries its fields there, and its signature covers them.
   */
  url?: string | undefined
  headers: HeaderInput
  /** The raw bytes. Anything else (an object a body parser produced) is rejected with `body_already_parsed`. */
  rawBody: RawBody
  /**
   * A Web runtime's `ExecutionContext.waitUntil` (Cloudflare Workers, Vercel and Netlify edge functions): the
   * receiver hands it what may outlive the answer (a handler still running past `handlerTimeoutMs`, retries
   * recording a claim's outcome on a store that failed, an async `onDelivery` or `onError`), so the runtime does
   * not cut it off. A completion cut off would let a resend run the handler again. Not needed where the process
   * lives on (Node, Bun, Deno). Pass it bound, `(work) => ctx.waitUntil(work)`: Workers refuse an unbound call,
   * and a `waitUntil` that throws is ignored (the work still runs, unkept). A handler that never settles keeps
   * it pending until the runtime's own limit (30 s past the answer on Workers).
   */
  waitUntil?: ((work: Promise<unknown>) => unknown) | undefined
}

/** What {@link Receiver.handle} returns: adapters write it out unchanged. */
export interface WebhookResponse {
  status: number
  headers: Record<string, string>
  /** A small JSON document (or a handshake's plain text); never a stack trace or a secret. */
  body: string
}

/** Reads one header by its name, case-insensitively; `undefined` when absent. */
export type HeaderReader = (name: string) => string | undefined

/** A secret as configured: the string or bytes, optionally with a label reported when it matches. */
export type SecretInput = string | Uint8Array | { value: string | Uint8Array; label?: string }

/** What a successful verification proves. */
export interface VerifyResult {
  /** Index, in the configured list, of the secret that matched: retire the others once nothing uses them. */
  secretIndex: number
  /** The matched secret's label, when it was given one. */
  secretLabel?: string | undefined
  /** The signed delivery id, for schemes that sign one (Standard Webhooks' `webhook-id`). */
  signedId?: string | undefined
  /** The signed timestamp in Unix seconds, for schemes that sign one. */
  signedTimestamp?: number | undefined
}

/** The parts of a request a scheme looks at. */
export interface SignedRequest {
  readonly header: HeaderReader
  /**
   * The signed bytes: the raw body, or, for a bodiless GET or DELETE whose fields travel in the query
   * string, the raw query string exactly as sent (the bytes after `?`, before any `#`).
   */
  readonly body: Uint8Array
}

/** Options a scheme's verify receives from the receiver. */
export interface VerifyOptions {
  /** Allowed distance, in seconds, between a signed timestamp and now, in both directions. */
  toleranceSeconds: number
  /** Now, in milliseconds since the epoch (injected for tests). */
  nowMs: number
}

/** What a sender asks a scheme to sign. */
export interface SignInput {
  /**
   * The exact body bytes (or UTF-8 text) that will be sent; for a bodiless GET or DELETE, the query string
   * that will be sent (after `?`), since that is what the receiver verifies.
   */
  body: Uint8Array | string
  /** Delivery id, for schemes that sign one. */
  id?: string | undefined
  /** Unix seconds, for schemes that sign a timestamp. */
  timestampSeconds?: number | undefined
}

/**
 * A signature scheme: one file exports it with both `sign` and `verify`, so the sender and the receiver
 * cannot drift. `prepareSecrets` runs once when a receiver is created and throws a `TypeError` for a
 * secret that can never be right (empty, whitespace-padded, too many).
 */
export interface SignatureScheme<Prepared = unknown> {
  /** Stable name for docs and logs, e.g. `hmac-sha256`. */
  readonly kind: string
  /** The header carrying the signature (or the static secret), as the provider's document spells it. */
  readonly signatureHeader: string
  /** Headers besides the signature header that are part of what is signed, if any. */
  readonly signedHeaders: readonly string[]
  /** Whether a signed timestamp is checked against the tolerance. */
  readonly checksTimestamp: boolean
  prepareSecrets(secrets: readonly SecretInput[]): Prepared
  /** Resolves with which secret matched, or throws a `SignatureVerificationError`. */
  verify(request: SignedRequest, secrets: Prepared, options: VerifyOptions): MaybePromise<VerifyResult>
  /** The headers to send with `input.body`, signed with `secret`. */
  sign(input: SignInput, secret: SecretInput): MaybePromise<Record<string, string>>
  /**
   * How many signatures the signature header carries at once, where it carries several (Standard Webhooks:
   * as many as its verify examines); absent, one. Such a scheme implements `signWithEach`.
   */
  readonly maxSignatures?: number
  /**
   * Only where the signature header carries several signatures at once: the headers signed with each of
   * `secrets` (at most `maxSignatures`), in their order, as a sender rotating its secret sends them, so a
   * receiver holding either the old or the new one accepts. A scheme without it signs with one secret.
   */
  signWithEach?(input: SignInput, secrets: readonly SecretInput[]): MaybePromise<Record<string, string>>
}

/** The event schemas of a provider: one Standard Schema (zod 4 works) per wire event name, for `data`. */
export type EventSchemas = Record<string, StandardSchemaV1>

/** The parsed body, before its envelope is read: JSON's value, or a form body's fields. */
export type ParsedBody = unknown

/** Everything the pipeline knows about a verified, parsed delivery, handed to provider functions. */
export interface DeliveryContext {
  readonly providerId: string
  readonly header: HeaderReader
  readonly body: Uint8Array
  readonly payload: ParsedBody
  readonly contentType: 'json' | 'form'
  readonly verification: VerifyResult
  readonly method: string
  readonly url: string | undefined
}

/**
 * Where a provider keeps the event name, id, timestamp and data. Each function gets the parsed body;
 * returning `undefined` means "not present".
 */
export interface Envelope {
  /** The wire event name, e.g. `deal.stage_changed`. */
  eventType(context: DeliveryContext): string | undefined
  /** The delivery or event id the sender assigns, if any. */
  eventId?(context: DeliveryContext): string | undefined
  /** When the event occurred, as the sender states it (ISO 8601 string or epoch). */
  occurredAt?(context: DeliveryContext): string | number | undefined
  /** The part of the body the event's schema validates; the whole payload when absent. */
  data?(context: DeliveryContext): unknown
}

/**
 * A provider: data plus small functions. Built-in ones live in `providers/<id>/`; users build their own
 * with {@link defineProvider}.
 */
export interface Provider<Events extends EventSchemas = EventSchemas> {
  readonly id: string
  /** Human name, for docs and logs. */
  readonly name: string
  readonly scheme: SignatureScheme<any>
  readonly envelope: Envelope
  readonly events: Events
  /**
   * Methods the sender may use; default `['POST']`. A GET or DELETE without a body carries its fields in
   * the query string, which is then what the scheme verifies (the raw query, as sent).
   */
  readonly methods?: readonly string[]
  /** Body types the sender may use; default `['json']`. */
  readonly contentTypes?: ReadonlyArray<'json' | 'form'>
  /**
   * Turns a form body's fields into the payload the envelope reads (e.g. a `data` field holding JSON).
   * Default: the fields as a plain object of strings. A provider whose forms carry a JSON `data` pairs
   * `decodeJsonFieldsForm(fields, ['data'])` with an `encodeForm` of `encodeJsonFieldsForm(payload, ['data'])`,
   * so a `data` of any JSON (a string, `null`) reads back as it was sent.
   */
  readonly decodeForm?: (fields: URLSearchParams) => ParsedBody
  /**
   * The idempotency key of a delivery, without the provider prefix the receiver adds.
   * Default: the signed id, else the envelope's event id, else a SHA-256 digest of the raw body.
   */
  readonly idempotencyKey?: (context: DeliveryContext) => MaybePromise<string | number | undefined>
  /**
   * What the key digests when a delivery names no id: `signed-bytes` (the default: `sha256:<hex>` of the
   * raw body, or of a bodiless request's raw query), or `canonical-json` (`json-sha256:<hex>` of the parsed
   * payload's canonical JSON, for a sender that writes a resend out again, its keys reordered).
   */
  readonly idempotencyDigest?: 'signed-bytes' | 'canonical-json'
  /**
   * The record an event is about and its version (ms since epoch or a counter), for the ordering guard.
   * Return `undefined` when the event is not about one record.
   */
  readonly recordVersion?: (event: WebhookEvent) => { record: string; version: number } | undefined
  /** Builds what a sender posts for an event (the reference sender and the tests use it). */
  readonly compose?: (event: OutgoingEvent) => { payload: unknown; headers?: Record<string, string> }
  /**
   * Flattens a payload into form fields; the inverse of `decodeForm`. Default: `encodeJsonFieldsForm` with no
   * JSON fields: top-level scalars as text, objects and arrays as JSON text.
   */
  readonly encodeForm?: (payload: unknown) => URLSearchParams
  /**
   * A verified request that is not an event but a handshake (seed 003's subscription confirmation):
   * return the response to send, or `undefined` to go on with the pipeline. Its `Content-Length` and
   * `Transfer-Encoding` headers are left out: each entry point frames the body it sends. An answer no entry
   * point can send (a status outside 200-599, a header value with a line break) is answered 500 `internal_error`.
   */
  readonly handshake?: (context: DeliveryContext) => WebhookResponse | undefined
  /**
   * How long a receiver remembers a completed delivery unless its own `retentionMs` says otherwise: longer
   * than the sender's longest retry window. Default 72 h (seed 000's default retries end at 24 h).
   */
  readonly retentionMs?: number
}

/** An event as a sender is about to post it. */
export interface OutgoingEvent {
  readonly type: string
  /** The event data (what the event's schema validates). */
  readonly data: unknown
  /** A unique id for this event. */
  readonly id: string
  readonly occurredAt: Date
}

/** The event a handler receives, narrowed by its wire name. */
export interface WebhookEvent<Type extends string = string, Data = unknown> {
  /** The wire event name, e.g. `deal.stage_changed`. */
  readonly type: Type
  /** The validated data (the `data` member of the envelope, or the whole body when there is none). */
  readonly data: Data
  /** The sender's event or delivery id, when it sends one. */
  readonly id: string | undefined
  /** When the event occurred, as the sender states it. */
  readonly occurredAt: string | number | undefined
  /** The parsed body exactly as received (the envelope included). */
  readonly payload: unknown
  readonly provider: string
  /** Idempotency key this delivery was claimed under. */
  readonly idempotencyKey: string
  /** Which secret matched. */
  readonly verification: VerifyResult
  /**
   * The ordering guard's verdict, when the provider (or receiver) names the record and version: `true`
   * when a newer version of the same record was already handled, so applying this one would go back in time.
   */
  readonly stale: boolean | undefined
  readonly headers: HeaderReader
}
