/**
 * `rawHttpExchange`: talks HTTP/1.1 over a bare TCP socket, for the requests `fetch` refuses to send (a
 * Content-Length that lies, duplicated header lines, a body that trickles in) and reads back the first
 * response. Test support, used by the bad-input table and exported from `@crm-webhooks/core/testing`.
 *
 * @module
 */
import { connect } from 'node:net'
import type { ConformanceResponse } from '../testing/conformance-case.js'

/** One step of what the client writes: bytes, or a pause (a slow sender). */
export type RawStep = string | Uint8Array | { pauseMs: number }

/** Options of {@link rawHttpExchange}. */
export interface RawHttpExchangeOptions {
  /** Give up waiting for a response after this long; default 10 s. */
  timeoutMs?: number
}

const CRLF_CRLF = Buffer.from('\r\n\r\n')

/**
 * Opens a socket to `url`'s host and port (80 when it names none), writes `steps` in order (stopping early
 * once a response has arrived, as a real client would), and resolves with the first final response (an
 * interim 1xx is passed over; one to HEAD, a 101, a 204 and a 304 end with their head). Plain HTTP only.
 *
 * @example
 * ```ts
 * const response = await rawHttpExchange('http://127.0.0.1:3000/webhooks', [
 *   'POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Length: 9000000\r\n\r\n',
 *   'x'.repeat(1024),
 * ])
 * response.status // 413
 * ```
 */
export function rawHttpExchange(url: string, steps: readonly RawStep[], options: RawHttpExchangeOptions = {}): Promise<ConformanceResponse> {
  const { protocol, hostname, port } = new URL(url)
  if (protocol !== 'http:') return Promise.reject(new TypeError(`rawHttpExchange speaks plain HTTP/1.1 only, not ${protocol}`))
  // Its answer has no body, whatever its Content-Length says (RFC 9110 section 9.3.2).
  const toHead = requestStart(steps, 5) === 'HEAD '
  return new Promise((resolve, reject) => {
    // URL leaves a scheme's default port out (http://localhost/webhooks has port '').
    const socket = connect({ host: hostname, port: port === '' ? 80 : Number(port) })
    let received = Buffer.alloc(0)
    let answered = false
    const timer = setTimeout(() => finish(new Error(`no HTTP response within ${options.timeoutMs ?? 10_000} ms`)), options.timeoutMs ?? 10_000)

    function finish(outcome: ConformanceResponse | Error): void {
      if (answered) return
      answered = true
      clearTimeout(timer)
      socket.destroy()
      if (outcome instanceof Error) reject(outcome)
      else resolve(outcome)
    }

    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      const response = parseResponse(received, toHead)
      if (response) finish(response)
    })
    // The server may close or reset once it has answered (an oversized body is not drained forever).
    socket.on('error', () => finish(parseResponse(received, toHead, true) ?? new Error('connection failed before a response')))
    socket.on('close', () => finish(parseResponse(received, toHead, true) ?? new Error('connection closed before a response')))
    socket.on('connect', () => {
      void (async () => {
        for (const step of steps) {
          if (answered || socket.destroyed) return
          if (typeof step === 'object' && 'pauseMs' in step) await new Promise((done) => setTimeout(done, step.pauseMs))
          else await new Promise<void>((done) => socket.write(step, () => done()))
        }
      })().catch(() => {
        // A write after the server hung up: the response (if any) is what matters.
      })
    })
  })
}

/** The first `length` bytes the steps write, as Latin-1 (a request line may come in pieces). */
function requestStart(steps: readonly RawStep[], length: number): string {
  let start = ''
  for (const step of steps) {
    if (start.length >= length) break
    if (typeof step === 'string') start += step.slice(0, length)
    else if (step instanceof Uint8Array) start += Buffer.from(step.subarray(0, length)).toString('latin1')
  }
  return start.slice(0, length)
}

/**
 * Parses the first final HTTP/1.1 response from `bytes` (`toHead`: it answers a HEAD request); `undefined`
 * while incomplete (unless the stream `ended`).
 */
function parseResponse(bytes: Buffer, toHead: boolean, ended = false): ConformanceResponse | undefined {
  const headerEnd = bytes.indexOf(CRLF_CRLF)
  if (headerEnd === -1) return undefined
  const [statusLine, ...headerLines] = bytes.subarray(0, headerEnd).toString('latin1').split('\r\n')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)?.[1])
  // An interim answer (100 Continue, 103 Early Hints) comes before the response, not in its place.
  if (status >= 100 && status < 200 && status !== 101) return parseResponse(bytes.subarray(headerEnd + 4), toHead, ended)
  const headers = new Headers()
  for (const line of headerLines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim())
  }
  const rest = bytes.subarray(headerEnd + 4)
  // A 101's connection speaks another protocol from here on: what follows is not its body.
  if (toHead || status === 101 || status === 204 || status === 304) return { status, headers, body: '' }
  const length = headers.get('content-length')
  if (length !== null) {
    if (rest.length < Number(length)) return undefined
    return { status, headers, body: rest.subarray(0, Number(length)).toString('utf8') }
  }
  if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked') {
    const body = decodeChunked(rest)
    return body === undefined ? undefined : { status, headers, body }
  }
  // No framing: the body runs to the end of the connection.
  return ended ? { status, headers, body: rest.toString('utf8') } : undefined
}

function decodeChunked(bytes: Buffer): string | undefined {
  const parts: Buffer[] = []
  let offset = 0
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', offset)
    if (lineEnd === -1) return undefined
    const size = Number.parseInt(bytes.subarray(offset, lineEnd).toString('latin1'), 16)
    if (size === 0) return Buffer.concat(parts).toString('utf8')
    if (bytes.length < lineEnd + 2 + size + 2) return undefined
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size))
    offset = lineEnd + 2 + size + 2
  }
}

/**
 * The head of a raw HTTP/1.1 request. Header values given as arrays become repeated header lines.
 *
 * @example
 * ```ts
 * requestHead('POST', url, { 'content-length': '12', 'x-signature': ['a', 'b'] })
 * ```
 */
export function requestHead(method: string, url: string, headers: Record<string, string | readonly string[]>): string {
  const { host, pathname, search } = new URL(url)
  const lines = [`${method} ${pathname}${search} HTTP/1.1`, `Host: ${host}`]
  for (const [name, value] of Object.entries(headers)) {
    for (const one of typeof value === 'string' ? [value] : value) lines.push(`${name}: ${one}`)
  }
  return `${lines.join('\r\n')}\r\n\r\n`
}
