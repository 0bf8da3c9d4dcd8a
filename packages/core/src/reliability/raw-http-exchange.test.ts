import { createServer } from 'node:http'
import type { Duplex } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { listenOnLoopback } from '../testing/listen-on-loopback.js'
import { rawHttpExchange, requestHead } from './raw-http-exchange.js'

/** A keep-alive server answering every request with `status` and, unless bodiless, `ok`. */
async function answering(status: number) {
  return listenOnLoopback(
    createServer((request, response) => {
      request.resume()
      request.on('end', () => {
        response.writeHead(status, { 'content-type': 'text/plain', 'content-length': '2' })
        response.end(status === 204 || status === 304 || request.method === 'HEAD' ? undefined : 'ok')
      })
    }),
  )
}

describe('rawHttpExchange', () => {
  // Each answer leaves the connection open: the exchange must know where the response ends without a close.
  it.each([
    ['a 204', 'POST', 204, ''],
    ['a 304', 'GET', 304, ''],
    ['a HEAD answer with a Content-Length', 'HEAD', 200, ''],
    ['a 200 with a body', 'POST', 200, 'ok'],
  ] as const)('resolves with %s on a kept-alive connection', async (_, method, status, body) => {
    const { url, close } = await answering(status)
    try {
      const response = await rawHttpExchange(url, [requestHead(method, url, { 'content-length': '0' })], { timeoutMs: 2_000 })
      expect(response).toMatchObject({ status, body })
    } finally {
      await close()
    }
  })

  it('recognises a HEAD request whose request line comes in pieces', async () => {
    const { url, close } = await answering(200)
    try {
      const head = requestHead('HEAD', url, {})
      const response = await rawHttpExchange(url, ['HEA', { pauseMs: 10 }, head.slice(3)], { timeoutMs: 2_000 })
      expect(response).toMatchObject({ status: 200, body: '' })
    } finally {
      await close()
    }
  })

  it('ends a 101 Switching Protocols with its head, the connection left open', async () => {
    const upgraded: Duplex[] = []
    const server = createServer()
    server.on('upgrade', (_request, socket: Duplex) => {
      upgraded.push(socket)
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n')
    })
    const { url, close } = await listenOnLoopback(server)
    try {
      const head = requestHead('GET', url, { upgrade: 'echo', connection: 'Upgrade' })
      expect(await rawHttpExchange(url, [head], { timeoutMs: 2_000 })).toMatchObject({ status: 101, body: '' })
    } finally {
      // An upgraded connection is no longer the server's to close.
      for (const socket of upgraded) socket.destroy()
      await close()
    }
  })

  it('refuses a URL other than plain http:', async () => {
    await expect(rawHttpExchange('https://127.0.0.1/webhooks', [])).rejects.toThrow(TypeError)
  })

  it('passes over an interim 100 Continue to the response', async () => {
    const { url, close } = await answering(200)
    try {
      const head = requestHead('POST', url, { 'content-length': '2', expect: '100-continue' })
      const response = await rawHttpExchange(url, [head, { pauseMs: 50 }, '{}'], { timeoutMs: 2_000 })
      expect(response).toMatchObject({ status: 200, body: 'ok' })
    } finally {
      await close()
    }
  })
})
