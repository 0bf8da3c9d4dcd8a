/**
 * Seed 003's GET and DELETE workflow actions over real HTTP, through node:http and each framework adapter:
 * the reference sender puts the fields in the query string and signs its raw bytes, the receiver verifies
 * those bytes as the adapter hands the URL over, and the same signed headers replayed with another query
 * are refused.
 */
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type WebhookEvent, createReceiver } from '@crm-webhooks/core'
import { workflowPlatform } from '@crm-webhooks/core/providers'
import { createSender } from '@crm-webhooks/sender'
import * as z from 'zod'
import { FRAMEWORKS, type RunningServer, startServer } from './start-server.js'

const SECRET = 'round-trip-workflow-platform'

/** Sends a raw request target as is (fetch would percent-encode what the WHATWG URL parser encodes). */
function sendRaw(url: string, method: string, target: string, headers: Record<string, string>) {
  const { host, port } = new URL(url)
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const outgoing = httpRequest({ host: host.replace(/:\d+$/, ''), port, method, path: target, headers }, (response) => {
      let body = ''
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode!, body }))
    })
    outgoing.on('error', reject).end()
  })
}

describe.each(FRAMEWORKS)('GET and DELETE workflow actions, sender -> receiver through %s', (framework) => {
  const handled: WebhookEvent[] = []
  const receiver = createReceiver({
    provider: workflowPlatform,
    secret: SECRET,
    events: { 'lead.qualified': z.looseObject({ email: z.string(), score: z.coerce.number() }) },
  }).onAny((event) => void handled.push(event))
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer(framework, receiver, { host: '127.0.0.1', port: 0, path: '/webhooks' })
  })
  afterAll(() => server.close(1_000))

  it.each(['GET', 'DELETE'])('%s: verified over the query, its fields parsed and validated; a tampered replay is 401', async (method) => {
    // A configured URL with a query of its own: that part is sent, parsed and signed as well.
    const sender = createSender({ provider: workflowPlatform, secret: SECRET, url: `${server.url}?source=crm`, method, retry: { maxRetries: 0 } })
    const before = handled.length
    const result = await sender.send({ type: 'lead.qualified', data: { email: 'sam.rivera@example.com', score: '87' } })
    expect(result.attempts[0]?.responseBody).toMatch(/"ok":true,"event":"lead.qualified"/)
    expect(result).toMatchObject({ ok: true, status: 200 })
    expect(handled).toHaveLength(before + 1)
    expect(handled.at(-1)!.data).toMatchObject({ source: 'crm', email: 'sam.rivera@example.com', score: 87 })

    // The same signed headers, replayed with another value in the query.
    const { request } = await sender.compose({ type: 'lead.qualified', data: { email: 'sam.rivera@example.com', score: '1' } })
    const target = request.url.slice(request.url.indexOf('/', 'http://'.length))
    const tampered = await sendRaw(server.url, method, target.replace('score=1', 'score=100'), { ...request.headers })
    expect([tampered.status, JSON.parse(tampered.body).error?.code]).toEqual([401, 'invalid_signature'])
    expect((await sendRaw(server.url, method, target, { ...request.headers })).status).toBe(200)
    expect(handled).toHaveLength(before + 2)
  })

  it('verifies the query bytes as sent, an unencoded quote included', async () => {
    const query = "event=lead.qualified&email=sam%40example.com&score=5&note=Sam+O'Brien"
    const signature = await workflowPlatform.scheme.sign({ body: query }, SECRET)
    const response = await sendRaw(server.url, 'GET', `/webhooks?${query}`, signature)
    // Every adapter here runs on Node, where the core reads req.url: the bytes on the wire.
    expect(response.status).toBe(200)
    expect(handled.at(-1)).toMatchObject({ type: 'lead.qualified', data: { note: "Sam O'Brien", score: 5 } })
  })
})

describe('GET workflow actions through receiver.fetch (Bun, Deno, Workers)', () => {
  it("sees the URL the WHATWG parser normalized: an unencoded quote arrives as %27 and fails verification (documented)", async () => {
    const receiver = createReceiver({
      provider: workflowPlatform,
      secret: SECRET,
      events: { 'lead.qualified': z.looseObject({ email: z.string(), note: z.string() }) },
    })
    const sign = (query: string) => workflowPlatform.scheme.sign({ body: query }, SECRET)
    const encoded = 'event=lead.qualified&email=sam%40example.com&note=Sam+O%27Brien'
    const ok = await receiver.fetch(new Request(`http://receiver.test/webhooks?${encoded}`, { headers: await sign(encoded) }))
    expect(ok.status).toBe(200)
    const unencoded = "event=lead.qualified&email=sam%40example.com&note=Sam+O'Brien"
    const refused = await receiver.fetch(new Request(`http://receiver.test/webhooks?${unencoded}`, { headers: await sign(unencoded) }))
    expect(refused.status).toBe(401)
  })
})
