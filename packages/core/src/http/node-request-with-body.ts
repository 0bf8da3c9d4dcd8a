/**
 * A Node request whose body bytes come from another stream than the request's own.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { Readable } from 'node:stream'
import type { NodeRequestStream } from '../pipeline/read-node-request.js'

/**
 * The request, its body read from `body` in place of the request stream: what `receiver.handleNodeRequest`
 * reads the headers, method and URL of from `request`, and the bytes, bounded, from `body`. It exists for the
 * frameworks whose hooks may replace the request stream with one of their own (a Fastify `preParsing` hook's
 * `payload.pipe(...)`): the bytes are piped into that stream, and the request itself has none left to give.
 * Type-only imports of node:http and node:stream: nothing here loads a Node module at run time.
 *
 * `url` is the request target as it arrived, where a framework rewrote `request.url` before the route (Fastify's
 * `request.originalUrl`: `@fastify/express` decodes `request.raw.url`, and a signed query must be verified over the
 * bytes that were signed); default `request.url`.
 *
 * Whether the body was read already, has ended or was destroyed is `body`'s. The read ends as soon as the
 * sender goes away mid-body, even when the connection closed before this call; a body the core cuts off (too
 * long, too slow) ends the connection, not only `body`.
 *
 * @example
 * ```ts
 * // `payload`: the stream a Fastify preParsing hook made of `request.raw`, kept by the route's parser.
 * const out = await receiver.handleNodeRequest(nodeRequestWithBody(request.raw, payload))
 * ```
 */
export function nodeRequestWithBody(
  request: IncomingMessage,
  body: Readable,
  url: string | undefined = request.url,
): NodeRequestStream & Pick<IncomingMessage, 'method' | 'url' | 'httpVersionMajor'> & { readonly stream?: unknown } {
  // `pipe()` neither ends nor destroys the hook's stream when the sender goes away mid-body: without this,
  // the read would wait for the body deadline (a 408) instead of ending at once (400, as without a hook).
  const endWithTheConnection = () => {
    if (!request.complete) body.destroy()
  }
  // Gone already while an app's async hook awaited: the read, which begins only now, must see it at once.
  if (request.destroyed) endWithTheConnection()
  else request.once('close', endWithTheConnection)
  return {
    headers: request.headers,
    rawHeaders: request.rawHeaders,
    // Read when asked: Node builds it on first access (an object and an array per header), and the core asks
    // only for a request that repeats its Content-Type or a credential header (nodeRequestHeaders).
    get headersDistinct() {
      return request.headersDistinct
    },
    method: request.method,
    url,
    httpVersionMajor: request.httpVersionMajor,
    // An HTTP/2 request's own stream: a refused body is ended by resetting it (the request's destroy() would leave
    // it half-open, holding its flow-control window), and a reset by the client is seen on it.
    get stream() {
      return (request as { stream?: unknown }).stream
    },
    get readableEnded() {
      return body.readableEnded
    },
    get readableDidRead() {
      return body.readableDidRead
    },
    get destroyed() {
      return body.destroyed
    },
    on(event: string, listener: (...args: any[]) => void) {
      body.on(event, listener)
      return this
    },
    removeListener(event, listener) {
      body.removeListener(event, listener)
      return this
    },
    pause: () => body.pause(),
    resume: () => body.resume(),
    // A body cut off (too long, too slow) ends the connection, not only the hook's stream.
    destroy(error) {
      body.destroy(error)
      request.destroy(error)
    },
  }
}
