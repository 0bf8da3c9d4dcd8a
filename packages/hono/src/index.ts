import { type Receiver, answerEndsConnection, declaresNoBody, keptBodyStream, nodeBodyWasRead, toFetchResponse } from '@crm-webhooks/core'
import type { MiddlewareHandler } from 'hono'
import { executionContextOf } from './execution-context.js'
import { type NodeServerBindings, withWireUrl } from './node-server-bindings.js'

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
export function crmWebhooks(receiver: Pick<Receiver<any>, 'fetch' | 'handleNodeRequest'>): MiddlewareHandler {
  return async function crmWebhooksHandler(c) {
    const incoming = (c.env as NodeServerBindings | undefined)?.incoming
    // On @hono/node-server, the URL exactly as sent (see withWireUrl); elsewhere the Request's is all there is.
    const wireUrl = typeof incoming?.url === 'string' ? incoming.url : undefined
    // Promises, whatever Hono's types say.
    const { arrayBuffer, blob, text } = c.req.bodyCache as { arrayBuffer?: Promise<ArrayBuffer>; blob?: Promise<Blob>; text?: Promise<string> }
    let request = c.req.raw
    if (arrayBuffer !== undefined || blob !== undefined || text !== undefined) {
      // Read (or still being read) through Hono: the core reads it as any Fetch body, bounded by its deadline
      // and size limit, and refuses one that came short of its Content-Length. A Request with no body at all
      // (a GET) lost nothing and goes as it is: rebuilt, a method Fetch refuses (node-server's TRACE) would throw.
      if (c.req.raw.body !== null) {
        // A bodiless request (a DELETE with its fields in the query) has nothing a text read could change.
        const body = declaresNoBody(incoming) ? null : keptBodyStream(arrayBuffer ?? blob?.then((kept) => kept.arrayBuffer()), text)
        request = new Request(c.req.url, { method: c.req.method, headers: c.req.raw.headers, body, duplex: 'half' } as RequestInit)
      }
    } else if (typeof incoming?.on === 'function') {
      // On @hono/node-server the core reads the untouched Node request itself (a Fetch Request read through two
      // stream layers cost more than the whole pipeline). Once anything read or wrapped it (a host's
      // `incoming.rawBody`, a middleware that cloned c.req.raw or read its signal) it reads c.req.raw: node-server's
      // Request pulls the Node stream from the microtask after it is built, so the core looks one microtask on and
      // never reads beside it. Either way the read is bounded, and a consumed body is body_already_parsed.
      await undefined
      if (incoming.readableFlowing == null && !nodeBodyWasRead(incoming)) {
        return toFetchResponse(await receiver.handleNodeRequest(incoming), c.req.method)
      }
    }
    if (wireUrl === undefined) return receiver.fetch(request, c.env, executionContextOf(c))
    const answer = await receiver.fetch(withWireUrl(request, wireUrl))
    // node-server ends a connection whose request it did not read to the end (a 413, a 408), and the Node request
    // says which: the answer says so, or nothing (HTTP/2 has no Connection header; Node would warn and drop it).
    if (answerEndsConnection(incoming)) answer.headers.set('connection', 'close')
    else answer.headers.delete('connection')
    return answer
  }
}
