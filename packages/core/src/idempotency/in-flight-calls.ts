/**
 * What a networked store's `close()` waits for before it lets go of its connection: the calls already
 * made. A completion or release cut off by shutdown is lost (the sender's retries meet 409 until the lease
 * ends, and a resend after it runs the handler again), so `close()` refuses new calls at once but lets
 * every earlier one finish, the calls still queued in a batcher included. The Redis and PostgreSQL stores
 * use it.
 *
 * @module
 */
import { settledWithin } from '../settled-within.js'

/** A store's calls in flight. */
export interface InFlightCalls {
  /** Adds a call; it leaves the set when it settles. Returns the call. */
  track<T>(call: Promise<T>): Promise<T>
  /**
   * Resolves once no call is left: waits a turn first, so that calls queued in a batcher before this was
   * called have been sent, and again after each round, for the calls the settled ones made in turn (a
   * claim's follow-up read, the release of a claim that landed late). Given `withinMs`, resolves `false`
   * once that much time has passed first (a frozen server never answers), `true` when drained.
   */
  drained(withinMs?: number): Promise<boolean>
}

const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

/**
 * Creates an empty set of calls in flight.
 *
 * @example
 * ```ts
 * const inFlight = createInFlightCalls()
 * const run = (statement) => inFlight.track(pool.query(statement))
 * async function close() { closing = true; await inFlight.drained(); await pool.end() }
 * ```
 */
export function createInFlightCalls(): InFlightCalls {
  const pending = new Set<Promise<unknown>>()
  // What drained() waits on: woken when the set empties. Not each call itself, through Promise.allSettled: a
  // call that never settles (one waiting on a connection since dropped) then held every drained() given up on,
  // one more per close() or check of a silent connection, for as long as the process ran.
  const wakeWhenEmpty = new Set<() => void>()
  return {
    track(call) {
      pending.add(call)
      const settled = () => {
        pending.delete(call)
        if (pending.size > 0) return
        for (const wake of [...wakeWhenEmpty]) wake()
      }
      call.then(settled, settled)
      return call
    },
    async drained(withinMs) {
      let wake: (() => void) | undefined
      let gaveUp = false
      const emptied = (async () => {
        await nextTurn()
        // Once given up on, the wait registers nothing more (it may be between rounds as the deadline passes).
        while (pending.size > 0 && !gaveUp) {
          await new Promise<void>((resolve) => {
            wake = () => {
              wakeWhenEmpty.delete(wake!)
              resolve()
            }
            wakeWhenEmpty.add(wake)
          })
          await nextTurn()
        }
        return true
      })()
      if (withinMs === undefined) return emptied
      return settledWithin(emptied, withinMs, () => new Error('not drained')).catch(() => {
        // Given up on: nothing keeps the wait, which is left to the garbage collector.
        gaveUp = true
        if (wake) wakeWhenEmpty.delete(wake)
        return false
      })
    },
  }
}
