import { createHmac } from 'node:crypto'
import { createServer } from 'node:http'
import { connect } from 'node:net'
import { PassThrough, type Readable } from 'node:stream'
import { createGunzip, gzipSync } from 'node:zlib'
import { type DeliveryOutcome, createNodeListener, createReceiver } from '@crm-webhooks/core'
import { workflowPlatform } from '@crm-webhooks/core/providers'
import {
  CONFORMANCE_SECRET,
  type ConformanceEntry,
  badInputCases,
  conformanceProvider,
  listenOnLoopback,
  runConformanceSuite,
  signedRequest,
} from '@crm-webhooks/core/testing'
import Fastify, { type FastifyInstance } from 'fastify'
import fastifyRawBody from 'fastify-raw-body'
import { describe, expect, it, vi } from 'vitest'
import { type CrmWebhooksOptions, crmWebhooks } from './index.js'

const realListen: ConformanceEntry = {
  name: 'Fastify 5 (listen)',
  // The plugin owns parsing on its route, so no app-wide parser can take the bytes from it.
  supports: { bodyParsers: ['keeps-raw-body'] },
  async start(receiver, { bodyParser }) {
    const app = Fastify()
    if (bodyParser === 'keeps-raw-body') {
      // App-wide parsers of the app's own, registered before the plugin: they must not reach its route.
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
        done(null, Object.fromEntries(new URLSearchParams(String(body)))),
      )
    }
    await app.register(crmWebhooks, { receiver, path: '/webhooks' })
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    return { url: `${address}/webhooks`, close: () => app.close() }
  },
}

runConformanceSuite(realListen)
runConformanceSuite({ ...realListen, name: 'Fastify 5 (listen, bad input)' }, { cases: badInputCases })

/**
 * An app whose own hooks take the request stream before the route runs (`addAppHooks`), and an async
 * preHandler, so the body has flowed wherever those hooks send it by the time the plugin reads.
 */
function listenBehindHooks(name: string, addAppHooks: (app: FastifyInstance) => unknown): ConformanceEntry {
  return {
    name: `Fastify 5 (listen, ${name})`,
    async start(receiver) {
      const app = Fastify()
      await addAppHooks(app)
      app.addHook('preHandler', async () => {
        await new Promise((resolve) => setTimeout(resolve, 5))
      })
      await app.register(crmWebhooks, { receiver, path: '/webhooks' })
      const address = await app.listen({ port: 0, host: '127.0.0.1' })
      return { url: `${address}/webhooks`, close: () => app.close() }
    },
  }
}

const replaceTheStream = async (_request: unknown, _reply: unknown, payload: Readable) => payload.pipe(new PassThrough())

/** A preParsing hook that hands Fastify a stream of its own (a byte counter's), added app-wide. */
const hookedListen = listenBehindHooks('an app-wide preParsing hook replacing the stream', (app) => app.addHook('preParsing', replaceTheStream))
/** The same hook added to each route through onRoute (how plugins attach route hooks): it runs after the plugin scope's own. */
const routeHookedListen = listenBehindHooks('a route-level preParsing hook added through onRoute', (app) =>
  app.addHook('onRoute', (route) => {
    route.preParsing = [route.preParsing ?? []].flat().concat(replaceTheStream)
  }),
)
/** fastify-raw-body registered app-wide: its preParsing hook reads the request stream beside the route's. */
const rawBodyPluginListen = listenBehindHooks('fastify-raw-body global', (app) => app.register(fastifyRawBody, { global: true, encoding: false }))

runConformanceSuite(hookedListen)
runConformanceSuite(routeHookedListen)
runConformanceSuite(rawBodyPluginListen)
runConformanceSuite({ ...hookedListen, name: `${hookedListen.name} (bad input)` }, { cases: badInputCases })

