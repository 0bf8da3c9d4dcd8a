/**
 * The raw bytes and their limits, shared by every way a body arrives: what an adapter hands over (checked
 * to be bytes, not what a body parser produced), the default size limit and deadline, the refusals of a body
 * too large, too slow, cut short or read by something else first. The readers are read-node-request.ts and
 * read-web-stream.ts.
 *
 * @module
 */
import { RequestRejectedError } from '../errors.js'
import type { RawBody } from '../types.js'

const textEncoder = new TextEncoder()

/**
 * Default body limit: 1 MiB, far above any CRM event the seeds show.
 *
 * @example
 * ```ts
 * createReceiver({ provider, secret, maxBodyBytes: 4 * DEFAULT_MAX_BODY_BYTES })
 * ```
 */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024
/**
 * Default time to receive a whole body.
 *
 * @example
 * ```ts
 * createReceiver({ provider, secret, bodyTimeoutMs: DEFAULT_BODY_TIMEOUT_MS / 2 })
 * ```
 */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000
/**
 * After a body is refused (too large, too slow), the Node reader reads and throws away the rest so a sender
 * still writing can read the answer, until this many bytes past the limit have arrived in all (what was
 * read before the refusal included, so a body refused on its declared Content-Length and the same body
 * refused while streaming get the same allowance), and for at most {@link DISCARD_MAX_MS}; then it destroys
 * the connection: an endless or trickling body must not keep a socket (and the bandwidth) busy for ever,
 * as it did when the rest was drained with no cap. Apache's lingering close bounds the same read (2 s).
 */
export const DISCARD_MAX_BYTES = 1024 * 1024
/** See {@link DISCARD_MAX_BYTES}. */
export const DISCARD_MAX_MS = 2_000

/**
 * The body as bytes, without copying a `Uint8Array` (a Node `Buffer` included). Anything that is not a
 * string, bytes or an ArrayBuffer is what a body parser produced: rejected as `body_already_parsed`,
 * since re-serializing it would not give back the bytes the sender signed.
 *
 * @example
 * ```ts
 * toBodyBytes(Buffer.from('{}')) // the same bytes
 * toBodyBytes({ event: 'x' })    // throws RequestRejectedError('body_already_parsed')
 * ```
 */
export function toBodyBytes(rawBody: RawBody | unknown): Uint8Array {
  if (rawBody instanceof Uint8Array) return rawBody
  if (typeof rawBody === 'string') return textEncoder.encode(rawBody)
  if (rawBody instanceof ArrayBuffer) return new Uint8Array(rawBody)
  if (ArrayBuffer.isView(rawBody)) return new Uint8Array(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength)
  // Another realm's ArrayBuffer (a vm context, a test environment, an edge sandbox's arrayBuffer()) fails
  // `instanceof`, as its views do not fail isView: they are the bytes, not something a parser produced.
  if (Object.prototype.toString.call(rawBody) === '[object ArrayBuffer]') return new Uint8Array(rawBody as ArrayBuffer)
  throw new RequestRejectedError(
    'body_already_parsed',
    'the request body was parsed before signature verification (a JSON or form body parser ran first); ' +
      'hand crm-webhooks the raw bytes: mount its middleware before any body parser, or keep the bytes where the ' +
      "parser runs (Express: express.json({ verify: rawBodySaver }) from @crm-webhooks/express; NestJS: " +
      'NestFactory.create(AppModule, { rawBody: true }), or app.use() the handler in main.ts before listen())',
  )
}

/** The refusal of a body past `limit` bytes, declared or read. */
export function payloadTooLarge(limit: number): RequestRejectedError {
  return new RequestRejectedError('payload_too_large', `request body exceeds ${limit} bytes`)
}

/** The refusal of a body cut off by its sender going away (before or during the read). */
export function connectionClosedEarly(): RequestRejectedError {
  return new RequestRejectedError('invalid_body', 'the connection closed before the body was complete')
}

