/**
 * Handing a Web runtime the work that may outlive a delivery's answer, through the request's `waitUntil`
 * (Workers' `ExecutionContext.waitUntil`, see `WebhookRequest.waitUntil`).
 *
 * @module
 */

/** A Web runtime's `waitUntil`: keeps the isolate alive until `work` settles. */
export type WaitUntil = (work: Promise<unknown>) => unknown

/**
 * The `waitUntil` of a runtime's context (Workers' `ExecutionContext`), called as the context's own method:
 * Workers refuse one called unbound. `undefined` when the context has none (Bun's server, Deno's info), or
 * reading it throws.
 *
 * @example
 * ```ts
 * const waitUntil = contextWaitUntil(ctx) // in a Workers module fetch(request, env, ctx)
 * ```
 */
export function contextWaitUntil(context: { waitUntil?: unknown } | null | undefined): WaitUntil | undefined {
  let method: unknown
  try {
    method = context?.waitUntil
  } catch {
    return undefined
  }
  return typeof method === 'function' ? (work) => (method as WaitUntil).call(context, work) : undefined
}

/**
 * Hands `work` to `waitUntil` when there is one. A `waitUntil` that throws (called unbound, or outside its
 * request), or answers a promise that rejects, costs the delivery nothing: the work still runs, only without
 * the runtime's promise to keep it.
 *
 * @example
 * ```ts
 * handToRuntime(request.waitUntil, held.settled)
 * ```
 */
export function handToRuntime(waitUntil: WaitUntil | undefined, work: Promise<unknown> | undefined): void {
  if (!waitUntil || !work) return
  try {
    const answer = waitUntil(work)
    // An async waitUntil's failure must reach nothing: unhandled, it would end a Node process.
    if (typeof (answer as PromiseLike<unknown> | undefined)?.then === 'function') Promise.resolve(answer).catch(() => {})
  } catch {
    // Nothing to do: the receiver cannot keep an isolate alive by itself.
  }
}