describe('Fastify specifics (app.inject)', () => {
  const receiver = () => createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET })

  async function inject(app: ReturnType<typeof Fastify>, url: string, id: string) {
    const request = await signedRequest({ id })
    return app.inject({ method: 'POST', url, headers: request.headers, payload: String(request.body) })
  }

  it('keeps the JSON parser of the rest of the app', async () => {
    const app = Fastify()
    await app.register(crmWebhooks, { receiver: receiver() })
    app.post('/api/echo', async (request) => ({ echoed: request.body }))
    expect((await inject(app, '/webhooks', 'evt_1')).statusCode).toBe(200)
    const echo = await app.inject({ method: 'POST', url: '/api/echo', payload: { a: 1 } })
    expect(echo.json()).toEqual({ echoed: { a: 1 } })
  })

  it('an app-wide preParsing hook that reads the body and hands on nothing left to read: 500 body_already_parsed', async () => {
    const app = Fastify()
    app.addHook('preParsing', async (_request, _reply, payload) => {
      for await (const _chunk of payload) {
        // Read and kept nowhere: the bytes the sender signed are gone.
      }
      return payload
    })
    await app.register(crmWebhooks, { receiver: receiver() })
    const response = await inject(app, '/webhooks', 'evt_read_by_hook')
    expect({ status: response.statusCode, code: response.json().error.code }).toEqual({ status: 500, code: 'body_already_parsed' })
  })

  it("an app-wide preParsing hook that only listens to the stream it hands on: 500 body_already_parsed (what flowed is gone)", async () => {
    const app = Fastify()
    let counted = 0
    app.addHook('preParsing', async (_request, _reply, payload) => {
      payload.on('data', (chunk: Buffer) => void (counted += chunk.length))
      return payload
    })
    // An async hook between the two: the body flows past while it waits.
    app.addHook('preHandler', () => new Promise<void>((resolve) => setTimeout(resolve, 50)))
    await app.register(crmWebhooks, { receiver: receiver() })
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const request = await signedRequest({ id: 'evt_listened_to' })
      const response = await fetch(`${address}/webhooks`, { method: 'POST', headers: request.headers, body: String(request.body) })
      expect([response.status, ((await response.json()) as { error: { code: string } }).error.code]).toEqual([500, 'body_already_parsed'])
      expect(counted).toBe(Buffer.byteLength(String(request.body)))
    } finally {
      await app.close()
    }
  })

  it("an app-wide preParsing hook that inflates a gzip body and deletes its Content-Encoding: the inflated bytes are verified", async () => {
    const app = Fastify()
    // Fastify's documented pattern for compressed request bodies.
    app.addHook('preParsing', async (request, _reply, payload) => {
      if (request.headers['content-encoding'] !== 'gzip') return payload
      delete request.headers['content-encoding']
      return payload.pipe(createGunzip())
    })
    await app.register(crmWebhooks, { receiver: receiver() })
    const send = async (id: string, tamper: boolean) => {
      const request = await signedRequest({ id })
      const body = tamper ? String(request.body).replace(id, `${id}x`) : String(request.body)
      const headers = { ...request.headers, 'content-encoding': 'gzip' }
      const response = await app.inject({ method: 'POST', url: '/webhooks', headers, payload: gzipSync(body) })
      return [response.statusCode, response.json().ok]
    }
    expect(await send('evt_gzipped', false)).toEqual([200, true])
    expect(await send('evt_gzipped_tampered', true)).toEqual([401, false])
  })

  it('registers twice on two paths (one receiver per provider) without clashing', async () => {
    const app = Fastify()
    await app.register(crmWebhooks, { receiver: receiver(), path: '/hooks/a' })
    await app.register(crmWebhooks, { receiver: receiver(), path: '/hooks/b' })
    expect((await inject(app, '/hooks/a', 'evt_a')).statusCode).toBe(200)
    expect((await inject(app, '/hooks/b', 'evt_b')).statusCode).toBe(200)
  })

  it('refuses the same path twice at startup', async () => {
    const app = Fastify()
    app.register(crmWebhooks, { receiver: receiver() })
    app.register(crmWebhooks, { receiver: receiver() })
    await expect(app.ready()).rejects.toMatchObject({ code: 'FST_ERR_DUPLICATED_ROUTE' })
  })

  it('honours the prefix it is registered under and exposes the answer to onResponse hooks', async () => {
    const app = Fastify()
    const codes: unknown[] = []
    app.addHook('onResponse', async (request) => void codes.push(request.webhookResponse?.status ?? null))
    await app.register(async (api) => api.register(crmWebhooks, { receiver: receiver() }), { prefix: '/v1' })
    app.get('/health', async () => 'ok')
    expect((await inject(app, '/v1/webhooks', 'evt_prefixed')).statusCode).toBe(200)
    await app.inject('/health')
    expect(codes).toEqual([200, null])
  })

  it('outside the scope it is registered in, request.webhookResponse is undefined; null on the rest of that scope', async () => {
    const app = Fastify()
    const seen: Record<string, unknown> = {}
    app.addHook('onResponse', async (request) => void (seen[request.url] = request.webhookResponse))
    await app.register(
      async (api) => {
        await api.register(crmWebhooks, { receiver: receiver() })
        api.get('/status', async () => 'ok')
      },
      { prefix: '/v1' },
    )
    app.get('/health', async () => 'ok')
    await inject(app, '/v1/webhooks', 'evt_scoped')
    await app.inject('/v1/status')
    await app.inject('/health')
    expect(seen).toEqual({ '/v1/webhooks': expect.objectContaining({ status: 200 }), '/v1/status': null, '/health': undefined })
  })

  it('answers 405 for a method the app added with addHttpMethod; one Fastify does not know is its own 404', async () => {
    const app = Fastify()
    app.addHttpMethod('PROPFIND', { hasBody: true })
    await app.register(crmWebhooks, { receiver: receiver() })
    const added = await app.inject({ method: 'PROPFIND' as 'GET', url: '/webhooks', payload: '{}', headers: { 'content-type': 'application/json' } })
    expect([added.statusCode, added.json().error.code, added.headers.allow]).toEqual([405, 'method_not_allowed', 'POST'])
    expect((await app.inject({ method: 'PURGE' as 'GET', url: '/webhooks' })).statusCode).toBe(404)
  })

  it('answers a QUERY 405 with or without a Content-Type (Fastify answers one without its own 400 before any handler)', async () => {
    const app = Fastify()
    await app.register(crmWebhooks, { receiver: receiver() })
    for (const headers of [{}, { 'content-type': 'application/json' }]) {
      const answer = await app.inject({ method: 'QUERY' as 'GET', url: '/webhooks', payload: '{}', headers })
      expect([answer.statusCode, answer.json().error.code, answer.headers.allow]).toEqual([405, 'method_not_allowed', 'POST'])
    }
  })

  it('honours a prefix given to register itself, under the prefix of its scope', async () => {
    const app = Fastify()
    await app.register(crmWebhooks, { receiver: receiver(), prefix: '/crm' })
    await app.register(async (api) => api.register(crmWebhooks, { receiver: receiver(), prefix: '/crm' }), { prefix: '/v2' })
    expect((await inject(app, '/crm/webhooks', 'evt_own_prefix')).statusCode).toBe(200)
    expect((await inject(app, '/v2/crm/webhooks', 'evt_nested_prefix')).statusCode).toBe(200)
    expect((await inject(app, '/webhooks', 'evt_unprefixed')).statusCode).toBe(404)
  })

  it.each([
    ['mid-body', 0],
    // The core's read begins only after the connection has closed.
    ['while an async hook awaited', 300],
  ])('behind a stream-replacing hook, a sender gone %s is answered at once (400), not at the body deadline', async (_, hookWaitMs) => {
    const outcomes: DeliveryOutcome[] = []
    const app = Fastify()
    app.addHook('preParsing', async (_request, _reply, payload) => payload.pipe(new PassThrough()))
    if (hookWaitMs > 0) {
      app.addHook('preHandler', async () => {
        await new Promise((resolve) => setTimeout(resolve, hookWaitMs))
      })
    }
    const observed = createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET, onDelivery: (outcome) => void outcomes.push(outcome) })
    await app.register(crmWebhooks, { receiver: observed })
    const port = Number(new URL(await app.listen({ port: 0, host: '127.0.0.1' })).port)
    try {
      const startedAt = Date.now()
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"event":')
        setTimeout(() => socket.destroy(), 50)
      })
      socket.on('error', () => {})
      await vi.waitFor(() => expect(outcomes).toHaveLength(1), { timeout: 5_000 })
      expect({ status: outcomes[0]!.status, code: outcomes[0]!.error?.code }).toEqual({ status: 400, code: 'invalid_body' })
      // The body deadline is 10 s: the answer came when the connection closed, or as soon as the read began.
      expect(Date.now() - startedAt).toBeLessThan(5_000)
    } finally {
      await app.close()
    }
  })

  it('behind an app-wide and a route-level stream-replacing hook, a bodiless GET signed over its query is verified', async () => {
    // The app-wide hook's stream is what the plugin's scope hook keeps; the route-level one (after it) pipes
    // that stream away, and Fastify runs no parser for a GET to hand the plugin the last one.
    const secret = 'wp-query-secret'
    const query = 'event_id=evt_two_hooks&name=x'
    const signature = createHmac('sha256', secret).update(query).digest('hex')
    const app = Fastify()
    app.addHook('preParsing', replaceTheStream)
    app.addHook('onRoute', (route) => {
      route.preParsing = [route.preParsing ?? []].flat().concat(replaceTheStream)
    })
    app.addHook('preHandler', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5))
    })
    await app.register(crmWebhooks, { receiver: createReceiver({ provider: workflowPlatform, secret }).onAny(() => {}) })
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      for (const method of ['GET', 'DELETE']) {
        const response = await fetch(`${address}/webhooks?${query}`, { method, headers: { 'x-hmac-signature': signature } })
        expect({ method, status: response.status, body: await response.json() }).toMatchObject({ method, status: 202, body: { ok: true, id: 'evt_two_hooks' } })
      }
    } finally {
      await app.close()
    }
  })

  // @fastify/express 4 sets request.raw.url to decodeURI(url) in an onRequest hook, keeping the wire target in
  // request.raw.originalUrl: every signed GET or DELETE of the workflow platform was a 401 behind it.
  it('verifies a signed query over the URL as it arrived, whatever a hook (@fastify/express) or rewriteUrl made of request.raw.url', async () => {
    const secret = 'wp-query-secret'
    const query = 'event_id=evt_rewritten&data=%7B%22id%22%3A%22c_1%22%7D&note=a%20b'
    const signature = createHmac('sha256', secret).update(query).digest('hex')
    const decodingHook = Fastify()
    decodingHook.addHook('onRequest', async (request) => {
      const raw = request.raw as typeof request.raw & { originalUrl?: string }
      raw.originalUrl = raw.url
      raw.url = decodeURI(raw.url!)
    })
    const rewriting = Fastify({ rewriteUrl: (request) => request.url!.replace(/^\/hooks\//, '/webhooks') })
    for (const [app, path] of [[decodingHook, '/webhooks'], [rewriting, '/hooks/']] as const) {
      await app.register(crmWebhooks, { receiver: createReceiver({ provider: workflowPlatform, secret }).onAny(() => {}) })
      const address = await app.listen({ port: 0, host: '127.0.0.1' })
      try {
        for (const method of ['GET', 'DELETE']) {
          const response = await fetch(`${address}${path}?${query}`, { method, headers: { 'x-hmac-signature': signature } })
          expect({ path, method, status: response.status, body: await response.json() }).toMatchObject({ path, method, status: 202, body: { ok: true, id: 'evt_rewritten' } })
        }
      } finally {
        await app.close()
      }
    }
  })

  it('fastify-raw-body registered globally skips the webhook route and keeps the raw body on the others', async () => {
    const app = Fastify()
    await app.register(fastifyRawBody, { global: true, encoding: false })
    await app.register(crmWebhooks, { receiver: receiver() })
    const rawBodies: unknown[] = []
    app.addHook('onResponse', async (request) => void rawBodies.push(request.rawBody))
    app.post('/api/echo', async (request) => ({ rawBody: String(request.rawBody) }))
    expect((await inject(app, '/webhooks', 'evt_raw_body_plugin')).statusCode).toBe(200)
    const echo = await app.inject({ method: 'POST', url: '/api/echo', payload: { a: 1 } })
    expect(echo.json()).toEqual({ rawBody: '{"a":1}' })
    expect(rawBodies[0]).toBeUndefined()
  })

  it('answers with the core code, not a Fastify one, for a body over the receiver limit', async () => {
    const app = Fastify()
    const small = createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET, maxBodyBytes: 64 })
    await app.register(crmWebhooks, { receiver: small })
    const response = await inject(app, '/webhooks', 'evt_too_big')
    expect(response.statusCode).toBe(413)
    expect(response.json()).toMatchObject({ ok: false, error: { code: 'payload_too_large' } })
  })
})

