import { type NodeRequestStream, type Receiver, type WebhookResponse, nodeBodyWasRead } from '@crm-webhooks/core'
import type { MiddlewareHandler } from 'hono'

/** What @hono/node-server puts in `c.env` (its `HttpBindings`): the Node request behind `c.req.raw`. */
interface NodeServerBindings {
  incoming?: NodeRequestStream & { method?: string; url?: string; readableFlowing?: boolean | null }
}

function toResponse(out: WebhookResponse): Response {
  return new Response(out.status === 204 ? null : out.body, { status: out.status, headers: out.headers })
}

/**
 * The Hono middleware for @hono/node-server, Bun, Deno, Workers and `app.request()` alike: on node-server
 * the core reads the Node request, elsewhere the Fetch Request. It answers the request itself (it is the
 * route's handler, not a pass-through).
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
    // On @hono/node-server the core reads the untouched Node request itself, as the Node adapters do:
    // building the Fetch Request and reading its body through two stream layers cost more than the whole
    // pipeline. Elsewhere, or once anything read or wrapped the Node request (a host that kept
    // `incoming.rawBody`, a middleware that cloned c.req.raw or read its signal), it reads c.req.raw's
    // stream: node-server's Request pulls the Node stream from the microtask after it is built, pausing it
    // while nobody reads that copy, so the core never reads beside it (hence the look one microtask on).
    // Either way the read is bounded in size and time, and a body something consumed is body_already_parsed.
    const incoming = (c.env as NodeServerBindings | undefined)?.incoming
    if (typeof incoming?.on === 'function') {
      await undefined
      if (incoming.readableFlowing == null && !nodeBodyWasRead(incoming)) {
        return toResponse(await receiver.handleNodeRequest(incoming))
      }
    }
    return receiver.fetch(c.req.raw)
  }
}
