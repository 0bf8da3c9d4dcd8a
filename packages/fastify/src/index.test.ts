import { createReceiver } from '@crm-webhooks/core'
import {
  CONFORMANCE_SECRET,
  type ConformanceEntry,
  badInputCases,
  conformanceProvider,
  runConformanceSuite,
  signedRequest,
} from '@crm-webhooks/core/testing'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { crmWebhooks } from './index.js'

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

  it('answers with the core code, not a Fastify one, for a body over the receiver limit', async () => {
    const app = Fastify()
    const small = createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET, maxBodyBytes: 64 })
    await app.register(crmWebhooks, { receiver: small })
    const response = await inject(app, '/webhooks', 'evt_too_big')
    expect(response.statusCode).toBe(413)
    expect(response.json()).toMatchObject({ ok: false, error: { code: 'payload_too_large' } })
  })
})