describe('Content-Types Fastify cannot parse (it answers them 415 before any parser and the app hooks that follow)', () => {
  // An empty header is JSON to the core; the others are the core's own 415, not FST_ERR_CTP_INVALID_MEDIA_TYPE.
  const contentTypes = ['', ';;;', 'json', 'application/json, text/plain']

  function observedReceiver() {
    const outcomes: DeliveryOutcome[] = []
    const errors: string[] = []
    const receiver = createReceiver({
      provider: conformanceProvider,
      secret: CONFORMANCE_SECRET,
      onDelivery: (outcome) => void outcomes.push(outcome),
      onError: (error) => void errors.push(error.code),
    })
    receiver.onAny(() => {})
    return { receiver, outcomes, errors }
  }

  async function post(url: string, contentType: string, id: string) {
    const request = await signedRequest({ id })
    const headers = { ...request.headers, 'content-type': contentType }
    const response = await fetch(url, { method: 'POST', headers, body: String(request.body) })
    const body = (await response.json()) as { ok: boolean; error?: { code: string } }
    return { status: response.status, code: body.error?.code ?? null }
  }

  it.each(contentTypes)('Content-Type %j reaches the core and gets the node:http answer', async (contentType) => {
    const node = observedReceiver()
    const nodeServer = await listenOnLoopback(createServer(createNodeListener(node.receiver)))
    const fastify = observedReceiver()
    const app = Fastify()
    const answered: unknown[] = []
    app.addHook('onResponse', async (request) => void answered.push(request.webhookResponse?.status))
    await app.register(crmWebhooks, { receiver: fastify.receiver })
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const expected = await post(nodeServer.url, contentType, 'evt_ct')
      expect(expected.status).toBe(contentType === '' ? 200 : 415)
      expect(await post(`${address}/webhooks`, contentType, 'evt_ct')).toEqual(expected)
      expect(fastify.outcomes.map((outcome) => [outcome.status, outcome.code])).toEqual(
        node.outcomes.map((outcome) => [outcome.status, outcome.code]),
      )
      expect(fastify.outcomes).toHaveLength(1)
      expect(fastify.errors).toEqual(node.errors)
      expect(answered).toEqual([expected.status])
    } finally {
      await app.close()
      await nodeServer.close()
    }
  })

  it.each(contentTypes)("Content-Type %j still meets the app's preValidation and preHandler hooks", async (contentType) => {
    // Fastify itself answers such a type before those hooks; the plugin must not run a handler past them.
    for (const stage of ['preValidation', 'preHandler'] as const) {
      const { receiver, outcomes } = observedReceiver()
      const app = Fastify()
      // The hook still reads the request's own headers (the plugin only swapped the content type).
      app.addHook(stage, async (request, reply) => reply.code(403).send({ guard: stage, trace: request.headers['x-trace'] }))
      await app.register(crmWebhooks, { receiver })
      const request = await signedRequest({ id: 'evt_guarded' })
      const headers = { ...request.headers, 'content-type': contentType, 'x-trace': 'abc' }
      const response = await app.inject({ method: 'POST', url: '/webhooks', headers, payload: String(request.body) })
      expect([response.statusCode, response.json()]).toEqual([403, { guard: stage, trace: 'abc' }])
      expect(outcomes).toEqual([])
      await app.close()
    }
  })

  it.each(contentTypes)('Content-Type %j reaches the core even when a later hook replaces request.headers', async (contentType) => {
    // Fastify's setter replaces what the plugin's swap laid over the request's headers: an app-wide preParsing
    // hook setting its own made Fastify read the refused type again and answer its own 415.
    const { receiver, outcomes } = observedReceiver()
    const app = Fastify()
    app.addHook('preParsing', async (request, _reply, payload) => {
      request.headers = { 'x-tenant': 'acme' }
      return payload
    })
    await app.register(crmWebhooks, { receiver })
    const request = await signedRequest({ id: 'evt_headers_replaced' })
    const headers = { ...request.headers, 'content-type': contentType }
    const response = await app.inject({ method: 'POST', url: '/webhooks', headers, payload: String(request.body) })
    expect(response.statusCode).toBe(contentType === '' ? 200 : 415)
    expect(response.json()).toMatchObject(contentType === '' ? { ok: true } : { ok: false, error: { code: 'unsupported_media_type' } })
    expect(outcomes).toHaveLength(1)
    await app.close()
  })

  it.each(contentTypes)('Content-Type %j keeps the headers an app onRequest hook added through request.headers', async (contentType) => {
    // Fastify's setter replaces what an earlier set added: the plugin's swap must add to it, not drop it.
    const app = Fastify()
    app.addHook('onRequest', async (request) => {
      request.headers = { 'x-tenant': 'acme' }
    })
    app.addHook('preHandler', async (request, reply) => reply.code(403).send({ tenant: request.headers['x-tenant'] ?? null }))
    await app.register(crmWebhooks, { receiver: observedReceiver().receiver })
    const request = await signedRequest({ id: 'evt_tenant' })
    const headers = { ...request.headers, 'content-type': contentType }
    const response = await app.inject({ method: 'POST', url: '/webhooks', headers, payload: String(request.body) })
    expect([response.statusCode, response.json()]).toEqual([403, { tenant: 'acme' }])
    await app.close()
  })

  it("leaves the app's own error handler and other routes as Fastify has them", async () => {
    const app = Fastify()
    app.setErrorHandler(async (error: { code?: string; message: string }, _request, reply) =>
      reply.code(418).send({ mine: error.code ?? error.message }),
    )
    app.addHook('preHandler', async (request) => {
      if (request.headers['x-fail'] !== undefined) throw new Error('from the app')
    })
    await app.register(crmWebhooks, { receiver: observedReceiver().receiver })
    app.post('/api/echo', async (request) => ({ echoed: request.body }))
    // Another route: Fastify's own 415, through the app's error handler.
    const other = await app.inject({
      method: 'POST',
      url: '/api/echo',
      headers: { 'content-type': 'json' },
      payload: '{}',
    })
    expect([other.statusCode, other.json()]).toEqual([418, { mine: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }])
    // Any other error on the webhook route still reaches the app's error handler.
    const request = await signedRequest({ id: 'evt_app_error' })
    const headers = { ...request.headers, 'x-fail': '1' }
    const failed = await app.inject({ method: 'POST', url: '/webhooks', headers, payload: String(request.body) })
    expect([failed.statusCode, failed.json()]).toEqual([418, { mine: 'from the app' }])
  })
})

