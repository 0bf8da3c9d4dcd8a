/**
 * Where the plugin finds a request's body: every content type is accepted and left unread in the route's
 * own encapsulated scope, so the rest of the app keeps its parsers and the core reads the raw bytes itself,
 * with the receiver's size limit and deadline (Fastify's own parsing would answer oversized bodies with its
 * own code and never time out).
 *
 * @module
 */
import type { Readable } from 'node:stream'
import { nodeRequestWithBody } from '@crm-webhooks/core'
import type { FastifyInstance, FastifyRequest } from 'fastify'

/**
 * Replaces `scope`'s content-type parsers with one that reads nothing, and finds where each request's body
 * stream is. The bytes are in the stream the app's preParsing hooks made of the request stream (a byte
 * counter's `payload.pipe(...)`), not in `request.raw`, piped into it. The parser is handed the stream every
 * hook made, route-level ones (added through onRoute) included; for a request Fastify parses nothing of (a
 * GET), this scope's own preParsing hook keeps what the hooks of the enclosing scopes made. The function
 * returned gives the request as the core is to read it: its body from that stream (`request.raw` when no hook
 * replaced it), and its URL as it arrived, `request.originalUrl` (`@fastify/express` decodes `request.raw.url`,
 * and a signed GET's query verified over that rewrite was a 401).
 *
 * @example
 * ```ts
 * const nodeRequestOf = keepBodyStreams(scope)
 * const out = await receiver.handleNodeRequest(nodeRequestOf(request))
 * ```
 */
export function keepBodyStreams(scope: FastifyInstance): (request: FastifyRequest) => FastifyRequest['raw'] | ReturnType<typeof nodeRequestWithBody> {
  const bodies = new WeakMap<FastifyRequest, Readable>()
  const keep = (request: FastifyRequest, payload: Readable) => {
    if (payload !== request.raw) bodies.set(request, payload)
  }
  scope.removeAllContentTypeParsers()
  scope.addContentTypeParser('*', (request, payload, done) => {
    keep(request, payload)
    done(null)
  })
  scope.addHook('preParsing', (request, _reply, payload, done) => {
    keep(request, payload)
    done(null, payload)
  })
  return (request) => {
    const body = bodies.get(request)
    if (body === undefined && request.originalUrl === request.raw.url) return request.raw
    return nodeRequestWithBody(request.raw, body ?? request.raw, request.originalUrl)
  }
}
