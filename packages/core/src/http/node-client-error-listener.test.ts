/**
 * `nodeClientErrorListener` on a real node:http server, fed raw bytes Node's HTTP parser refuses: each gets
 * the receiver's JSON error with a stable code, once, and the connection ends; nothing is left unhandled.
 */
import { createServer } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { STATUS_BY_CODE } from '../errors.js'
import { customermates } from '../providers/customermates/index.js'
import { createReceiver } from '../receiver.js'
import { nodeClientErrorListener } from './node-client-error-listener.js'
import { createNodeListener } from './node-listener.js'

let port: number
const server = createServer(createNodeListener(createReceiver({ provider: customermates, secret: 's' })))
server.on('clientError', nodeClientErrorListener)
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => void unhandled.push(reason)

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled)
  await new Promise((resolve) => server.close(resolve).closeAllConnections())
})

/** Writes `bytes` on a fresh connection and reads until the server ends it. */
function rawExchange(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = ''
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes))
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (received += chunk))
    socket.on('error', reject)
    socket.on('close', () => resolve(received))
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no end within 5 s; got ${JSON.stringify(received)}`)))
  })
}

const head = (lines: string[]) => `POST /webhooks HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n${lines.join('\r\n')}\r\n\r\n`

describe('nodeClientErrorListener', () => {
  it.each([
    ['a chunk size that is not hex, after the listener took the request', head(['Transfer-Encoding: chunked']) + 'zz\r\n{}\r\n0\r\n\r\n', 'malformed_request'],
    ['Transfer-Encoding and Content-Length together', head(['Transfer-Encoding: chunked', 'Content-Length: 2']) + '2\r\n{}\r\n0\r\n\r\n', 'malformed_request'],
    ['two different Content-Lengths', head(['Content-Length: 2', 'Content-Length: 3']) + '{}', 'malformed_request'],
    ['a header line with no colon', head(['X-Broken header']) + '{}', 'malformed_request'],
    ['headers past the server limit (16 KB)', head([`X-Padding: ${'a'.repeat(20_000)}`, 'Content-Length: 2']) + '{}', 'headers_too_large'],
  ] as const)('%s: one JSON answer with its code, then the connection ends', async (_, bytes, code) => {
    const answer = await rawExchange(bytes)
    const [statusLine, ...rest] = answer.split('\r\n')
    const body = answer.slice(answer.indexOf('\r\n\r\n') + 4)
    expect(statusLine).toBe(`HTTP/1.1 ${STATUS_BY_CODE[code]} ${code === 'headers_too_large' ? 'Request Header Fields Too Large' : 'Bad Request'}`)
    expect(rest).toEqual(expect.arrayContaining(['content-type: application/json; charset=utf-8', 'connection: close', `content-length: ${Buffer.byteLength(body)}`]))
    expect(JSON.parse(body)).toMatchObject({ ok: false, error: { code } })
    expect(answer.match(/(?:^|\r\n)HTTP\/1\.1 \d{3} /g)).toHaveLength(1)
    await new Promise((resolve) => setImmediate(resolve))
    expect(unhandled).toEqual([])
  })

  it('says nothing on a connection whose answer has begun, and ends it', () => {
    const ended: string[] = []
    const socket = {
      writable: true,
      _httpMessage: { headersSent: true },
      destroy: () => void ended.push('destroy'),
      end: () => void ended.push('end'),
    }
    nodeClientErrorListener(Object.assign(new Error('Parse Error'), { code: 'HPE_INVALID_CHUNK_SIZE' }), socket as never)
    expect(ended).toEqual(['destroy'])
  })

  it("answers the server's own request timeout 408 request_timeout", () => {
    let written = ''
    const socket = { writable: true, _httpMessage: null, destroy: () => {}, end: (text: string) => void (written = text) }
    nodeClientErrorListener(Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), socket as never)
    expect(written.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout')
    expect(JSON.parse(written.slice(written.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'request_timeout' } })
  })
})
