/**
 * Writing a {@link WebhookResponse} to a node:http response, framed by its length.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { loadNodeBuiltin } from '../node-builtin.js'
import { responseContent } from '../pipeline/respond.js'
import type { WebhookResponse } from '../types.js'

const nodeBuffer = loadNodeBuiltin<typeof import('node:buffer')>('node:buffer')
const textEncoder = new TextEncoder()

/**
 * The bytes `end(text)` writes (UTF-8): counted by Node where `process.getBuiltinModule` reaches it, encoded
 * before Node 20.16, which has none.
 */
export const utf8Length: (text: string) => number = nodeBuffer
  ? (text) => nodeBuffer.Buffer.byteLength(text, 'utf8')
  : (text) => textEncoder.encode(text).byteLength

/**
 * Writes `out` as one whole message framed by `Content-Length`, its body's UTF-8 bytes: `writeHead` stores the
 * head at once, so with no length in it Node frames even a 60-byte answer chunked.
 *
 * No length goes with what has no content by definition (RFC 9110 section 8.6): 204, 304, and an answer to
 * HEAD, where a length would have to be the one GET would get, which the receiver does not know: it answers
 * HEAD itself (405, unless a provider takes HEAD). A 205 has no content either, and any body the answer holds
 * is left out, but HTTP/1.1 cannot tell that from its status (RFC 9112 section 6.3): it says
 * `Content-Length: 0`, the first way RFC 7231 section 6.3.6 named, rather than an empty chunked body.
 *
 * The length is always this one. The receiver's answers carry no framing headers of their own (the pipeline
 * leaves a provider handshake's out), and a `Content-Length` or `Content-Encoding` the app set on the response
 * (a middleware before the handler) is dropped, since it describes some other body; a `Transfer-Encoding` the
 * app set is kept, and then
 * no length goes beside it. A 1xx is not a final answer: it is refused (a `RangeError`), as are the answers
 * Node refuses to write (a status past 999, a header value with a line break), so the caller answers 500 as
 * `receiver.fetch` does.
 *
 * @example
 * ```ts
 * writeNodeResponse(request, response, { status: 200, headers: {}, body: '{"ok":true}' }) // Content-Length: 11
 * ```
 */
export function writeNodeResponse(request: Pick<IncomingMessage, 'method'>, response: ServerResponse, out: WebhookResponse): void {
  const { status } = out
  if (!(status >= 200)) throw new RangeError(`crm-webhooks: ${String(status)} is not a final status: an answer's status is 200 to 999`)
  const body = responseContent(out, request.method)
  const contentLength = body !== undefined ? utf8Length(body) : status === 205 && request.method !== 'HEAD' ? 0 : undefined
  response.removeHeader('content-length')
  // The answer is never encoded: a Content-Encoding set before (a middleware's) would have clients decode plain
  // JSON. A compressor that encodes what is written sets its own as the head goes out, after this.
  response.removeHeader('content-encoding')
  const framed = contentLength === undefined || response.hasHeader('transfer-encoding')
  // Two calls, not `writeHead(...).end(...)`: a middleware's wrapper of writeHead may not return the response.
  response.writeHead(status, framed ? out.headers : withContentLength(out.headers, contentLength))
  response.end(body)
}

/**
 * A copy of `headers` with the length: a fresh object, since the answer's may be a handshake's constant.
 * Copied member by member, not spread: `{ ...headers, more }` costs about a microsecond a call on Node 20.
 */
function withContentLength(headers: Record<string, string>, contentLength: number): Record<string, string> {
  const copy: Record<string, string> = {}
  for (const name in headers) copy[name] = headers[name]!
  copy['content-length'] = String(contentLength)
  return copy
}
