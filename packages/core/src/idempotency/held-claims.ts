/**
 * The claims a receiver holds whose outcome its store has not recorded yet: a handler still running (one
 * past `handlerTimeoutMs` included, its sender already answered 503), or a completion or release being
 * retried in the background. `receiver.drain()` waits for them at shutdown: a store closed before them
 * refuses those completions, and once the lease ends a resend runs the handler a second time.
 *
 * @module
 */

/** A count of held claims, and the way to wait until none is left. */
export interface HeldClaims {
  /** A claim was taken: its outcome is owed. */
  take(): void
  /** A claim's outcome was recorded, or given up after its retries. */
  settle(): void
  /** Resolves `true` once no claim is held, or `false` when `timeoutMs` pass first. */
  settled(timeoutMs: number): Promise<boolean>
}

/**
 * Creates the tracker a receiver keeps.
 *
 * @example
 * ```ts
 * const held = createHeldClaims()
 * held.take()
 * setTimeout(() => held.settle(), 10)
 * await held.settled(1_000) // true, after about 10 ms
 * ```
 */
export function createHeldClaims(): HeldClaims {
  let count = 0
  let waiting: Array<() => void> = []
  return {
    take() {
      count += 1
    },
    settle() {
      count -= 1
      if (count > 0) return
      const woken = waiting
      waiting = []
      for (const wake of woken) wake()
    },
    settled(timeoutMs) {
      if (count === 0) return Promise.resolve(true)
      return new Promise<boolean>((resolve) => {
        // Not unref'd: at shutdown this timer is what keeps the process up while the last outcomes are
        // recorded (the background retries' own timers are unref'd).
        const timer = setTimeout(() => resolve(false), timeoutMs)
        waiting.push(() => {
          clearTimeout(timer)
          resolve(true)
        })
      })
    },
  }
}
