/**
 * What the Hono middleware reads of @hono/node-server, when it runs there.
 *
 * @module
 */
import type { NodeRequestStream } from '@crm-webhooks/core'

/** What @hono/node-server puts in `c.env` (its `HttpBindings`): the Node request behind `c.req.raw`. */
export interface NodeServerBindings {
  incoming?: NodeRequestStream & { method?: string; url?: string; readableFlowing?: boolean | null; complete?: boolean; httpVersionMajor?: number }
}

/**
 * `request` as the core reads it, with the URL as it came off the wire: a Fetch Request's `url` is parsed
 * and re-encoded (`'` becomes `%27`), which a signature over the raw query string (a workflow GET) would not
 * match. Only the `url` read differs; everything else is the Request's own (a body something in front of
 * node-server left short of its Content-Length is the core's to refuse: body_already_parsed).
 *
 * @example
 * ```ts
 * const answer = await receiver.fetch(withWireUrl(c.req.raw, incoming.url))
 * ```
 */
export function withWireUrl(request: Request, url: string): Request {
  return new Proxy(request, { get: (target, key) => (key === 'url' ? url : Reflect.get(target, key, target)) })
}
