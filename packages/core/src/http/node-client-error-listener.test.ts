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
import { CONFORMANCE_SECRET, conformanceProvider, signedRequest } from '../testing/conformance-kit.js'
import { listenOnLoopback } from '../testing/listen-on-loopback.js'

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
function rawExchange(bytes: string, to = port): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = ''
    const socket = connect(to, '127.0.0.1', () => socket.write(bytes))
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

  it.each([
    ['succeeds', 200],
    ['fails', 500],
  ] as const)('lets a pipelined delivery whose handler %s answer first when the parser refuses the request behind it (%i), then ends the connection', async (outcome, status) => {
    const handled: string[] = []
    const receiver = createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET }).onAny(async (event) => {
      handled.push(event.id!)
      await new Promise((resolve) => setTimeout(resolve, 150))
      if (outcome === 'fails') throw new Error('database down')
    })
    const pipelined = createServer(createNodeListener(receiver)).on('clientError', nodeClientErrorListener)
    const { url, close } = await listenOnLoopback(pipelined)
    try {
      const delivery = await signedRequest({ id: `evt_pipelined_${outcome}` })
      const lines = Object.entries(delivery.headers ?? {}).map(([name, value]) => `${name}: ${value}`)
      const first = `POST /webhooks HTTP/1.1\r\nHost: x\r\n${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(String(delivery.body))}\r\n\r\n${delivery.body}`
      const refused = head([`X-Padding: ${'a'.repeat(20_000)}`, 'Content-Length: 2']) + '{}'
      const answer = await rawExchange(first + refused, Number(new URL(url).port))
      // One answer, the delivery's own: a 431 in its place would tell the sender not to retry a failed handler.
      expect(answer.match(/(?:^|\r\n)HTTP\/1\.1 \d{3} /g)).toEqual([`HTTP/1.1 ${status} `])
      expect(answer.toLowerCase()).toContain('connection: close')
      expect(handled).toEqual([`evt_pipelined_${outcome}`])
    } finally {
      await close()
    }
  })

  it("ends the connection after that delivery's answer even when the app says Connection: keep-alive", async () => {
    const receiver = createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET }).onAny(async () => {
      await new Promise((resolve) => setTimeout(resolve, 150))
    })
    const listener = createNodeListener(receiver)
    // A header the app sets turns Node's keep-alive back on as the head goes out; the connection, its parser
    // broken, then refused the sender's next delivery on it (431, never retried) instead of ending.
    const keepAlive = createServer((request, response) => {
      response.setHeader('Connection', 'keep-alive')
      listener(request, response)
    }).on('clientError', nodeClientErrorListener)
    const { url, close } = await listenOnLoopback(keepAlive)
    try {
      const delivery = await signedRequest({ id: 'evt_pipelined_keep_alive' })
      const lines = Object.entries(delivery.headers ?? {}).map(([name, value]) => `${name}: ${value}`)
      const first = `POST /webhooks HTTP/1.1\r\nHost: x\r\n${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(String(delivery.body))}\r\n\r\n${delivery.body}`
      const refused = head([`X-Padding: ${'a'.repeat(20_000)}`, 'Content-Length: 2']) + '{}'
      const startedAt = performance.now()
      const answer = await rawExchange(first + refused, Number(new URL(url).port))
      expect(answer.match(/(?:^|\r\n)HTTP\/1\.1 \d{3} /g)).toEqual(['HTTP/1.1 200 '])
      // Ended by the listener once the answer is out, not by the server's 5 s keep-alive timeout.
      expect(performance.now() - startedAt).toBeLessThan(2_500)
    } finally {
      await close()
    }
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
