/**
 * Getting the raw bytes: from what an adapter hands over, from a Fetch body stream, or from a Node
 * request stream, with the size limit enforced while reading (a lying or absent Content-Length cannot
 * make the receiver buffer more than the limit) and a deadline for slow senders.
 *
 * @module
 */
import { RequestRejectedError, WebhookError, isInstanceOf } from '../errors.js'
import { concatBytes } from '../schemes/encoding.js'
import { monotonicNow } from '../monotonic-now.js'
import type { NodeHeaderSource } from './headers.js'
import type { RawBody } from '../types.js'
import { declaresNoBody } from './declares-no-body.js'

const textEncoder = new TextEncoder()

/** Chunks shorter than this are copied into a shared block rather than kept (see createChunkCollector). */
const SMALL_CHUNK_BYTES = 2 * 1024
/** The size of each block small chunks are copied into. */
const SMALL_CHUNK_BLOCK_BYTES = 16 * 1024
/** Chunks kept as they are, whatever their size, before small ones are copied: a delivery comes in a few. */
const CHUNKS_KEPT_UNCOPIED = 16

/**
 * Collects a body's chunks in order. node:http hands a chunked body over as one Buffer per chunk, each a
 * slice that keeps its socket read alive: an unsigned 1 MiB body sent in 1-byte chunks was a million kept
 * Buffers, 214 MiB of heap in one request (a few such requests at once exhaust the process). Past the
 * first 16 chunks, chunks under 2 KiB are therefore copied into 16 KiB blocks and dropped, so a body held
 * costs about its own size however it was cut. A delivery's few chunks (often one, returned as it is) and
 * chunks of 2 KiB or more are kept as they are, uncopied, as before.
 */
function createChunkCollector(): { push(bytes: Uint8Array): void; bytes(): Uint8Array } {
  const chunks: Uint8Array[] = []
  let block: Uint8Array | undefined
  let blockStart = 0
  let blockEnd = 0
  // The block's bytes not kept yet become one chunk; the rest of the block stays for the next small chunks.
  const keepBlock = () => {
    if (blockEnd === blockStart) return
    chunks.push(block!.subarray(blockStart, blockEnd))
    blockStart = blockEnd
  }
  return {
    push(bytes) {
      if (bytes.length >= SMALL_CHUNK_BYTES || (block === undefined && chunks.length < CHUNKS_KEPT_UNCOPIED)) {
        keepBlock()
        chunks.push(bytes)
        return
      }
      if (block === undefined || blockEnd + bytes.length > block.length) {
        keepBlock()
        block = new Uint8Array(SMALL_CHUNK_BLOCK_BYTES)
        blockStart = blockEnd = 0
      }
      block.set(bytes, blockEnd)
      blockEnd += bytes.length
    },
    bytes() {
      keepBlock()
      return concatBytes(chunks)
    },
  }
}

/** Default body limit: 1 MiB, far above any CRM event the seeds show. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024
/** Default time to receive a whole body. */
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
      'hand crm-webhooks the raw bytes: mount its middleware before any body parser, or on its own route',
  )
}

function payloadTooLarge(limit: number): RequestRejectedError {
  return new RequestRejectedError('payload_too_large', `request body exceeds ${limit} bytes`)
}

function bodyTimedOut(): RequestRejectedError {
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
    'the request body reached crm-webhooks as decoded text (a text body parser ran first), not the bytes the sender signed; ' +
      "keep the bytes instead: a raw parser, or the parser's verify hook (rawBodySaver in @crm-webhooks/express)",
  )
}

/** Options of the body readers. */
export interface ReadBodyOptions {
  /** Maximum bytes; default 1 MiB. */
  maxBytes?: number
  /** Maximum time to receive the whole body; default 10 s. */
  timeoutMs?: number
}

/** Empty chunks read in a row before the Fetch reader lets timers and I/O run. */
const EMPTY_CHUNKS_BETWEEN_YIELDS = 256

const nextMacrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

/** Whether a body stream's chunk is bytes: a Uint8Array of this realm or another (a Buffer is one). */
function isByteChunk(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array || Object.prototype.toString.call(value) === '[object Uint8Array]'
}

/** What a chunk was, for the message: `string`, `ArrayBuffer`, `Uint16Array`, `null`, ... */
function chunkTypeName(value: unknown): string {
  if (typeof value !== 'object') return typeof value
  return value === null ? 'null' : Object.prototype.toString.call(value).slice(8, -1)
}

