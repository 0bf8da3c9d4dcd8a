/**
 * `runWithDeadline`: a handler or a hook, awaited for at most `handlerTimeoutMs`, its failure typed.
 *
 * @module
 */
import { HandlerError, isInstanceOf } from '../errors.js'
import { settledWithin } from '../settled-within.js'
import type { PipelineConfig } from './pipeline-config.js'
import { type WaitUntil, handToRuntime } from './wait-until.js'

/** A handler's (or hook's) failure, as the sender is answered: 500 `handler_failed`, the cause kept. */
export function handlerFailed(cause: unknown): HandlerError {
  return new HandlerError('handler_failed', 'the webhook handler failed', { cause })
}

/**
 * Awaits `work` for at most `handlerTimeoutMs`: past it, rejects with `handler_timeout` (503); a failure
 * of the work itself becomes `handler_failed` (500). Given `waitUntil`, the work is handed to it, so a Web
 * runtime does not cut it off past the deadline (work under a claim is kept with the claim's settling instead).
 *
 * @example
 * ```ts
 * await runWithDeadline(config, () => config.onInvalidPayload!(info))
 * ```
 */
export async function runWithDeadline(config: PipelineConfig, work: () => unknown, waitUntil?: WaitUntil): Promise<void> {
  const timedOut = () =>
    new HandlerError('handler_timeout', `the handler did not finish within ${config.handlerTimeoutMs} ms`, {
      retryAfterSeconds: Math.ceil(config.lockTtlMs / 1000),
    })
  const running = Promise.resolve().then(work)
  handToRuntime(waitUntil, waitUntil && running.catch(() => {}))
  try {
    await settledWithin(running, config.handlerTimeoutMs, timedOut)
  } catch (error) {
    if (isInstanceOf(error, HandlerError)) throw error
    throw handlerFailed(error)
  }
}
