import { type IncomingMessage, type ServerResponse, createServer, request as httpRequest } from 'node:http'
import { connect as http2Connect, createServer as createHttp2Server } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import type { DeliveryOutcome } from '../pipeline/delivery-outcome.js'
import { DISCARD_MAX_MS } from '../pipeline/raw-body.js'
import { buildSampleDelivery } from '../providers/build-sample-delivery.js'
import { customermates } from '../providers/customermates/index.js'
import { createReceiver } from '../receiver.js'
import type { WebhookResponse } from '../types.js'
import { createNodeListener } from './node-listener.js'
import { nodeRequestWithBody } from './node-request-with-body.js'

const servers: Array<ReturnType<typeof createServer>> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve).closeAllConnections())))
})

async function serve(answer: (request: IncomingMessage) => Promise<WebhookResponse>, before?: (response: ServerResponse) => void) {
  const listener = createNodeListener({ handleNodeRequest: answer })
  const server = createServer((request, response) => {
    before?.(response)
    void listener(request, response)
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`
}

/** One exchange as the client read it off the wire: the status, the framing header lines as sent, and the body. */
function exchange(
  url: string,
  method: string,
  sent: { headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; framing: Record<string, string[]>; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, agent: false, headers: sent.headers }, (response) => {
      const framing: Record<string, string[]> = {}
      for (let index = 0; index < response.rawHeaders.length; index += 2) {
        const name = response.rawHeaders[index]!.toLowerCase()
        if (name === 'content-length' || name === 'transfer-encoding') (framing[name] ??= []).push(response.rawHeaders[index + 1]!)
      }
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: response.statusCode!, framing, body }))
    })
    request.on('error', reject).end(sent.body ?? (method === 'POST' ? '{}' : undefined))
  })
}

describe('createNodeListener', () => {
  it('answers 500 internal_error, without an unhandled rejection, when Node refuses to write the response', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => void unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      // What a provider's own handshake could answer: a status Node refuses, a header value with a line break.
      const refusedResponses: WebhookResponse[] = [
        { status: 99, headers: {}, body: '' },
        { status: 200, headers: { 'x-token': 'a\nb' }, body: 'ok' },
      ]
      for (const refused of refusedResponses) {
        const response = await fetch(await serve(async () => refused), { method: 'POST', body: '{}', signal: AbortSignal.timeout(2_000) })
        expect([response.status, await response.json()]).toEqual([500, { ok: false, error: { code: 'internal_error', message: 'internal error' } }])
      }
      await new Promise((resolve) => setImmediate(resolve))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  /** An HTTP/2 server over the listener of a Customermates receiver, and a client session to it. */
  async function http2Exchange({
    listenerAfterMs,
    bodyPiped,
    ...options
  }: { bodyTimeoutMs?: number; onDelivery?: (outcome: DeliveryOutcome) => void; listenerAfterMs?: number; bodyPiped?: boolean }) {
    const receiver = createReceiver({ provider: customermates, secret: 's', ...options })
    // `bodyPiped`: the body read from another stream, as after a Fastify preParsing hook that replaced it.
    const listener = createNodeListener(
      bodyPiped
        ? {
            handleNodeRequest: (request) => {
              const incoming = request as IncomingMessage
              return receiver.handleNodeRequest(nodeRequestWithBody(incoming, incoming.pipe(new PassThrough())))
            },
          }
        : receiver,
    ) as (request: unknown, response: unknown) => void
    // `listenerAfterMs`: the request reaches the listener that late, as behind a middleware that awaits first.
    const server = createHttp2Server(listenerAfterMs === undefined ? (listener as never) : (request, response) => void setTimeout(() => listener(request, response), listenerAfterMs))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const client = http2Connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    const close = async () => {
      client.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
    return { client, close }
  }

  it('answers a 408 over HTTP/2 without a Connection header, which HTTP/2 has not (Node would warn and drop it)', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error) => void warnings.push(warning.name)
    process.on('warning', onWarning)
    const { client, close } = await http2Exchange({ bodyTimeoutMs: 100 })
    try {
      const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const stream = client.request({ ':method': 'POST', ':path': '/webhooks', 'content-type': 'application/json', 'content-length': '50' })
        stream.on('response', resolve).on('error', reject)
        stream.write('{"event":')
      })
      expect([headers[':status'], headers.connection]).toEqual([408, undefined])
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings).toEqual([])
    } finally {
      process.off('warning', onWarning)
      await close()
    }
  })

  it.each([
    ['read from the request', false],
    ['read through nodeRequestWithBody (a hook replaced the stream)', true],
  ])('resets an HTTP/2 stream whose body was refused once the discard bound passes (NO_ERROR), never leaving it half-open: %s', async (_, bodyPiped) => {
    // A client that keeps such a stream open would otherwise hold it, and its flow-control window, for the
    // life of the connection: HTTP/1 closes the connection, HTTP/2 has only the stream to end.
    const { client, close } = await http2Exchange({ bodyTimeoutMs: 100, bodyPiped })
    try {
      const stream = client.request({ ':method': 'POST', ':path': '/webhooks', 'content-type': 'application/json', 'content-length': '50' })
      stream.on('error', () => {})
      const status = await new Promise((resolve) => stream.on('response', (headers) => resolve(headers[':status'])).write('{"event":'))
      stream.resume()
      const startedAt = Date.now()
      await new Promise((resolve) => stream.on('close', resolve))
      expect([status, stream.rstCode]).toEqual([408, 0])
      expect(Date.now() - startedAt).toBeLessThan(DISCARD_MAX_MS + 1_000)
    } finally {
      await close()
    }
  })

  it('reads an HTTP/2 stream the client reset mid-body as a cut-off body (400 invalid_body), not as a whole one to verify (401)', async () => {
    const outcomes: Array<[number, string | undefined]> = []
    const { client, close } = await http2Exchange({ onDelivery: (outcome) => void outcomes.push([outcome.status, outcome.code]) })
    try {
      const stream = client.request({ ':method': 'POST', ':path': '/webhooks', 'content-type': 'application/json' })
      stream.on('error', () => {})
      stream.write('{"event":"contact.created","data":')
      await new Promise((resolve) => setTimeout(resolve, 50))
      stream.destroy() // RST_STREAM CANCEL, without END_STREAM
      await expect.poll(() => outcomes).toEqual([[400, 'invalid_body']])
    } finally {
      await close()
    }
  })

  it('reads an HTTP/2 stream reset before the receiver began to read it as cut off (400 invalid_body), not as read by a body parser (500)', async () => {
    const outcomes: Array<[number, string | undefined]> = []
    const { client, close } = await http2Exchange({ listenerAfterMs: 150, onDelivery: (outcome) => void outcomes.push([outcome.status, outcome.code]) })
    try {
      const stream = client.request({ ':method': 'POST', ':path': '/webhooks', 'content-type': 'application/json' })
      stream.on('error', () => {})
      stream.write('{"event":"contact.created","data":')
      await new Promise((resolve) => setTimeout(resolve, 50))
      // Node drops a reset stream's unread data and ends the request: ended, unread by anyone.
      stream.destroy()
      await expect.poll(() => outcomes).toEqual([[400, 'invalid_body']])
    } finally {
      await close()
    }
  })

  it("answers a 1xx from a provider's own handshake 500, as receiver.fetch does: it is not a final answer", async () => {
    for (const status of [101, 103]) {
      const answered = await exchange(await serve(async () => ({ status, headers: {}, body: 'early' })), 'POST')
      expect([answered.status, JSON.parse(answered.body).error.code]).toEqual([500, 'internal_error'])
    }
  })

  it('ends the connection when the failure comes after the headers went out', async () => {
    const url = await serve(
      async () => ({ status: 200, headers: {}, body: 'ok' }),
      (response) => {
        response.end = () => {
          throw new Error('the socket failed mid-write')
        }
      },
    )
    // Not the 2 s timeout: the connection ended with no answer.
    await expect(fetch(url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(2_000) }).then((response) => response.text())).rejects.toThrow('fetch failed')
  })
})

describe('createNodeListener framing', () => {
  it('sends Content-Length, the UTF-8 byte length of the body, and never chunked', async () => {
    const answers: WebhookResponse[] = [
      { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"ok":true,"event":"café 🎉"}' },
      { status: 202, headers: {}, body: '' },
    ]
    for (const answer of answers) {
      const { status, framing, body } = await exchange(await serve(async () => answer), 'POST')
      const contentLength = String(Buffer.byteLength(answer.body))
      expect({ status, framing, body }).toEqual({ status: answer.status, framing: { 'content-length': [contentLength] }, body: answer.body })
    }
  })

  it("frames the receiver's own answers so, and the 500 it writes when Node refuses an answer", async () => {
    const receiver = createReceiver({ provider: customermates, secret: 's' })
    const unsigned = await exchange(await serve((request) => receiver.handleNodeRequest(request)), 'POST')
    expect([unsigned.status, unsigned.framing]).toEqual([401, { 'content-length': [String(Buffer.byteLength(unsigned.body))] }])
    // With a header the app set first, Node sets the refused answer's headers one by one until the bad one.
    const refusedAnswer = { status: 200, headers: { 'content-length': '2', 'x-token': 'a\nb' }, body: 'ok' }
    const refused = await exchange(await serve(async () => refusedAnswer, (response) => response.setHeader('x-app', '1')), 'POST')
    expect([refused.status, refused.framing, JSON.parse(refused.body).error.code]).toEqual([
      500,
      { 'content-length': [String(Buffer.byteLength(refused.body))] },
      'internal_error',
    ])
  })

  it('sends no content and no Content-Length for 204 and 304, and Content-Length: 0 with no content for 205', async () => {
    // 205 is not bodiless by its status in HTTP/1.1 framing (RFC 9112 section 6.3), so without a length Node would
    // frame its empty content chunked; RFC 9110 section 15.3.6 forbids content in it, whatever the handshake gave.
    const expected = { 204: {}, 205: { 'content-length': ['0'] }, 304: {} }
    for (const status of [204, 205, 304] as const) {
      const answered = await exchange(await serve(async () => ({ status, headers: {}, body: 'not sent' })), 'POST')
      expect([answered.status, answered.framing, answered.body]).toEqual([status, expected[status], ''])
    }
  })

  it('answers HEAD without Content-Length: the answer to HEAD is not the one GET would get (RFC 9110 section 8.6)', async () => {
    const receiver = createReceiver({ provider: customermates, secret: 's' })
    const url = await serve((request) => receiver.handleNodeRequest(request))
    const head = await exchange(url, 'HEAD')
    expect([head.status, head.framing, head.body]).toEqual([405, {}, ''])
  })

  it("frames a provider handshake's answer by what is sent, whatever Content-Length or Transfer-Encoding it held", async () => {
    // The pipeline leaves the handshake's own framing out: a 205's length would count a body that is not sent.
    const cases = [
      [{ status: 200, headers: { 'Content-Length': '99' }, body: 'ok' }, { 'content-length': ['2'] }, 'ok'],
      [{ status: 205, headers: { 'content-length': '2' }, body: 'ok' }, { 'content-length': ['0'] }, ''],
      [{ status: 204, headers: { 'Content-Length': '2', 'Transfer-Encoding': 'chunked' }, body: 'ok' }, {}, ''],
    ] as const
    for (const [answer, framing, body] of cases) {
      const receiver = createReceiver({ provider: { ...customermates, handshake: () => ({ ...answer, headers: { ...answer.headers } }) }, secret: 's' })
      const delivery = await buildSampleDelivery('customermates', 'contact.created', { secret: 's' })
      const answered = await exchange(await serve((request) => receiver.handleNodeRequest(request)), 'POST', delivery)
      expect([answered.status, answered.framing, answered.body]).toEqual([answer.status, framing, body])
    }
  })

  it('writes its own Content-Length over one the app set, and keeps a Transfer-Encoding the app set, adding no length beside it', async () => {
    const answer = async () => ({ status: 200, headers: {}, body: 'ok' })
    const lengthSetByTheApp = await exchange(await serve(answer, (response) => response.setHeader('Content-Length', '99')), 'POST')
    expect([lengthSetByTheApp.framing, lengthSetByTheApp.body]).toEqual([{ 'content-length': ['2'] }, 'ok'])
    const chunkedByTheApp = await exchange(await serve(answer, (response) => response.setHeader('Transfer-Encoding', 'chunked')), 'POST')
    expect([chunkedByTheApp.framing, chunkedByTheApp.body]).toEqual([{ 'transfer-encoding': ['chunked'] }, 'ok'])
  })
})
