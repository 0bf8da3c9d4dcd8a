import { createServer } from 'node:http'
import { createReceiver } from '@crm-webhooks/core'
import { buildSampleDelivery, workflowPlatform } from '@crm-webhooks/core/providers'
import {
  CONFORMANCE_SECRET,
  type ConformanceEntry,
  badInputCases,
  conformanceCases,
  conformanceEventBody,
  conformanceProvider,
  listenOnLoopback,
  rawHttpExchange,
  runConformanceSuite,
  signedRequest,
} from '@crm-webhooks/core/testing'
import express5 from 'express'
import express4 from 'express4'
import { afterEach, describe, expect, it } from 'vitest'
import { crmWebhooks, rawBodySaver } from './index.js'

function expressEntry(name: string, express: typeof express5): ConformanceEntry {
  return {
    name,
    supports: { bodyParsers: ['keeps-raw-body', 'drops-raw-body'] },
    async start(receiver, { bodyParser }) {
      const app = express()
      // The app-wide parsers an existing Express app typically has, mounted before the webhook route.
      if (bodyParser === 'keeps-raw-body') {
        app.use(express.json({ verify: rawBodySaver }), express.urlencoded({ extended: false, verify: rawBodySaver }))
      }
      if (bodyParser === 'drops-raw-body') app.use(express.json(), express.urlencoded({ extended: false }))
      app.all('/webhooks', crmWebhooks(receiver))
      return listenOnLoopback(createServer(app))
    },
  }
}

/** The README's recipe for an app with parsers: they run on every path but the webhook's. */
function expressWithParsersElsewhere(name: string, express: typeof express5): ConformanceEntry {
  return {
    name,
    async start(receiver) {
      const app = express()
      const notWebhooks = /^(?!\/webhooks(?:$|[/?]))/i
      app.use(notWebhooks, express.json(), express.urlencoded({ extended: false }))
      app.all('/webhooks', crmWebhooks(receiver))
      return listenOnLoopback(createServer(app))
    },
  }
}

/**
 * Google Cloud Functions' and Firebase's Node runtime (@google-cloud/functions-framework 5, on Express 5) parses
 * every body before user code and keeps the bytes on req.rawBody: these are its parsers, in its order.
 */
function functionsFrameworkEntry(name: string): ConformanceEntry {
  return {
    name,
    async start(receiver) {
      const app = express5()
      const keep = { limit: '1024mb', verify: rawBodySaver }
      app.use(express5.json({ ...keep, type: 'application/cloudevents+json' }), express5.json(keep), express5.text(keep))
      app.use(express5.urlencoded({ ...keep, extended: true }), express5.raw({ ...keep, type: '*/*' }))
      app.all('/webhooks', crmWebhooks(receiver))
      return listenOnLoopback(createServer(app))
    },
  }
}

runConformanceSuite(expressEntry('Express 5', express5))
// Its JSON parser answers a body that does not parse itself (an HTML 400), before crm-webhooks runs.
runConformanceSuite(functionsFrameworkEntry('Express 5 behind the Functions Framework parsers'), {
  cases: conformanceCases.filter((testCase) => !testCase.name.startsWith('invalid JSON')),
})
runConformanceSuite(expressEntry('Express 4', express4))
runConformanceSuite(expressEntry('Express 5 (bad input)', express5), { cases: badInputCases })
runConformanceSuite(expressEntry('Express 4 (bad input)', express4), { cases: badInputCases })
runConformanceSuite(expressWithParsersElsewhere('Express 5 (bad input, app parsers off the webhook path)', express5), { cases: badInputCases })
runConformanceSuite(expressWithParsersElsewhere('Express 4 (bad input, app parsers off the webhook path)', express4), { cases: badInputCases })

