import type { Receiver } from '@crm-webhooks/core'
import type { MiddlewareHandler } from 'hono'

/**
 * The Hono middleware: Web APIs only, so it runs on @hono/node-server, Bun, Deno, Workers and in
 * `app.request()` alike. It answers the request itself (it is the route's handler, not a pass-through).
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { crmWebhooks } from '@crm-webhooks/hono'
 *
 * const app = new Hono()
 * app.post('/webhooks', crmWebhooks(receiver))
 * export default app
 * ```
 */
export function crmWebhooks(receiver: Pick<Receiver<any>, 'fetch' | 'handle'>): MiddlewareHandler {
  return async function crmWebhooksHandler(c) {
    // An earlier middleware that read the body through Hono (c.req.json(), a validator) left Hono's copy of
    // its text or bytes: those are what was sent. Otherwise the core reads the stream, bounded in size and
    // time, and recognises one that something else consumed (body_already_parsed).
    const { arrayBuffer, text } = c.req.bodyCache
    const kept = c.req.raw.bodyUsed ? (arrayBuffer ?? text) : undefined
    if (kept === undefined) return receiver.fetch(c.req.raw)
    const out = await receiver.handle({ method: c.req.method, url: c.req.url, headers: c.req.raw.headers, rawBody: await kept })
    return new Response(out.body, { status: out.status, headers: out.headers })
  }
}
