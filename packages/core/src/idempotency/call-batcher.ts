/**
 * Coalesces the calls made in one turn of the event loop into one request, for stores that talk to a
 * server. A receiver under load has many deliveries in flight, and their claims (and completions) fall due
 * together: one script call or one statement for all of them costs the server one run instead of one each,
 * and the client one command and one reply to encode and parse (the Redis and PostgreSQL stores use it).
 * No call waits for a later one: the batch leaves once the current microtasks have run, in the same turn
 * in which the client would have written the separate commands.
 *
 * @module
 */
import { MAX_STORE_MS } from '../option-checks.js'

/**
 * Sends one batch and answers each entry, in order; a rejection fails every entry of the batch. An answer
 * may be a promise of the entry's result, which its caller then waits for alone: an entry the server must
 * take in a later request (PostgreSQL: a second claim of one key) holds up none of the others.
 */
export type SendBatch<Entry, Result> = (entries: Entry[]) => Promise<Array<Result | PromiseLike<Result>>>

interface Waiting<Result> {
  resolve: (result: Result | PromiseLike<Result>) => void
  reject: (error: unknown) => void
}

/**
 * Returns a function that queues one entry and resolves with its own result. A batch holds at most
 * `maxBatch` entries, so one request never holds its server (Redis is single-threaded) up for long.
 *
 * @example
 * ```ts
 * const claim = createCallBatcher((entries: ClaimEntry[]) => runClaimScript(entries), 128)
 * const [a, b] = await Promise.all([claim(first), claim(second)]) // one script call
 * ```
 */
export function createCallBatcher<Entry, Result>(send: SendBatch<Entry, Result>, maxBatch: number): (entry: Entry) => Promise<Result> {
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new TypeError('crm-webhooks: maxBatch must be a positive integer')
  let entries: Entry[] = []
  let waiting: Waiting<Result>[] = []

  function flush(): void {
    if (entries.length === 0) return
    const batch = entries
    const callers = waiting
    entries = []
    waiting = []
    let sent: Promise<Array<Result | PromiseLike<Result>>>
    try {
      // A send of your own in JavaScript may answer a plain array: read as a promise, `.then` threw where
      // nothing catches (from the queued microtask, an uncaught error ends a Node process).
      sent = Promise.resolve(send(batch))
    } catch (error) {
      sent = Promise.reject(error)
    }
    sent.then(
      (results) => {
        // Checked, not trusted: a send of your own answering anything but one result per entry must fail
        // its callers, never leave them waiting (a throw here would reach nobody).
        if (!Array.isArray(results) || results.length !== callers.length) {
          const answers = Array.isArray(results) ? `${results.length} answers` : `no array of answers (${typeof results})`
          const error = new Error(`crm-webhooks: a batch of ${callers.length} got ${answers}`)
          for (const caller of callers) caller.reject(error)
          return
        }
        for (let index = 0; index < callers.length; index += 1) callers[index]!.resolve(results[index]!)
      },
      (error: unknown) => {
        for (const caller of callers) caller.reject(error)
      },
    )
  }

  return (entry) =>
    new Promise<Result>((resolve, reject) => {
      if (entries.length === 0) queueMicrotask(flush)
      entries.push(entry)
      waiting.push({ resolve, reject })
      if (entries.length >= maxBatch) flush()
    })
}

/**
 * A batched call's string argument (a key, an owner, a record), checked before the call joins a batch:
 * anything else would fail the batch's encoding, and with it every other call in the batch.
 *
 * @example
 * ```ts
 * const key = batchedText('key', givenKey) // throws TypeError unless a string
 * ```
 */
export function batchedText(name: string, value: string): string {
  if (typeof value !== 'string') throw new TypeError(`crm-webhooks: ${name} must be a string`)
  return value
}

/**
 * A batched call's duration in ms (a lease, a retention), checked before the call joins a batch: a NaN,
 * an infinity or a value past {@link MAX_STORE_MS} (which Redis's `PX` or PostgreSQL's `interval` cannot
 * hold) would fail the whole script or statement, and with it every other call in the batch.
 *
 * @example
 * ```ts
 * const leaseMs = batchedMs('lockTtlMs', lockTtlMs) // throws TypeError unless a finite number
 * ```
 */
export function batchedMs(name: string, ms: number): number {
  // Bounded both ways: past about 1e12 ms either way a server's interval arithmetic overflows, and the
  // whole batch would fail with it.
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms > MAX_STORE_MS || ms < -MAX_STORE_MS) {
    throw new TypeError(`crm-webhooks: ${name} must be a finite number of ms, at most ${MAX_STORE_MS} either way`)
  }
  return ms
}