describe.each([
  ['Express 5', express5],
  ['Express 4', express4],
])('%s specifics', (_name, express) => {
  const closers: Array<() => Promise<void>> = []
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()))
  })

  async function serve(app: ReturnType<typeof express5>, path = '/webhooks') {
    const started = await listenOnLoopback(createServer(app), path)
    closers.push(started.close)
    return started.url
  }

  async function post(url: string, id: string) {
    const request = await signedRequest({ id })
    return fetch(url, { method: 'POST', headers: request.headers, body: new TextEncoder().encode(String(request.body)) })
  }

  it('takes the bytes express.raw() kept on a route of its own', async () => {
    const received: string[] = []
    const receiver = createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET })
    receiver.onAny((event) => void received.push(event.id!))
    const app = express()
    app.post('/hooks/crm', express.raw({ type: '*/*' }), crmWebhooks(receiver))
    const response = await post(await serve(app, '/hooks/crm'), 'evt_raw_route')
    expect(response.status).toBe(200)
    expect(received).toEqual(['evt_raw_route'])
  })

  it('reads both copies of a repeated Content-Type (415) after a middleware added a request header of its own', async () => {
    // Node keeps only the first copy of a repeated Content-Type in req.headers; the core reads the lines as sent.
    let runs = 0
    const receiver = createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET }).onAny(() => void (runs += 1))
    const app = express()
    app.use((request, _response, next) => {
      request.headers['x-request-id'] ??= 'req-1'
      next()
    })
    app.post('/webhooks', crmWebhooks(receiver))
    const { headers, body } = await signedRequest({ id: 'evt_two_types' })
    const lines = Object.entries(headers ?? {}).map(([name, value]) => `${name}: ${value}`)
    const sent = `POST /webhooks HTTP/1.1\r\nHost: x\r\n${lines.join('\r\n')}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(String(body))}\r\nConnection: close\r\n\r\n${body}`
    expect((await rawHttpExchange(await serve(app), [sent])).status).toBe(415)
    expect(runs).toBe(0)
  })

  it('leaves the rest of the app its JSON parser, and mounted without one it reads the stream itself', async () => {
    const receiver = createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET })
    const app = express()
    app.post('/webhooks', crmWebhooks(receiver))
    app.post('/api/echo', express.json(), (request, response) => void response.json(request.body))
    const url = await serve(app)
    expect((await post(url, 'evt_plain')).status).toBe(200)
    const echo = await fetch(url.replace('/webhooks', '/api/echo'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    })
    expect(await echo.json()).toEqual({ a: 1 })
  })

  it('answers body_already_parsed, not invalid_signature, behind a plain express.json(), and says how to fix it', async () => {
    const receiver = createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET })
    const app = express()
    app.use(express.json())
    app.post('/webhooks', crmWebhooks(receiver))
    const response = await post(await serve(app), 'evt_lost')
    expect(response.status).toBe(500)
    const body = (await response.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('body_already_parsed')
    expect(body.error.message).toMatch(/hand crm-webhooks the raw bytes/)
  })

  // A workflow action sent as DELETE carries its signed fields in the query: body-parser "reads" its empty
  // body and leaves {}, which is no body the core could have lost.
  it('takes a bodiless signed DELETE behind an app-wide express.json(), as every other entry point does, not body_already_parsed', async () => {
    const secret = 'express-bodiless'
    const handled: string[] = []
    const receiver = createReceiver({ provider: workflowPlatform, secret }).onAny((event) => void handled.push(event.id!))
    const app = express()
    app.use(express.json())
    app.all('/webhooks', crmWebhooks(receiver))
    const delivery = await buildSampleDelivery('workflow-platform', 'contact.updated', { secret, method: 'DELETE', id: 'evt_bodiless' })
    const lines = Object.entries(delivery.headers).map(([name, value]) => `${name}: ${value}`)
    const sent = `DELETE /webhooks${delivery.search} HTTP/1.1\r\nHost: x\r\n${lines.join('\r\n')}\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n`
    expect((await rawHttpExchange(await serve(app), [sent])).status).toBe(200)
    expect(handled).toEqual(['evt_bodiless'])
  })

  // The README's warning: body-parser skips a request an earlier parser read, so express.raw() on the route
  // keeps nothing behind an app-wide express.json(); only the verify hook on that parser does.
  it('behind an app-wide express.json(), express.raw() on the route keeps nothing: body_already_parsed', async () => {
    const receiver = createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET })
    const app = express()
    app.use(express.json())
    app.post('/webhooks', express.raw({ type: '*/*' }), crmWebhooks(receiver))
    const response = await post(await serve(app), 'evt_raw_too_late')
    expect(response.status).toBe(500)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('body_already_parsed')
  })

  // A genuine delivery whose bytes a text decoding changes: a UTF-8 BOM, which the core's JSON reading skips.
  async function postWithBom(url: string, id: string) {
    const body = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(conformanceEventBody(id))])
    const request = await signedRequest({ id, body })
    return fetch(url, { method: 'POST', headers: request.headers, body })
  }

  it('refuses the string express.text() left (it lost the BOM the sender signed); with rawBodySaver it verifies', async () => {
    const received: string[] = []
    const receiver = createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET })
    receiver.onAny((event) => void received.push(event.id!))
    const app = express()
    app.post('/plain/webhooks', express.text({ type: '*/*' }), crmWebhooks(receiver))
    app.post('/saved/webhooks', express.text({ type: '*/*', verify: rawBodySaver }), crmWebhooks(receiver))
    const url = await serve(app, '/')
    const plain = await postWithBom(new URL('plain/webhooks', url).href, 'evt_text')
    expect(plain.status).toBe(500)
    expect(((await plain.json()) as { error: { code: string } }).error.code).toBe('body_already_parsed')
    const saved = await postWithBom(new URL('saved/webhooks', url).href, 'evt_text')
    expect(saved.status).toBe(200)
    expect(received).toEqual(['evt_text'])
  })

  it("keeps the README's app-wide parser off the webhook path in any case, as Express routes it", async () => {
    const receiver = createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET })
    receiver.onAny(() => {})
    const app = express()
    app.use(/^(?!\/webhooks(?:$|[/?]))/i, express.json())
    app.all('/webhooks', crmWebhooks(receiver))
    const url = await serve(app, '/')
    for (const path of ['webhooks', 'Webhooks', 'WEBHOOKS/']) {
      expect((await post(new URL(path, url).href, `evt_case_${path}`)).status).toBe(200)
    }
  })

  const framing = (response: Response) => [response.headers.get('content-length'), response.headers.get('transfer-encoding')]

  it('frames every answer with Content-Length, never chunked, and a HEAD answer with neither', async () => {
    const receiver = createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET })
    const app = express()
    app.all('/webhooks', crmWebhooks(receiver))
    const url = await serve(app)
    const delivered = await post(url, 'evt_framed')
    const unsigned = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"é":1}' })
    for (const [response, status] of [[delivered, 200], [unsigned, 401]] as const) {
      const body = await response.text()
      expect([response.status, ...framing(response)]).toEqual([status, String(Buffer.byteLength(body)), null])
    }
    const head = await fetch(url, { method: 'HEAD' })
    expect([head.status, ...framing(head)]).toEqual([405, null, null])
  })

  it('keeps the Transfer-Encoding an earlier middleware set, adding no Content-Length beside it', async () => {
    const app = express()
    app.use((_request, response, next) => {
      response.setHeader('Transfer-Encoding', 'chunked')
      next()
    })
    app.all('/webhooks', crmWebhooks(createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET })))
    const response = await post(await serve(app), 'evt_chunked_by_app')
    expect([response.status, ...framing(response), (await response.json()).ok]).toEqual([200, null, 'chunked', true])
  })

  it("drops a Content-Encoding an earlier middleware set (the answer is plain JSON), and writes through a writeHead wrapper that returns nothing", async () => {
    const app = express()
    app.use((_request, response, next) => {
      response.setHeader('Content-Encoding', 'gzip')
      const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => unknown
      // A wrapper outside Node's contract (writeHead returns the response), as some metrics middleware write.
      response.writeHead = ((...args: unknown[]) => void writeHead(...args)) as unknown as typeof response.writeHead
      next()
    })
    app.all('/webhooks', crmWebhooks(createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET })))
    const response = await post(await serve(app), 'evt_encoded_by_app')
    expect([response.status, response.headers.get('content-encoding'), (await response.json()).ok]).toEqual([200, null, true])
  })

  it("answers a failure to produce or write the answer with the core's JSON 500, never Express's error page with its stack", async () => {
    const reachedErrorHandler: unknown[] = []
    for (const failing of [
      { handleNodeRequest: () => Promise.reject(new Error('unexpected')) },
      // A provider's own handshake answering a status no final answer has.
      { handleNodeRequest: async () => ({ status: 103, headers: {}, body: 'early' }) },
    ]) {
      const app = express()
      app.post('/webhooks', crmWebhooks(failing))
      app.use(((error, _request, response, _next) => {
        reachedErrorHandler.push(error)
        response.status(599).send(String(error))
      }) as express5.ErrorRequestHandler)
      const response = await post(await serve(app), 'evt_failing')
      expect([response.status, response.headers.get('content-type')]).toEqual([500, 'application/json; charset=utf-8'])
      expect(await response.json()).toEqual({ ok: false, error: { code: 'internal_error', message: 'internal error' } })
    }
    expect(reachedErrorHandler).toEqual([])
  })
})
