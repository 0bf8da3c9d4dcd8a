import { createServer } from 'node:http'
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