/**
 * Reads a Fetch body stream (Request.body) into bytes, enforcing the limit and the deadline.
 *
 * @example
 * ```ts
 * const bytes = await readWebStream(request.body, { maxBytes: 65536 })
 * ```
 */
export async function readWebStream(
  stream: ReadableStream<Uint8Array> | null,
  options: ReadBodyOptions = {},
): Promise<Uint8Array> {
  if (!stream) return new Uint8Array(0)
  // `await request.json()` (or any reader) ran first and keeps the stream locked: the bytes are gone.
  if (stream.locked) throw bodyStreamAlreadyRead()
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES
  const timeoutMs = options.timeoutMs ?? DEFAULT_BODY_TIMEOUT_MS
  const reader = stream.getReader()
  const chunks = createChunkCollector()
  let length = 0
  let timedOut = false
  // At the deadline the reader is cancelled, which settles a read still waiting (as done): one timer for
  // the whole body rather than a race set up for every chunk.
  const timer = setTimeout(() => {
    timedOut = true
    reader.cancel().catch(() => {})
  }, timeoutMs)
  // A source with a chunk always ready (built in process: empty chunks without end) settles every read in a
  // microtask, and the timer above never gets its turn: the deadline is also checked as the chunks come, and
  // a run of empty chunks (bytes bring the size limit closer; they do not) yields to the event loop now and
  // then, so the rest of the process is not frozen until the deadline.
  const deadline = monotonicNow() + timeoutMs
  let emptyChunks = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (timedOut || monotonicNow() > deadline) throw bodyTimedOut()
      if (done) break
      if (value?.length === 0 && ++emptyChunks % EMPTY_CHUNKS_BETWEEN_YIELDS === 0) await nextMacrotask()
      // Fetch bodies are Uint8Array chunks (undici's own readers refuse any other): a string, an ArrayBuffer or
      // a Uint16Array has no byte length to count against the limit, nor bytes the sender signed. Such a stream
      // is built in process (a runtime or adapter bug), not sent: a 500, which senders retry, where a 400 would
      // tell them the delivery itself is bad and lose it.
      if (!isByteChunk(value)) {
        throw new WebhookError('internal_error', `the request body stream yielded a chunk that is not a Uint8Array (${chunkTypeName(value)})`)
      }
      length += value.length
      if (length > maxBytes) throw payloadTooLarge(maxBytes)
      chunks.push(value)
    }
    return chunks.bytes()
  } catch (error) {
    // A source that errors as it is cancelled at the deadline still timed out.
    if (timedOut) throw bodyTimedOut()
    reader.cancel().catch(() => {})
    if (isInstanceOf(error, WebhookError)) throw error
    // The source failed mid-body (the sender went away): the same 400 the Node reader gives, not a 500.
    throw new RequestRejectedError('invalid_body', 'the request body could not be read', { cause: error })
  } finally {
    clearTimeout(timer)
  }
}

