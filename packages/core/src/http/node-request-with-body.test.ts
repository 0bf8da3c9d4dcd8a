import { once } from 'node:events'
import { type IncomingMessage, type Server, createServer } from 'node:http'
import { type AddressInfo, type Socket, connect } from 'node:net'
import { PassThrough, Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { readNodeRequest } from '../pipeline/read-node-request.js'
import { nodeRequestWithBody } from './node-request-with-body.js'

const servers: Server[] = []
const sockets: Socket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve).closeAllConnections())))
})

/** The request node:http makes of `head` (and what follows it), written by a raw client that the test may cut off. */
async function receive(head: string): Promise<{ request: IncomingMessage; client: Socket }> {
  const server = createServer()
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const received = once(server, 'request') as Promise<[IncomingMessage]>
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1', () => client.write(head))
  client.on('error', () => {})
  sockets.push(client)
  const [request] = await received
  return { request, client }
}

/** Resolves when `stream` closes, whatever error it emits first (`once` would reject on it). */
function closed(stream: Readable): Promise<void> {
  stream.on('error', () => {})
  return stream.closed ? Promise.resolve() : new Promise((resolve) => stream.once('close', () => resolve()))
}

/** How a read of `request` ended: its bytes as text, or the error code it was refused with. */
async function readOutcome(request: Parameters<typeof readNodeRequest>[0], timeoutMs: number): Promise<string> {
  try {
    return new TextDecoder().decode(await readNodeRequest(request, { timeoutMs }))
  } catch (error) {
    return `refused: ${(error as { code?: string }).code}`
  }
}

const PARTIAL_POST = 'POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"event":'

describe('nodeRequestWithBody', () => {
  it('ends the read at once (invalid_body) when the connection closes mid-body, where pipe() would leave it to the deadline', async () => {
    const { request, client } = await receive(PARTIAL_POST)
    const body = request.pipe(new PassThrough())
    const startedAt = Date.now()
    const outcome = readOutcome(nodeRequestWithBody(request, body), 3_000)
    client.destroy()
    expect(await outcome).toBe('refused: invalid_body')
    expect(Date.now() - startedAt).toBeLessThan(1_500)
  })

  it('sees a connection closed before the call (an app hook awaited meanwhile): the body stream is destroyed at once', async () => {
    const { request, client } = await receive(PARTIAL_POST)
    const body = request.pipe(new PassThrough())
    client.destroy()
    await closed(request)
    expect([request.destroyed, request.complete, body.destroyed]).toEqual([true, false, false])
    const withBody = nodeRequestWithBody(request, body)
    expect([body.destroyed, withBody.destroyed]).toEqual([true, true])
    expect(await readOutcome(withBody, 3_000)).toBe('refused: invalid_body')
  })

  it('leaves the body stream alone when the connection closes after the whole request arrived', async () => {
    const { request, client } = await receive('POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}')
    request.resume()
    await once(request, 'end')
    // What a hook's stream may still hold after the request ended: it is not cut off by the connection.
    const body = new PassThrough()
    nodeRequestWithBody(request, body)
    client.destroy()
    await closed(request)
    expect(body.destroyed).toBe(false)
  })

  it('destroy() destroys both the body stream and the request, with the error given', async () => {
    const { request } = await receive(PARTIAL_POST)
    const body = request.pipe(new PassThrough())
    const bodyErrors: unknown[] = []
    const requestErrors: unknown[] = []
    body.on('error', (error) => bodyErrors.push(error))
    request.on('error', (error) => requestErrors.push(error))
    const cutOff = new Error('too slow')
    nodeRequestWithBody(request, body).destroy!(cutOff)
    expect([body.destroyed, request.destroyed]).toEqual([true, true])
    await Promise.all([closed(body), closed(request)])
    expect(bodyErrors).toEqual([cutOff])
    expect(requestErrors).toEqual([cutOff])
  })

  it('takes the headers, method, URL and HTTP version from the request and the bytes from the body stream', async () => {
    const { request } = await receive('PUT /hooks/a?b=1 HTTP/1.1\r\nHost: x\r\nX-Custom: One\r\nx-custom: two\r\nContent-Length: 3\r\n\r\nraw')
    const body = Readable.from([Buffer.from('from the hook')])
    const withBody = nodeRequestWithBody(request, body)
    expect({
      headers: withBody.headers,
      rawHeaders: withBody.rawHeaders,
      headersDistinct: withBody.headersDistinct,
      method: withBody.method,
      url: withBody.url,
      httpVersionMajor: withBody.httpVersionMajor,
    }).toEqual({
      headers: { host: 'x', 'x-custom': 'One, two', 'content-length': '3' },
      rawHeaders: ['Host', 'x', 'X-Custom', 'One', 'x-custom', 'two', 'Content-Length', '3'],
      headersDistinct: { host: ['x'], 'x-custom': ['One', 'two'], 'content-length': ['3'] },
      method: 'PUT',
      url: '/hooks/a?b=1',
      httpVersionMajor: 1,
    })
    expect(await readOutcome(withBody, 3_000)).toBe('from the hook')
    expect(request.readableDidRead).toBe(false)
  })

  it("leaves Node's headersDistinct unbuilt until asked, as the core asks only when Content-Type or a credential header repeats", async () => {
    const { request } = await receive('POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}')
    let built = 0
    const counted = Object.create(request, {
      headersDistinct: {
        get: () => {
          built += 1
          return request.headersDistinct
        },
      },
    }) as IncomingMessage
    const withBody = nodeRequestWithBody(counted, Readable.from([Buffer.from('{}')]))
    expect(await readOutcome(withBody, 3_000)).toBe('{}')
    expect(built).toBe(0)
    expect(withBody.headersDistinct).toEqual({ host: ['x'], 'content-length': ['2'] })
    expect(built).toBe(1)
  })

  it('reports readableEnded, readableDidRead and destroyed of the body stream, not of the request', async () => {
    const state = (stream: { readableEnded?: boolean; readableDidRead?: boolean; destroyed?: boolean }) => [
      stream.readableEnded,
      stream.readableDidRead,
      stream.destroyed,
    ]
    // A request read to its end (and so destroyed), its body in a fresh stream.
    const { request: readRequest } = await receive('POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}')
    readRequest.resume()
    await once(readRequest, 'end')
    expect(state(readRequest)).toEqual([true, true, true])
    expect(state(nodeRequestWithBody(readRequest, new PassThrough()))).toEqual([false, false, false])
    // A request untouched, its body in a stream read to its end, then destroyed.
    const { request } = await receive(PARTIAL_POST)
    const body = new PassThrough()
    const withBody = nodeRequestWithBody(request, body)
    body.end('{}')
    expect(await readOutcome(withBody, 3_000)).toBe('{}')
    expect(state(withBody).slice(0, 2)).toEqual([true, true])
    body.destroy()
    expect(withBody.destroyed).toBe(true)
    expect(state(request)).toEqual([false, false, false])
  })
})
