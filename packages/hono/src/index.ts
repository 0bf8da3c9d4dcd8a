import { type Receiver, nodeBodyWasRead, toFetchResponse } from '@crm-webhooks/core'
import type { MiddlewareHandler } from 'hono'
import { type NodeServerBindings, withWireUrl } from './node-server.js'

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
 * app.all('/webhooks', crmWebhooks(receiver))
 * export default app
 * ```
 */
export function crmWebhooks(receiver: Pick<Receiver<any>, 'fetch' | 'handle' | 'handleNodeRequest'>): MiddlewareHandler {
  return async function crmWebhooksHandler(c) {
    const incoming = (c.env as NodeServerBindings | undefined)?.incoming
    // On @hono/node-server, the URL exactly as sent (see withWireUrl); elsewhere the Request's is all there is.
    const wireUrl = typeof incoming?.url === 'string' ? incoming.url : undefined
    // A read through Hono as bytes (arrayBuffer(), blob(), parseBody()) kept what was sent; a text copy (text(),
    // json()) is not it (decoding drops a BOM, replaces bad bytes): the used c.req.raw is body_already_parsed.
    // A read that failed (the sender left mid-body) reaches the core as the failing body it was (400).
    const { arrayBuffer, blob, text } = c.req.bodyCache // promises, whatever Hono's types say
    if (arrayBuffer !== undefined || blob !== undefined || text !== undefined) {
      const request = { method: c.req.method, url: wireUrl ?? c.req.url, headers: c.req.raw.headers }
      let kept: ArrayBuffer | undefined
      try {
        ;[kept] = await Promise.all([arrayBuffer ?? (await blob)?.arrayBuffer(), text])
      } catch (error) {
        const body = new ReadableStream({ start: (controller) => controller.error(error) })
        return receiver.fetch(new Request(c.req.url, { ...request, body, duplex: 'half' } as RequestInit))
      }
      if (kept !== undefined) return toFetchResponse(await receiver.handle({ ...request, rawBody: kept }), request.method)
    }
    // On @hono/node-server the core reads the untouched Node request itself (a Fetch Request read through two
    // stream layers cost more than the whole pipeline). Once anything read or wrapped it (a host's
    // `incoming.rawBody`, a middleware that cloned c.req.raw or read its signal) it reads c.req.raw: node-server's
    // Request pulls the Node stream from the microtask after it is built, so the core looks one microtask on and
    // never reads beside it. Either way the read is bounded, and a consumed body is body_already_parsed.
    if (typeof incoming?.on === 'function') {
      await undefined
      if (incoming.readableFlowing == null && !nodeBodyWasRead(incoming)) {
        return toFetchResponse(await receiver.handleNodeRequest(incoming), c.req.method)
      }
    }
    if (wireUrl === undefined) return receiver.fetch(c.req.raw)
    const answer = await receiver.fetch(withWireUrl(c.req.raw, wireUrl))
    // An answer before the whole body arrived (413, 408): node-server ends such a connection itself once the
    // answer is written (its cleanup of an unread request), so the answer says so, and no client sends its
    // next request there. (A bodiless GET is complete at once.)
    if (incoming?.complete === false) answer.headers.set('connection', 'close')
    return answer
  }
}
