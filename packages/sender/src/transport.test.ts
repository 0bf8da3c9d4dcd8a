import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RESPONSE_BODY_LIMIT } from './delivery-log.js'
import { createManualClock } from './manual-clock.js'
import { createFetchTransport, parseRetryAfter } from './transport.js'

const request = { method: 'POST', url: 'http://127.0.0.1:9/hook', headers: { 'content-type': 'application/json' }, body: '{}' }

describe('createFetchTransport', () => {
  it('aborts an attempt at its timeout, on the injected clock', async () => {
    const clock = createManualClock()
    let seenSignal: AbortSignal | undefined
    const hangingFetch: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => {
        seenSignal = init!.signal!
        seenSignal.addEventListener('abort', () => reject(seenSignal!.reason))
      })
    const transport = createFetchTransport({ fetch: hangingFetch, clock })
    const result = await clock.runUntilSettled(transport(request, { timeoutMs: 30_000 }))
    expect(result).toMatchObject({ error: 'timeout', durationMs: 30_000 })
    expect(result.status).toBeUndefined()
    expect(result.responseBody).toMatch(/30000 ms/)
    expect(seenSignal?.aborted).toBe(true)
    expect(clock.pendingTimers).toBe(0)
  })

  it('cancels an attempt in flight when its signal aborts', async () => {
    const clock = createManualClock()
    const hangingFetch: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => init!.signal!.addEventListener('abort', () => reject(init!.signal!.reason)))
    const closing = new AbortController()
    const attempt = createFetchTransport({ fetch: hangingFetch, clock })(request, { timeoutMs: 30_000, signal: closing.signal })
    closing.abort()
    const result = await attempt
    expect(result).toMatchObject({ error: 'cancelled', durationMs: 0 })
    expect(clock.pendingTimers).toBe(0)
  })

  it('keeps only the first 1000 characters of a response body', async () => {
    const clock = createManualClock()
    const body = 'x'.repeat(5000)
    const transport = createFetchTransport({ fetch: async () => new Response(body, { status: 500 }), clock })
    const result = await clock.runUntilSettled(transport(request, { timeoutMs: 5_000 }))
    expect(result.status).toBe(500)
    expect(result.responseBody).toHaveLength(RESPONSE_BODY_LIMIT)
    expect(clock.pendingTimers).toBe(0)
  })

  it('keeps a surrogate pair the limit would halve out of the body whole, rather than half of it', async () => {
    const clock = createManualClock()
    const body = `${'a'.repeat(RESPONSE_BODY_LIMIT - 1)}\u{1F600} rest of the error`
    const transport = createFetchTransport({ fetch: async () => new Response(body, { status: 500 }), clock })
    const result = await clock.runUntilSettled(transport(request, { timeoutMs: 5_000 }))
    expect(result.responseBody).toBe('a'.repeat(RESPONSE_BODY_LIMIT - 1))
  })

  it('reports a refused connection as a network error with its cause', async () => {
    const transport = createFetchTransport()
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    await new Promise((resolve) => server.close(resolve)) // the port is now closed
    const result = await transport({ ...request, url: `http://127.0.0.1:${port}/hook` }, { timeoutMs: 5_000 })
    expect(result.error).toBe('network')
    expect(result.responseBody).toMatch(/ECONNREFUSED/)
  })
})

describe('createFetchTransport over loopback', () => {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      if (req.url === '/redirect') return void res.writeHead(302, { location: '/elsewhere' }).end()
      if (req.url === '/busy') return void res.writeHead(503, { 'retry-after': '7' }).end('busy')
      res.writeHead(201, { 'content-type': 'text/plain' }).end(`${req.method} ${req.headers['x-test']} ${Buffer.concat(chunks)}`)
    })
  })
  let base = ''
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise((resolve) => server.close(resolve)))

  it('sends the method, headers and exact body, and reads the answer', async () => {
    const result = await createFetchTransport()(
      { method: 'PUT', url: `${base}/hook`, headers: { 'x-test': 'yes' }, body: '{"a":1}' },
      { timeoutMs: 5_000 },
    )
    expect(result).toMatchObject({ status: 201, responseBody: 'PUT yes {"a":1}' })
    expect(result.durationMs).toBeGreaterThanOrEqual(0)
  })

  it("reports a response's Retry-After in ms", async () => {
    const result = await createFetchTransport()({ ...request, url: `${base}/busy` }, { timeoutMs: 5_000 })
    expect(result).toMatchObject({ status: 503, retryAfterMs: 7_000 })
  })

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    const result = await createFetchTransport()({ ...request, url: `${base}/redirect` }, { timeoutMs: 5_000 })
    expect(result.status).toBe(302)
  })
})

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('2026-12-05T08:00:00Z')
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter(' 0 ', now)).toBe(0)
    expect(parseRetryAfter('Sat, 05 Dec 2026 08:01:30 GMT', now)).toBe(90_000)
    expect(parseRetryAfter('Sat, 05 Dec 2026 07:00:00 GMT', now)).toBe(0)
    // RFC 9110's obsolete forms, which a recipient must still accept; asctime names no zone and is GMT.
    expect(parseRetryAfter('Saturday, 05-Dec-26 08:01:30 GMT', now)).toBe(90_000)
    expect(parseRetryAfter('Sat Dec  5 08:01:30 2026', now)).toBe(90_000)
    // V8's Date.parse reads a date into these; they are not HTTP dates.
    for (const bad of [null, '', '-5', '1.5', 'soon', '2026-12-05', 'soon 5', 'Mon 2', 'Sat, 05 Dec 2026 08:01:30', '5 Dec 2026 08:01:30 GMT']) {
      expect(parseRetryAfter(bad, now)).toBeUndefined()
    }
  })
})
