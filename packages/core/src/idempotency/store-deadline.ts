/**
 * The bound every call of a networked store runs under: it settles within its deadline, and any failure
 * becomes a typed `store_unavailable` rejection, so the receiver fails closed with a 503 instead of
 * hanging a delivery on a frozen or unreachable server. The Redis and PostgreSQL stores use it; so can a
 * store of your own.
 *
 * @module
 */
import { callObserver } from '../call-observer.js'
import { IdempotencyError, isInstanceOf } from '../errors.js'
import type { InFlightCalls } from './in-flight-calls.js'

/** Options of {@link withStoreDeadline}. */
export interface StoreDeadlineOptions<T> {
  /** Names the store and the call in the error, e.g. `redis store: claim`. */
  what: string
  /** Longest wait, connection included. */
  timeoutMs: number
  /**
   * Gets a result that arrived after the deadline, when nobody awaits it any more: a claim that landed
   * late should be released, or the sender's retry meets 409 until its lease ends.
   */
  onAbandoned?: (value: T) => unknown
  /**
   * Where a call still running past its deadline is tracked until it settles, the work of an async
   * `onAbandoned` included (a late claim's release): a store's `close()` waits for it (within a bound) before
   * letting go of its connection, which would refuse that release.
   */
  lateCalls?: InFlightCalls
}

/** Retry-After for a store failure: time for a reconnect, short next to any sender's backoff. */
const RETRY_AFTER_SECONDS = 5

/**
 * Runs `operation` within `timeoutMs`. `operation` receives `isAbandoned`, true once the deadline has
 * passed: check it before sending anything that was waiting for a connection.
 *
 * @example
 * ```ts
 * const result = await withStoreDeadline({ what: 'my store: claim', timeoutMs: 2000 }, () => db.claim(key, owner))
 * ```
 */
export function withStoreDeadline<T>(
  options: StoreDeadlineOptions<T>,
  operation: (isAbandoned: () => boolean) => Promise<T>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let abandoned = false
    let abandonedWork: Promise<unknown> | undefined
    const timer = setTimeout(() => {
      abandoned = true
      // Handlers of one promise run in order: by this one's turn, the one below has started onAbandoned.
      options.lateCalls?.track(running.then(() => abandonedWork, () => undefined))
      reject(storeUnavailableError(`${options.what}: no answer within ${options.timeoutMs} ms`))
    }, options.timeoutMs)
    let running: Promise<T>
    try {
      // An operation of your own in JavaScript may answer a plain value: that is its result.
      running = Promise.resolve(operation(() => abandoned))
    } catch (error) {
      running = Promise.reject(error)
    }
    running.then(
      (value) => {
        clearTimeout(timer)
        // Nobody awaits this any more: a throw or a rejection of onAbandoned must reach nothing. The lease
        // ends a late claim that could not be released.
        if (abandoned) abandonedWork = callObserver(() => options.onAbandoned?.(value))
        else resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        // Asked without trusting it: a rejection of yours whose prototype or message throws as it is read (a
        // Proxy) would throw here, past the timer already cleared, and the call would never settle.
        reject(isInstanceOf(error, IdempotencyError) ? error : storeUnavailableError(`${options.what}: ${messageOf(error)}`, error))
      },
    )
  })
}

/** What a store's failure says, as text, whatever was thrown. */
function messageOf(error: unknown): string {
  try {
    return isInstanceOf(error, Error) ? error.message : String(error)
  } catch {
    return 'a failure that cannot be read'
  }
}

/**
 * The `store_unavailable` error every store answers when it cannot serve a call (503, with a Retry-After
 * short next to any sender's backoff): the one constructor the built-in stores share, and yours can use.
 *
 * @example
 * ```ts
 * throw storeUnavailableError('my store: closed')
 * ```
 */
export function storeUnavailableError(message: string, cause?: unknown): IdempotencyError {
  return new IdempotencyError('store_unavailable', message, { cause, retryAfterSeconds: RETRY_AFTER_SECONDS })
}
