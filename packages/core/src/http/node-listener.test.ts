import { createServer } from 'node:http'
import { connect as http2Connect, createServer as createHttp2Server } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { WebhookResponse } from '../types.js'
import { createNodeListener } from './node-listener.js'

const servers: Array<ReturnType<typeof createServer>> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve).closeAllConnections())))
})

async function serve(answer: () => Promise<WebhookResponse>) {
  const server = createServer(createNodeListener({ handleNodeRequest: answer }))
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`
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

  it('answers a 408 over HTTP/2 without a Connection header, which HTTP/2 has not (Node would warn and drop it)', async () => {
    const { createReceiver } = await import('../receiver.js')
    const { customermates } = await import('../providers/customermates/index.js')
    const warnings: string[] = []
    const onWarning = (warning: Error) => void warnings.push(warning.name)
    process.on('warning', onWarning)
    const server = createHttp2Server(createNodeListener(createReceiver({ provider: customermates, secret: 's', bodyTimeoutMs: 100 })) as never)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const client = http2Connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
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
      client.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('ends the connection when the failure comes after the headers went out', async () => {
    const url = await serve(async () => ({ status: 200, headers: {}, body: Symbol('not a body') as unknown as string }))
    await expect(fetch(url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(2_000) }).then((response) => response.text())).rejects.toThrow()
  })
})
