/**
 * Reading a Node request stream (node:http, node:http2's compatibility API, Express's and Fastify's raw
 * request) into bytes, with the size limit enforced while reading (a lying or absent Content-Length cannot
 * make the receiver buffer more than the limit), a deadline for slow senders, and a bounded discard of what
 * is left of a refused body so the connection can still carry the answer.
 *
 * @module
 */
import { RequestRejectedError } from '../errors.js'
import { monotonicNow } from '../monotonic-now.js'
import { createChunkCollector } from './chunk-collector.js'
import { declaresNoBody } from './declares-no-body.js'
import type { NodeHeaderSource } from './headers.js'
import {
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  DISCARD_MAX_BYTES,
  DISCARD_MAX_MS,
  type ReadBodyOptions,
  assertDeclaredLength,
  bodyTimedOut,
  connectionClosedEarly,
  payloadTooLarge,
} from './raw-body.js'

const textEncoder = new TextEncoder()

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

/** What of a request's connection says when it closes. */
interface ClosingConnection {
  once(event: 'close', listener: () => void): unknown
  removeListener(event: 'close', listener: () => void): unknown
}

/** An HTTP/1 request's connection, where it has one (a stream of yours passed as the request may not). */
function socketOf(request: NodeRequestStream): ClosingConnection | undefined {
  const socket = (request as { socket?: Partial<ClosingConnection> | null }).socket
  return typeof socket?.once === 'function' && typeof socket.removeListener === 'function' ? (socket as ClosingConnection) : undefined
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
  // node:http emits no 'close' on a request whose answer finished before its body did (the server has let go
  // of it): the connection's 'close' says no more will come, or the timer (and the request) stayed 2 s more.
  const connection = http2StreamOf(request) ? undefined : socketOf(request)
  const stop = () => {
    clearTimeout(timer)
    request.removeListener('data', onData)
    request.removeListener('end', stop)
    request.removeListener('close', stop)
    connection?.removeListener('close', stop)
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
  connection?.once('close', stop)
  // The answer is decided: a later failure of this stream (the sender resetting) must not be unhandled.
  request.on('error', () => {})
  request.resume?.()
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
          'mount crm-webhooks before any body parser, or on its own route; a host that parses before your code ' +
          '(Google Cloud Functions, Firebase) keeps the bytes on req.rawBody: use @crm-webhooks/express there, ' +
          'or receiver.handleNodeRequest(req, req.rawBody); on NestJS with Fastify, register @crm-webhooks/fastify ' +
          'with app.register() instead of calling the receiver from a controller',
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
