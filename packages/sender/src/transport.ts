/**
 * One HTTP attempt over `fetch`, bounded by a per-attempt timeout (an `AbortSignal` fired by its clock:
 * the system clock, as the sender's default transport always uses, unless one is given). It never throws: a response of any status, a timeout or a network failure all come
 * back as a result the retry loop and the delivery log can use.
 *
 * @module
 */
import { type Clock, systemClock } from './clock.js'
import { RESPONSE_BODY_LIMIT, cutResponseBody } from './delivery-log.js'

/** A request ready to go on the wire. */
export interface OutgoingRequest {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  /** The exact body; `undefined` for a bodiless request. */
  readonly body: string | undefined
}

/** What one attempt produced. */
export type TransportResult =
  | {
      readonly status: number
      readonly responseBody: string
      readonly durationMs: number
      readonly error?: undefined
      /** The response's `Retry-After`, in ms from when it arrived, when it had a valid one. */
      readonly retryAfterMs?: number
    }
  | {
      readonly status?: undefined
      readonly error: 'timeout' | 'network' | 'cancelled'
      readonly responseBody: string
      readonly durationMs: number
      readonly retryAfterMs?: undefined
    }

/** Per-attempt options: the timeout, and a signal that cancels the attempt (the send was aborted, or the sender closed). */
export interface TransportOptions {
  readonly timeoutMs: number
  readonly signal?: AbortSignal
}

/** Sends one request; resolves with its result, never rejects. */
export type Transport = (request: OutgoingRequest, options: TransportOptions) => Promise<TransportResult>

/** Options of {@link createFetchTransport}. */
export interface FetchTransportOptions {
  /** The fetch to use; default the global one. */
  fetch?: typeof globalThis.fetch
  /** Clock for durations and the timeout; default the system clock. */
  clock?: Clock
}

class AttemptTimeout extends Error {
  override readonly name = 'AttemptTimeout'
}

class AttemptCancelled extends Error {
  override readonly name = 'AttemptCancelled'
}

/**
 * Creates a transport over `fetch`. Redirects are not followed: a 3xx is outside 2xx, so it is a failed
 * attempt, as seed 000 counts it.
 *
 * @example
 * ```ts
 * const transport = createFetchTransport()
 * const result = await transport({ method: 'POST', url, headers, body }, { timeoutMs: 30_000 })
 * if (result.error) console.log('no response:', result.error)
 * ```
 */
export function createFetchTransport(options: FetchTransportOptions = {}): Transport {
  const clock = options.clock ?? systemClock
  const fetchImpl = options.fetch ?? globalThis.fetch
  return async function sendOverFetch(request, { timeoutMs, signal }) {
    const startedAt = clock.now()
    const controller = new AbortController()
    const timer = clock.setTimeout(() => controller.abort(new AttemptTimeout(`no response within ${timeoutMs} ms`)), timeoutMs)
    const cancel = () => controller.abort(new AttemptCancelled('cancelled: the send was aborted or the sender closed'))
    if (signal?.aborted) cancel()
    signal?.addEventListener('abort', cancel, { once: true })
    try {
      const response = await fetchImpl(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal: controller.signal,
      })
      // The body read is part of the attempt: a server that stalls mid-body still times out.
      const responseBody = await readPrefix(response)
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), clock.now())
      const answered = { status: response.status, responseBody, durationMs: clock.now() - startedAt }
      return retryAfterMs === undefined ? answered : { ...answered, retryAfterMs }
    } catch (error) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined
      const kind = reason instanceof AttemptTimeout ? 'timeout' : reason instanceof AttemptCancelled ? 'cancelled' : 'network'
      const message = kind === 'network' ? describeNetworkError(error) : (reason as Error).message
      return { error: kind, responseBody: cutResponseBody(message), durationMs: clock.now() - startedAt }
    } finally {
      clock.clearTimeout(timer)
      signal?.removeEventListener('abort', cancel)
    }
  }
}

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)'
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)'
const TIME = '\\d{2}:\\d{2}:\\d{2}'
// RFC 9110 5.6.7: the three forms of an HTTP date a recipient must accept. Anything else is malformed,
// though V8's lenient Date.parse would read a date into `soon 5` or `Mon 2`.
const IMF_FIXDATE = new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT$`)
const RFC850_DATE = new RegExp(`^(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, \\d{2}-${MONTH}-\\d{2} ${TIME} GMT$`)
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} [ \\d]\\d ${TIME} \\d{4}$`)

/**
 * A `Retry-After` value in ms from `nowMs`: delay-seconds (`120`) or an HTTP date in one of its three
 * forms (`Sun, 06 Nov 1994 08:49:37 GMT`, the obsolete RFC 850 and asctime ones); `undefined` when absent
 * or malformed.
 *
 * @example
 * ```ts
 * parseRetryAfter('120', Date.now()) // 120000
 * ```
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  let at = Number.NaN
  if (IMF_FIXDATE.test(text) || RFC850_DATE.test(text)) at = Date.parse(text)
  // asctime names no zone; HTTP dates are all GMT, and Date.parse would read local time.
  else if (ASCTIME_DATE.test(text)) at = Date.parse(`${text} GMT`)
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs)
}

/** Reads the part of a response body the log keeps, then stops reading (a huge body is not buffered). */
async function readPrefix(response: Response): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  try {
    while (text.length < RESPONSE_BODY_LIMIT) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
    text += decoder.decode()
  } finally {
    await reader.cancel().catch(() => {})
  }
  return cutResponseBody(text)
}

/** fetch wraps the cause (ECONNREFUSED, ENOTFOUND) in a generic "fetch failed"; the cause is what helps. */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause
  const detail = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : undefined
  return detail ? `${error.message}: ${detail}` : error.message
}