/** The refusal of a body not all received within its deadline. */
export function bodyTimedOut(): RequestRejectedError {
  return new RequestRejectedError('request_timeout', 'request body not received in time')
}

/**
 * Rejects at once when a declared Content-Length is over the limit, before reading a byte.
 *
 * @example
 * ```ts
 * assertDeclaredLength('2000000', 1048576) // throws payload_too_large
 * ```
 */
export function assertDeclaredLength(contentLength: string | null | undefined, limit: number): void {
  // Only a length as RFC 9110 writes it (digits): `Number` also reads `1e7` and `0x10`, which an in-process
  // Request may carry, and a small body declared so was refused 413 before a byte was read.
  if (contentLength == null || !/^\d+$/.test(contentLength)) return
  if (Number(contentLength) > limit) throw payloadTooLarge(limit)
}

/**
 * Rejects a Fetch body that ended short of its declared Content-Length: a Fetch runtime hands over the whole
 * body or errors the stream, so bytes missing at a clean end were taken before the receiver read it (on
 * @hono/node-server, a reader in front of the server that kept no `rawBody`, node-server building its
 * `Request` from what was left). Verifying what is left would end a genuine delivery as a bare
 * `invalid_signature`, a 401 its sender never retries.
 *
 * @example
 * ```ts
 * assertWholeBody('120', 40) // throws body_already_parsed
 * ```
 */
export function assertWholeBody(contentLength: string | null | undefined, received: number): void {
  if (contentLength == null || !/^\d+$/.test(contentLength) || received >= Number(contentLength)) return
  throw new RequestRejectedError(
    'body_already_parsed',
    `the request body ended after ${received} of its ${contentLength} bytes: something read it before signature verification ` +
      'and kept no copy (a body parser, or a reader in front of the server); mount crm-webhooks where nothing reads the body first',
  )
}

/**
 * The rejection of a Fetch body stream something else read first, all of it or only its start.
 *
 * @example
 * ```ts
 * if (request.bodyUsed) throw bodyStreamAlreadyRead()
 * ```
 */
export function bodyStreamAlreadyRead(): RequestRejectedError {
  return new RequestRejectedError(
    'body_already_parsed',
    'the request body stream was already read before signature verification (a body parser ran first); ' +
      'mount crm-webhooks before any body parser, or hand it the exact bytes that parser kept ' +
      '(in Hono, read c.req.arrayBuffer(): a text or JSON read decodes the bytes and cannot give them back)',
  )
}

/**
 * The body an earlier layer of a Node server kept, checked: bytes pass as they are. A string is what a text
 * body parser decoded (Express's `express.text()`): a BOM and any invalid UTF-8 are gone, so it is not what
 * the sender signed, and it is refused like a parsed body rather than re-encoded and failing as a forgery.
 *
 * @example
 * ```ts
 * keptNodeBody(Buffer.from('{}')) // the same bytes
 * keptNodeBody('{}')              // throws RequestRejectedError('body_already_parsed')
 * ```
 */
export function keptNodeBody(rawBody: unknown): unknown {
  if (typeof rawBody !== 'string') return rawBody
  throw new RequestRejectedError(
    'body_already_parsed',
    'the request body reached crm-webhooks as decoded text (a body parser ran first and kept only its text), not the bytes the sender signed; ' +
      'mount crm-webhooks before any body parser, or skip the parser on its path (koa-bodyparser and @koa/bodyparser: ' +
      "ctx.disableBodyParser = true), or keep the bytes where the parser runs (Express: a raw parser, or its verify hook, rawBodySaver in @crm-webhooks/express)",
  )
}

/** Options of the body readers. */
export interface ReadBodyOptions {
  /** Maximum bytes; default 1 MiB. */
  maxBytes?: number
  /** Maximum time to receive the whole body; default 10 s. */
  timeoutMs?: number
}
