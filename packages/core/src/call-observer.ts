/**
 * `callObserver`: runs a callback whose outcome is nobody's business (an `onDelivery` hook, a late claim's
 * `onAbandoned`, a sender's `onAttempt`), so that neither its throw nor, for an async one, its rejection
 * can reach anything. `(...) => void` admits an async function, and nobody awaits it: a rejection would be
 * an unhandled one, which ends a Node process.
 *
 * @module
 */

/**
 * Calls `observe`, swallowing what it throws and, when it answers a promise, what that rejects with. Returns
 * that promise, contained (it never rejects), for a caller that waits for the observer's work, else undefined.
 *
 * @example
 * ```ts
 * callObserver(() => options.onDelivery?.(outcome)) // an async onDelivery that rejects is contained too
 * ```
 */
export function callObserver(observe: () => unknown): Promise<unknown> | undefined {
  try {
    const result = observe()
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') return Promise.resolve(result).catch(() => {})
  } catch {
    // The observer's own failure: whatever it observed is decided already.
  }
  return undefined
}
