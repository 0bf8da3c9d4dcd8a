/**
 * Handing a Web runtime the work that may outlive a delivery's answer, through the request's `waitUntil`
 * (Workers' `ExecutionContext.waitUntil`, see `WebhookRequest.waitUntil`).
 *
 * @module
 */

/** A Web runtime's `waitUntil`: keeps the isolate alive until `work` settles. */
export type WaitUntil = (work: Promise<unknown>) => void

/**
 * Hands `work` to `waitUntil` when there is one. A `waitUntil` that throws (called unbound, or outside its
 * request) costs the delivery nothing: the work still runs, only without the runtime's promise to keep it.
 *
 * @example
 * ```ts
 * handToRuntime(request.waitUntil, held.settled)
 * ```
 */
export function handToRuntime(waitUntil: WaitUntil | undefined, work: Promise<unknown> | undefined): void {
  if (!waitUntil || !work) return
  try {
    waitUntil(work)
  } catch {
    // Nothing to do: the receiver cannot keep an isolate alive by itself.
  }
}
