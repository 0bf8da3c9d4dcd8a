/**
 * `settledWithin`: waits for code of yours that answered a promise, for a bounded time.
 *
 * @module
 */

/**
 * `promise`'s outcome, or a rejection with `timedOut()` once `timeoutMs` pass first: a handler, a hook, a key
 * function or a schema of yours whose promise never settles must not hold the sender's request for ever.
 *
 * @example
 * ```ts
 * const key = await settledWithin(keyFunction(context), 25_000, () => new Error('the key function did not answer'))
 * ```
 */
export function settledWithin<T>(promise: PromiseLike<T>, timeoutMs: number, timedOut: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), timeoutMs)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}
