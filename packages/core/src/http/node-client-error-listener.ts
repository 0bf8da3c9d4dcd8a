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
 * answered), is destroyed without a word, as Node does.
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
  const response = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage
  if (error.code === 'ECONNRESET' || !socket.writable || response?.headersSent) {
    socket.destroy()
    return
  }
  const { status, headers, body } = errorResponse(refusal(error))
  let head = `HTTP/1.1 ${status} ${REASON_PHRASES[status] ?? 'Error'}\r\n`
  for (const name of Object.keys(headers)) head += `${name}: ${headers[name]}\r\n`
  head += `content-length: ${utf8Length(body)}\r\nconnection: close\r\n\r\n`
  socket.end(head + body, () => socket.destroy())
}
