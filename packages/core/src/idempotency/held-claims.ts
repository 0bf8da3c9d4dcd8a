/**
 * The claims a receiver holds whose outcome its store has not recorded yet: one still on its way to the
 * store, a handler still running (one past `handlerTimeoutMs` included, its sender already answered 503), or
 * a completion or release being retried in the background. `receiver.drain()` waits for them at shutdown: a
 * store closed before them refuses those outcomes (or lets a claim through that then runs a handler whose
 * completion it refuses), and once the lease ends a resend runs the handler a second time.
 *
 * @module
 */

/** One claim counted as held: settled once, when its outcome is recorded (or given up), or it was never taken. */
export interface HeldClaim {
  /** Counts the claim out; a second call does nothing. */
  settle(): void
  /**
   * Resolves once the claim is settled: what a Web runtime's `waitUntil` is handed, so work that outlives the
   * answer (a handler past its deadline, retries recording the outcome) is not cut off. Made when first asked.
   */
  readonly settled: Promise<void>
}

/** A count of held claims, and the way to wait until none is left. */
export interface HeldClaims {
  /** Whether `drain()` was called: no claim is taken any more. */
  readonly draining: boolean
  /** A claim is about to be made: its outcome is owed from now on, until the handle is settled. */
  take(): HeldClaim
  /**
   * Takes no more claims; resolves `true` once none is held, `false` when `timeoutMs` pass or `signal`
   * aborts first (its timer is cleared then, so it keeps no process up).
   */
  drain(timeoutMs: number, signal?: AbortSignal): Promise<boolean>
  /** As `drain`, but claims are still taken: resolves `true` once none is held at some moment. */
  idle(timeoutMs: number, signal?: AbortSignal): Promise<boolean>
}

/**
 * Creates the tracker a receiver keeps.
 *
 * @example
 * ```ts
 * const held = createHeldClaims()
 * const claim = held.take()
 * setTimeout(() => claim.settle(), 10)
 * await held.drain(1_000) // true, after about 10 ms
 * ```
 */
export function createHeldClaims(): HeldClaims {
  const tally: Tally = { count: 0, waiting: new Set<() => void>() }
  let draining = false
  return {
    get draining() {
      return draining
    },
    take() {
      tally.count += 1
      return new Held(tally)
    },
    drain(timeoutMs, signal) {
      draining = true
      return waitForNone(tally, timeoutMs, signal)
    },
    idle(timeoutMs, signal) {
      return waitForNone(tally, timeoutMs, signal)
    },
  }
}

/** Resolves `true` once no claim of `tally` is held, `false` when `timeoutMs` pass or `signal` aborts first. */
function waitForNone(tally: Tally, timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (tally.count === 0) return Promise.resolve(true)
  if (signal?.aborted) return Promise.resolve(false)
  return new Promise<boolean>((resolve) => {
    const end = (drained: boolean) => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', abort)
      tally.waiting.delete(wake)
      resolve(drained)
    }
    const wake = () => end(true)
    const abort = () => end(false)
    // Not unref'd: at shutdown this timer is what keeps the process up while the last outcomes are
    // recorded (the background retries' own timers are unref'd).
    const timer = setTimeout(abort, timeoutMs)
    signal?.addEventListener('abort', abort, { once: true })
    tally.waiting.add(wake)
  })
}

/** The claims counted as held, and the drains waiting for none to be left. */
interface Tally {
  count: number
  readonly waiting: Set<() => void>
}

/**
 * One held claim: an instance of a class rather than an object of two closures over their own context, since
 * every delivery takes one.
 */
class Held implements HeldClaim {
  private done = false
  private promise: Promise<void> | undefined = undefined
  private resolve: (() => void) | undefined = undefined
  private readonly tally: Tally

  constructor(tally: Tally) {
    this.tally = tally
  }

  settle(): void {
    if (this.done) return
    this.done = true
    this.resolve?.()
    const tally = this.tally
    tally.count -= 1
    if (tally.count > 0) return
    for (const wake of [...tally.waiting]) wake()
  }

  get settled(): Promise<void> {
    this.promise ??= this.done ? Promise.resolve() : new Promise<void>((resolveSettled) => (this.resolve = resolveSettled))
    return this.promise
  }
}
