/**
 * The node:http server's `clientError` listener: what Node's HTTP parser refuses (a bad chunk size, both
 * Transfer-Encoding and Content-Length, two different lengths, a malformed header line, headers past
 * `maxHeaderSize`) never reaches a request listener, and Node's own answer is a bare status line with no body.
 *
 * @module
 */
import type { Duplex } from 'node:stream'
import { RequestRejectedError } from '../errors.js'
import { errorResponse } from '../pipeline/respond.js'
import { utf8Length } from './write-node-response.js'

/** The reason phrase of each status this listener answers (HTTP/1.1 allows any; these are RFC 9110's). */
const REASON_PHRASES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
}

/** What the listener reads of the node:http response in flight on the socket, if any. */
interface InFlightResponse {
  headersSent?: boolean
  shouldKeepAlive?: boolean
  req?: { complete?: boolean }
  once?: (event: 'finish', listener: () => void) => unknown
}

/** The typed error for what Node's parser (llhttp) or server refused, by Node's error code. */
function refusal(error: Error & { code?: string }): RequestRejectedError {
  const why = `${error.code ?? error.name}: ${error.message}`
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new RequestRejectedError('headers_too_large', `the request headers exceed the server's limit (${why})`)
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new RequestRejectedError('payload_too_large', `the request's chunk extensions exceed the server's limit (${why})`)
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new RequestRejectedError('request_timeout', "the request did not arrive within the server's requestTimeout or headersTimeout")
    default:
      return new RequestRejectedError('malformed_request', `the request is not well-formed HTTP/1.1 (${why})`)
  }
}

/**
 * Answers, in the receiver's JSON shape with a stable code, a request Node's HTTP parser refused:
 * `malformed_request` (400), `headers_too_large` (431), `payload_too_large` (413) or `request_timeout`
 * (408), with `Connection: close`, then ends the connection (the rest of its bytes cannot be framed). A
 * socket already reset, or whose response has begun (the parser failed mid-body, after a listener
 * answered), is destroyed without a word, as Node does. A request refused behind a pipelined one still being
 * handled gets no answer: that one's comes first, and then the connection ends (a delivery pipelined
 * between the two may get none either, and its sender then retries it).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * const server = createServer(createNodeListener(receiver))
 * server.on('clientError', nodeClientErrorListener)
 * server.listen(3000)
 * ```
 */
export function nodeClientErrorListener(error: Error & { code?: string }, socket: Duplex): void {
  const response = (socket as Duplex & { _httpMessage?: InFlightResponse | null })._httpMessage
  if (error.code === 'ECONNRESET' || !socket.writable || response?.headersSent) {
    socket.destroy()
    return
  }
  if (response?.req?.complete === true) {
    // The parser refused a later request, pipelined behind one whose whole body arrived and whose handler
    // still runs: written now, this answer would reach the sender as that delivery's (a 4xx it does not retry,
    // however the handler ends). Its own answer goes first, saying `Connection: close`, and Node then ends the
    // connection; the refused request's bytes cannot be framed, so it gets none, as a reset would.
    response.shouldKeepAlive = false
    // An app's own `Connection: keep-alive` header turns that back on as the head goes out, and the connection,
    // its parser broken, would then refuse the sender's next delivery on it: so it is ended here too.
    response.once?.('finish', () => socket.end())
    return
  }
  const { status, headers, body } = errorResponse(refusal(error))
  let head = `HTTP/1.1 ${status} ${REASON_PHRASES[status] ?? 'Error'}\r\n`
  for (const name of Object.keys(headers)) head += `${name}: ${headers[name]}\r\n`
  head += `content-length: ${utf8Length(body)}\r\nconnection: close\r\n\r\n`
  socket.end(head + body, () => socket.destroy())
}
