/**
 * What a Node request's framing says about its body, for the entry points that read it through another layer
 * (Hono on @hono/node-server) as well as for the core's own Node reader.
 *
 * @module
 */
import type { NodeRequestStream } from './read-node-request.js'

/** The framing a Node request carries besides its headers. */
type FramedRequest = Pick<NodeRequestStream, 'headers'> & { readonly httpVersionMajor?: number; readonly complete?: boolean }

/**
 * Whether an HTTP/1 request's framing declares no body: neither a Content-Length past 0 nor a
 * Transfer-Encoding (a GET, or a DELETE whose fields travel in its query). HTTP/2 frames a body without
 * declaring its length, so it cannot tell: `false`.
 *
 * @example
 * ```ts
 * if (declaresNoBody(incoming)) body = null // nothing a text read could have changed
 * ```
 */
export function declaresNoBody(request: FramedRequest | undefined): boolean {
  if (request?.httpVersionMajor !== 1) return false
  const raw = request.headers['content-length']
  const length = Array.isArray(raw) ? raw[0] : raw
  return request.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')
}

/**
 * Whether an answer written now, before the Node request's body has all arrived (a 413, a 408), ends its
 * connection, and so must say `Connection: close`: Node servers end such a connection once the answer is
 * written, rather than read the rest. HTTP/2 ends only the stream, and has no Connection header.
 *
 * @example
 * ```ts
 * if (answerEndsConnection(incoming)) answer.headers.set('connection', 'close')
 * ```
 */
export function answerEndsConnection(request: FramedRequest | undefined): boolean {
  return request?.complete === false && request.httpVersionMajor !== 2
}
