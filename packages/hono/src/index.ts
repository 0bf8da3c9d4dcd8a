import type { NodeRequestStream, Receiver, WebhookResponse } from '@crm-webhooks/core'
import type { MiddlewareHandler } from 'hono'

/** What @hono/node-server puts in `c.env` (its `HttpBindings`): the Node request behind `c.req.raw`. */
interface NodeServerBindings {
  incoming?: NodeRequestStream & { method?: string; url?: string; rawBody?: unknown }
}

function toResponse(out: WebhookResponse): Response {
  return new Response(out.status === 204 ? null : out.body, { status: out.status, headers: out.headers })
}

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
export function crmWebhooks(receiver: Pick<Receiver<any>, 'fetch' | 'handle' | 'handleNodeRequest'>): MiddlewareHandler {
  return async function crmWebhooksHandler(c) {
    // An earlier middleware that read the body through Hono (c.req.json(), a validator) left Hono's copy of
    // its text or bytes: those are what was sent.
    const kept = c.req.bodyCache.arrayBuffer ?? c.req.bodyCache.text
    if (kept !== undefined) {
      return toResponse(await receiver.handle({ method: c.req.method, url: c.req.url, headers: c.req.raw.headers, rawBody: await kept }))
    }
    // On @hono/node-server the core reads the Node request itself, as the Node adapters do: building the
    // Fetch Request and reading its body through two stream layers cost more than the whole pipeline. Bytes
    // node-server would have taken instead (`incoming.rawBody`, set by some hosts) are taken here too.
    // Elsewhere it reads the Request's stream. Either way the read is bounded in size and time, and a body
    // something else consumed is answered body_already_parsed.
    const incoming = (c.env as NodeServerBindings | undefined)?.incoming
    if (typeof incoming?.on !== 'function') return receiver.fetch(c.req.raw)
    return toResponse(await receiver.handleNodeRequest(incoming, incoming.rawBody instanceof Uint8Array ? incoming.rawBody : undefined))
  }
}
