import type { Context } from 'hono'

/**
 * The runtime's `ExecutionContext` (Workers, and other runtimes that pass one to `app.fetch`), whose
 * `waitUntil` the core hands what outlives the answer; `undefined` where there is none (@hono/node-server,
 * Bun, Deno), for which Hono's getter throws.
 */
export function executionContextOf(c: Context): { waitUntil?: unknown } | undefined {
  try {
    return c.executionCtx
  } catch {
    return undefined
  }
}