/** The part of Node's IncomingMessage the reader needs (also satisfied by Express's and Fastify's raw request). */
export interface NodeRequestStream extends NodeHeaderSource {
  readonly readableEnded?: boolean
  /** Whether any of the body was read already (Node 16.7+): then what is left is not what was signed. */
  readonly readableDidRead?: boolean
  /** Whether the stream was destroyed (its connection closed) already: no data, end or close will come. */
  readonly destroyed?: boolean
  /** 1 for HTTP/1.x, whose framing says when a request has no body at all. */
  readonly httpVersionMajor?: number
  on(event: 'data', listener: (chunk: Uint8Array | string) => void): unknown
  on(event: 'end' | 'close', listener: () => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
  removeListener(event: string, listener: (...args: any[]) => void): unknown
  pause?(): unknown
  resume?(): unknown
  destroy?(error?: Error): unknown
}

/**
 * Whether any of a Node request's body was read already (all of it, or its start): the bytes left are not
 * what was signed. Adapters that can reach the body another way (Hono's Fetch `Request`) ask this first.
 *
 * @example
 * ```ts
 * if (nodeBodyWasRead(req)) return receiver.fetch(request)
 * ```
 */
export function nodeBodyWasRead(request: Pick<NodeRequestStream, 'readableEnded' | 'readableDidRead'>): boolean {
  return Boolean(request.readableEnded || request.readableDidRead)
}

// Reads whose body had not ended when they started, waiting for the end of the event-loop turn. A body
// that arrives with its headers (every delivery of a few KB) has ended by then and never gets a deadline
// timer: one setImmediate a turn, shared by every read started in it, replaces a setTimeout and a
// clearTimeout a request, and the churn of Node's timer list they cause when it empties between requests.
// A body still arriving gets its timer then, for what is left of its deadline, counted from its start.
let readsAwaitingDeadline: Array<() => void> = []

function armDeadlinesOfThisTurn(): void {
  const reads = readsAwaitingDeadline
  readsAwaitingDeadline = []
  for (const armDeadline of reads) armDeadline()
}

// Requests whose answer closes their connection: see closeConnectionAfterAnswer.
const closingConnections = new WeakSet<object>()

/**
 * Whether the answer to `request` must close its connection (`Connection: close`): its body was refused
 * and will not all be read. The Node entry point adds the header.
 *
 * @example
 * ```ts
 * if (closesConnection(req)) headers.connection = 'close'
 * ```
 */
export function closesConnection(request: object): boolean {
  return closingConnections.has(request)
}

/** What the reader uses of the `node:http2` stream behind a compatibility-API request. */
interface Http2StreamPart {
  /** The client reset the stream before ending it. */
  readonly aborted?: boolean
  close(code: number): void
}

/** The HTTP/2 stream behind `request`, when it is a `node:http2` compatibility-API request. */
function http2StreamOf(request: NodeRequestStream): Http2StreamPart | undefined {
  if (request.httpVersionMajor !== 2) return undefined
  const stream = (request as { stream?: Partial<Http2StreamPart> }).stream
  return typeof stream?.close === 'function' ? (stream as Http2StreamPart) : undefined
}

/**
 * For a refused body whose rest may not all be read (its deadline passed; it declares more than
 * {@link DISCARD_MAX_BYTES} past the limit, the most discarded; or, chunked, it declares nothing): its
 * answer says `Connection: close` (RFC
 * 9110 15.5.9, RFC 9112 9.6), and node:http ends the connection once the answer is written. Answered
 * `keep-alive`, a client would send its next request where the rest of this body is still expected (read
 * as that body), or on a socket the discard's bound destroys.
 */
function closeConnectionAfterAnswer(request: NodeRequestStream): void {
  // An HTTP/2 stream ends by itself and has no Connection header (Node warns and drops one).
  if ((request as { httpVersionMajor?: number }).httpVersionMajor === 2) return
  closingConnections.add(request)
}

/**
 * Reads and throws away what is left of a refused body, so a sender still writing reads the answer
 * instead of a reset, up to `left` more bytes and {@link DISCARD_MAX_MS}; past either the connection is
 * destroyed (an answer already written has left by then).
 */
function discardRest(request: NodeRequestStream, left: number): void {
  const stop = () => {
    clearTimeout(timer)
    request.removeListener('data', onData)
    request.removeListener('end', stop)
    request.removeListener('close', stop)
  }
  const cutOff = () => {
    stop()
    // An HTTP/2 request's destroy() leaves its stream half-open (the client may keep it so for the life of the
    // connection, holding flow-control window): the stream is reset instead, NO_ERROR as RFC 9113 section 8.1
    // says for a complete response sent before the whole request. It waits for the answer's end to go first.
    const stream = http2StreamOf(request)
    if (stream) stream.close(0)
    else request.destroy?.()
  }
  const onData = (chunk: Uint8Array | string) => {
    left -= chunk.length
    if (left < 0) cutOff()
  }
  const timer = setTimeout(cutOff, DISCARD_MAX_MS)
  request.on('data', onData)
  request.on('end', stop)
  request.on('close', stop)
  // The answer is decided: a later failure of this stream (the sender resetting) must not be unhandled.
  request.on('error', () => {})
  request.resume?.()
}

/** The error of a body cut off by its sender going away (before or during the read). */
function connectionClosedEarly(): RequestRejectedError {
  return new RequestRejectedError('invalid_body', 'the connection closed before the body was complete')
}

/**
 * Reads a Node request stream into bytes, enforcing the limit and the deadline. On rejection the rest
 * of the body is discarded, bounded, so the connection can still carry the error response.
 *
 * @example
 * ```ts
 * const bytes = await readNodeRequest(req, { maxBytes: 1048576, timeoutMs: 10000 })
 * ```
 */
export function readNodeRequest(request: NodeRequestStream, options: ReadBodyOptions = {}): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES
  const rawLength = request.headers['content-length']
  const declaredLength = Array.isArray(rawLength) ? rawLength[0] : rawLength
  try {
    assertDeclaredLength(declaredLength, maxBytes)
  } catch (error) {
    // Left unread, node:http would drain the whole declared length once the 413 is written.
    discardRest(request, maxBytes + DISCARD_MAX_BYTES)
    if (Number(declaredLength) > maxBytes + DISCARD_MAX_BYTES) closeConnectionAfterAnswer(request)
    return Promise.reject(error)
  }
  if (http2StreamOf(request)?.aborted === true) {
    // The client reset the HTTP/2 stream before this read began: Node dropped its unread data and ended the
    // request, which the check below would take for a body someone else consumed (body_already_parsed). An
    // HTTP/1 request is not ended that way, so its closed connection is checked after it (request.destroyed).
    return Promise.reject(connectionClosedEarly())
  }
  if (nodeBodyWasRead(request)) {
    // A request whose HTTP/1 framing declares no body (neither a length above zero nor chunks: a GET) lost
    // nothing the sender signed to whoever read its stream (a framework hook piping it on). HTTP/2 frames a
    // body without declaring its length, so it cannot tell.
    if (declaresNoBody(request)) {
      return Promise.resolve(new Uint8Array(0))
    }
    // Someone read the stream before us, all of it or the start of it; whatever they did with it, the
    // bytes are gone, and verifying what is left could only fail as a misleading invalid_signature.
    return Promise.reject(
      new RequestRejectedError(
        'body_already_parsed',
        'the request body stream was already consumed before signature verification (a body parser ran first); ' +
          'mount crm-webhooks before any body parser, or on its own route',
      ),
    )
  }
  if (request.destroyed) {
    // Its 'close' came before this read began (the sender went away while an earlier middleware awaited):
    // nothing more will be emitted, so the read would end only at the deadline, a 408 10 s late.
    return Promise.reject(connectionClosedEarly())
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_BODY_TIMEOUT_MS
  const startedAt = monotonicNow()
  return new Promise((resolve, reject) => {
    const chunks = createChunkCollector()
    let length = 0
    let settled = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const finish = (error: Error | undefined, closed = false) => {
      if (settled) return
      settled = true
      if (timer !== undefined) clearTimeout(timer)
      request.removeListener('data', onData)
      request.removeListener('end', onEnd)
      request.removeListener('error', onError)
      request.removeListener('close', onClose)
      if (error) {
        if (!closed) discardRest(request, maxBytes + DISCARD_MAX_BYTES - length)
        reject(error)
      } else {
        resolve(chunks.bytes())
      }
    }
    const onData = (chunk: Uint8Array | string) => {
      const bytes = typeof chunk === 'string' ? textEncoder.encode(chunk) : chunk
      length += bytes.length
      if (length > maxBytes) {
        // Over the limit without a declared length (chunked): how much more is coming is unknown, so the
        // connection is not kept for another request behind it.
        if (declaredLength === undefined) closeConnectionAfterAnswer(request)
        return finish(payloadTooLarge(maxBytes))
      }
      chunks.push(bytes)
    }
    // Node's HTTP/2 layer ends a request whose stream the client reset mid-body as if it were whole: those
    // bytes are a cut-off body, as a closed HTTP/1 connection's are, not a message to verify.
    const onEnd = () => (http2StreamOf(request)?.aborted ? onClose() : finish(undefined))
    const onError = (error: Error) =>
      finish(new RequestRejectedError('invalid_body', 'the request body could not be read', { cause: error }))
    const onClose = () => finish(connectionClosedEarly(), true)
    const armDeadline = () => {
      if (settled) return
      // What is left of the deadline, counted from the read's start, never below 0.
      const left = Math.min(timeoutMs, Math.max(0, timeoutMs - (monotonicNow() - startedAt)))
      timer = setTimeout(() => {
        // The sender has stopped or slowed: what it still owes may never come.
        if (!settled) closeConnectionAfterAnswer(request)
        finish(bodyTimedOut())
      }, left)
    }
    if (readsAwaitingDeadline.push(armDeadline) === 1) setImmediate(armDeadlinesOfThisTurn)
    request.on('data', onData)
    request.on('end', onEnd)
    request.on('error', onError)
    request.on('close', onClose)
    // A stream something paused before handing it over (with nothing read) stays paused when a 'data'
    // listener is added, and the read would end only at the deadline, a 408 for a body that had arrived.
    request.resume?.()
  })
}