describe('framing (listen)', () => {
  const framing = (response: Response) => [response.status, response.headers.get('content-length'), response.headers.get('transfer-encoding')]

  async function listen(receiver: CrmWebhooksOptions['receiver']) {
    const app = Fastify()
    await app.register(crmWebhooks, { receiver })
    return { app, url: `${await app.listen({ port: 0, host: '127.0.0.1' })}/webhooks` }
  }

  it('frames a body with its Content-Length, and a HEAD answer with none: it is not what GET would get (RFC 9110 section 8.6)', async () => {
    const { app, url } = await listen(createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET }))
    try {
      const request = await signedRequest({ id: 'evt_framed' })
      const delivered = await fetch(url, { method: 'POST', headers: request.headers, body: String(request.body) })
      expect(framing(delivered)).toEqual([200, String(Buffer.byteLength(await delivered.text())), null])
      expect(framing(await fetch(url, { method: 'HEAD' }))).toEqual([405, null, null])
    } finally {
      await app.close()
    }
  })

  it("answers a provider handshake's 1xx or out-of-range status with the core's JSON 500, not a hung or Fastify-shaped reply", async () => {
    for (const status of [103, 99, 700]) {
      const provider = { ...conformanceProvider, handshake: () => ({ status, headers: {}, body: 'early' }) }
      const { app, url } = await listen(createReceiver({ provider, secret: CONFORMANCE_SECRET }))
      try {
        const request = await signedRequest({ id: `evt_handshake_${status}` })
        const answered = await fetch(url, { method: 'POST', headers: request.headers, body: String(request.body), signal: AbortSignal.timeout(3_000) })
        expect([answered.status, await answered.json()]).toEqual([500, { ok: false, error: { code: 'internal_error', message: 'internal error' } }])
      } finally {
        await app.close()
      }
    }
  })

  it('sends no Content-Length with a handshake answering 204 or 304, and 0 with a 205 (no content either way)', async () => {
    for (const [status, contentLength] of [[204, null], [205, '0'], [304, null]] as const) {
      const { app, url } = await listen({ handleNodeRequest: async () => ({ status, headers: {}, body: '' }) })
      try {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
        expect([...framing(response), await response.text()]).toEqual([status, contentLength, null, ''])
      } finally {
        await app.close()
      }
    }
  })
})
