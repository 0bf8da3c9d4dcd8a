/**
 * Reading a Fetch body stream (`Request.body`) into bytes, with the size limit enforced while reading and a
 * deadline for slow senders.
 *
 * @module
 */
import { RequestRejectedError, WebhookError, isInstanceOf } from '../errors.js'
import { monotonicNow } from '../monotonic-now.js'
import { createChunkCollector } from './chunk-collector.js'
import {
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  DISCARD_MAX_MS,
  type ReadBodyOptions,
  bodyStreamAlreadyRead,
  bodyTimedOut,
  connectionClosedEarly,
  payloadTooLarge,
} from './raw-body.js'

/** Empty chunks read in a row before the Fetch reader lets timers and I/O run. */
const EMPTY_CHUNKS_BETWEEN_YIELDS = 256

/** Chunks the background read-off of a refused body takes before it lets timers and I/O run. */
const DISCARDED_CHUNKS_BETWEEN_YIELDS = 256

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

/** Options of {@link readWebStream}. */
export interface ReadWebStreamOptions extends ReadBodyOptions {
  /**
   * The request's `signal`: its abort (the client went away) ends a read still waiting as `invalid_body` (400), as
   * a closed connection ends the Node reader's, where a stream left stalled would wait for the deadline (408).
   */
  signal?: AbortSignal
}

/**
 * Reads a Fetch body stream (Request.body) into bytes, enforcing the limit and the deadline. A body past the
 * limit is refused at once (`payload_too_large`), and the stream, still locked, is read off in the background for
 * up to DISCARD_MAX_MS before it is cancelled; on any other failure it is cancelled at once.
 *
 * @example
 * ```ts
 * const bytes = await readWebStream(request.body, { maxBytes: 65536, signal: request.signal })
 * ```
 */
export async function readWebStream(
  stream: ReadableStream<Uint8Array> | null,
  options: ReadWebStreamOptions = {},
): Promise<Uint8Array> {
  if (!stream) return new Uint8Array(0)
  // `await request.json()` (or any reader) ran first and keeps the stream locked: the bytes are gone.
  if (stream.locked) throw bodyStreamAlreadyRead()
  const { signal } = options
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES
  const timeoutMs = options.timeoutMs ?? DEFAULT_BODY_TIMEOUT_MS
  const reader = stream.getReader()
  const chunks = createChunkCollector()
  let length = 0
  // Why the read was stopped: cancelling the reader settles a read still waiting (as done).
  let stopped: 'deadline' | 'abort' | undefined
  const stop = (why: 'deadline' | 'abort') => {
    stopped = why
    reader.cancel().catch(() => {})
  }
  // One timer for the whole body rather than a race set up for every chunk.
  const timer = setTimeout(() => stop('deadline'), timeoutMs)
  // The client went away: a stream its runtime leaves open would otherwise stall until the deadline. Some
  // runtimes abort the signal once the whole body has arrived (srvx before 0.9, on Node's request 'close'), so
  // the abort ends only a read still waiting a turn later: what had arrived is read out first (in microtasks),
  // and a body that ends meanwhile is kept, where ending it at once refused every genuine delivery there.
  let abortCheck: ReturnType<typeof setTimeout> | undefined
  const onAbort = () => {
    abortCheck = setTimeout(() => stop('abort'), 0)
  }
  if (signal?.aborted) onAbort()
  else signal?.addEventListener('abort', onAbort, { once: true })
  // A source with a chunk always ready (built in process: empty chunks without end) settles every read in a
  // microtask, and the timer above never gets its turn: the deadline is also checked as the chunks come, and
  // a run of empty chunks (bytes bring the size limit closer; they do not) yields to the event loop now and
  // then, so the rest of the process is not frozen until the deadline.
  const deadline = monotonicNow() + timeoutMs
  let emptyChunks = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (stopped === 'deadline' || monotonicNow() > deadline) throw bodyTimedOut()
      if (stopped === 'abort') throw connectionClosedEarly()
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
      if (length > maxBytes) {
        discardRest(reader)
        throw payloadTooLarge(maxBytes)
      }
      chunks.push(value)
    }
    return chunks.bytes()
  } catch (error) {
    // A source that errors as it is cancelled at the deadline still timed out.
    if (stopped === 'deadline') throw bodyTimedOut()
    if (stopped === 'abort') throw connectionClosedEarly()
    if (!isInstanceOf(error, RequestRejectedError) || error.code !== 'payload_too_large') reader.cancel().catch(() => {})
    if (isInstanceOf(error, WebhookError)) throw error
    // The source failed mid-body (the sender went away): the same 400 the Node reader gives, not a 500.
    throw new RequestRejectedError('invalid_body', 'the request body could not be read', { cause: error })
  } finally {
    clearTimeout(timer)
    clearTimeout(abortCheck)
    signal?.removeEventListener('abort', onAbort)
  }
}

/**
 * Reads and drops the rest of a body refused for its size, in the background, for at most DISCARD_MAX_MS, then
 * cancels it. A body cancelled at once was a `Connection: close` the runtime did not send: Next.js reset the kept
 * connection under the sender's next delivery, and a close said instead cut off a sender still writing before it
 * read the 413 (Bun: EPIPE). Read off, the runtime keeps the connection for the next request. Bounded by time
 * alone, unlike the Node reader, which also stops at DISCARD_MAX_BYTES: it closes the connection itself there,
 * where a Fetch body cancelled after its 413 went out left Next and Deno to reset it (measured with 5 MB bodies).
 */
function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>): void {
  const until = monotonicNow() + DISCARD_MAX_MS
  const cutOff = setTimeout(() => void reader.cancel().catch(() => {}), DISCARD_MAX_MS)
  // Nothing to wait for in a process that is otherwise done (Node; Web runtimes have no unref).
  ;(cutOff as { unref?: () => void }).unref?.()
  const readOn = async () => {
    // A source with a chunk always ready settles every read in a microtask: the time is checked as the chunks
    // come, and the event loop gets a turn now and then, as in the read itself.
    for (let chunks = 1; ; chunks++) {
      if ((await reader.read()).done) return
      if (monotonicNow() > until) return reader.cancel()
      if (chunks % DISCARDED_CHUNKS_BETWEEN_YIELDS === 0) await nextMacrotask()
    }
  }
  readOn()
    .catch(() => {})
    .finally(() => clearTimeout(cutOff))
}
