import { createHmac } from 'node:crypto'
import { Agent, type IncomingMessage, createServer, request as httpRequest } from 'node:http'
import { connect as http2Connect, createServer as createHttp2Server } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { createReceiver } from '@crm-webhooks/core'
import { workflowPlatform } from '@crm-webhooks/core/providers'
import {
  CONFORMANCE_SECRET,
  type ConformanceEntry,
  badInputCases,
  conformanceEventBody,
  type EntryStartOptions,
  conformanceProvider,
  listenOnLoopback,
  runConformanceSuite,
  signedRequest,
} from '@crm-webhooks/core/testing'
import { getRequestListener } from '@hono/node-server'
import { type Context, Hono } from 'hono'
import { validator } from 'hono/validator'
import { describe, expect, it } from 'vitest'
import { crmWebhooks } from './index.js'
import type { Receiver, WebhookResponse } from '@crm-webhooks/core'

function buildApp(receiver: Receiver<any>, { bodyParser }: EntryStartOptions): Hono {
  const app = new Hono()
  // What an app mounts app-wide before its webhook route: reading the bytes through Hono keeps Hono's copy
  // of them (a text or JSON read keeps only decoded text); reading the raw Request directly keeps nothing.
  if (bodyParser === 'keeps-raw-body') {
    app.use(async (c, next) => {
      const type = c.req.header('content-type') ?? ''
      if (type.includes('json')) await c.req.arrayBuffer().then((bytes) => JSON.parse(new TextDecoder().decode(bytes))).catch(() => undefined)
      else if (type.includes('form')) await c.req.parseBody()
      await next()
    })
  }
  if (bodyParser === 'drops-raw-body') {
    app.use(async (c, next) => {
      await c.req.raw.json().catch(() => undefined)
      await next()
    })
  }
  app.all('/webhooks', crmWebhooks(receiver))
  return app
}

const bodyParsers = ['keeps-raw-body', 'drops-raw-body'] as const

const onNodeServer: ConformanceEntry = {
  name: 'Hono on @hono/node-server',
  supports: { bodyParsers },
  start: async (receiver, options) => listenOnLoopback(createServer(getRequestListener(buildApp(receiver, options).fetch))),
}

const inAppRequest: ConformanceEntry = {
  name: 'Hono app.request (no socket)',
  supports: { sockets: false, bodyParsers },
  async start(receiver, options) {
    const app = buildApp(receiver, options)
    return { url: 'http://localhost/webhooks', fetch: async (request) => app.request(request), close: async () => {} }
  },
}

runConformanceSuite(onNodeServer)
runConformanceSuite(inAppRequest)
runConformanceSuite({ ...onNodeServer, name: 'Hono on @hono/node-server (bad input)' }, { cases: badInputCases })
runConformanceSuite({ ...inAppRequest, name: 'Hono app.request (bad input)' }, { cases: badInputCases })

describe('Hono specifics', () => {
  const receiver = () => createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET })

  async function post(app: Hono, id: string, path = '/webhooks') {
    const request = await signedRequest({ id })
    return app.request(path, { method: 'POST', headers: request.headers, body: String(request.body) })
  }

  it("hands the runtime's ExecutionContext to the core, so Workers keep a claim's settling alive past the answer", async () => {
    const kept: Array<Promise<unknown>> = []
    const executionCtx = { waitUntil: (work: Promise<unknown>) => void kept.push(work), passThroughOnException() {}, props: {} }
    const app = new Hono().all('/webhooks', crmWebhooks(receiver()))
    const request = await signedRequest({ id: 'evt_workers' })
    const response = await app.request('/webhooks', { method: 'POST', headers: request.headers, body: String(request.body) }, {}, executionCtx)
    expect([response.status, kept.length]).toEqual([200, 1])
    await kept[0]
    // With no ExecutionContext (Hono's getter throws), the delivery is handled as before.
    expect((await post(app, 'evt_no_context')).status).toBe(200)
  })

  it("answers body_already_parsed naming c.req.arrayBuffer() after hono/validator('json'): its text copy is not the bytes", async () => {
    const app = new Hono()
    app.post('/webhooks', validator('json', (value) => value), crmWebhooks(receiver()))
    const response = await post(app, 'evt_validated')
    expect(response.status).toBe(500)
    expect(await response.json()).toMatchObject({ error: { code: 'body_already_parsed', message: expect.stringContaining('c.req.arrayBuffer()') } })
  })

  describe('after an earlier middleware read the body through Hono', () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf])
    const reads = {
      text: (c: Context) => c.req.text(),
      json: (c: Context) => c.req.json(),
      arrayBuffer: (c: Context) => c.req.arrayBuffer(),
      blob: (c: Context) => c.req.blob(),
    }

    function appReading(read: (c: Context) => Promise<unknown>, webhookReceiver = receiver()) {
      const app = new Hono()
      app.use(async (c, next) => {
        await read(c).catch(() => undefined)
        await next()
      })
      return app.post('/webhooks', crmWebhooks(webhookReceiver))
    }

    async function postWithBom(app: Hono, id: string) {
      const body = new Uint8Array([...bom, ...new TextEncoder().encode(conformanceEventBody(id))])
      const request = await signedRequest({ id, body })
      return app.request('/webhooks', { method: 'POST', headers: request.headers, body })
    }

    it.each(['arrayBuffer', 'blob'] as const)('verifies the exact bytes c.req.%s() kept, a leading BOM included', async (name) => {
      const response = await postWithBom(appReading(reads[name]), `evt_bom_${name}`)
      expect(await response.json()).toMatchObject({ ok: true, id: `evt_bom_${name}` })
    })

    it.each(['text', 'json'] as const)('never verifies the decoded copy c.req.%s() kept: body_already_parsed, not invalid_signature', async (name) => {
      const response = await postWithBom(appReading(reads[name]), `evt_bom_${name}`)
      expect(response.status).toBe(500)
      expect(await response.json()).toMatchObject({ error: { code: 'body_already_parsed', message: expect.stringContaining('c.req.arrayBuffer()') } })
    })

    it.each(['json', 'arrayBuffer'] as const)('answers 400 invalid_body through the core when c.req.%s() failed as the sender left', async (name) => {
      const seen: string[] = []
      const observed = createReceiver({
        provider: conformanceProvider,
        secret: CONFORMANCE_SECRET,
        onError: (error) => seen.push(`onError ${error.code}`),
        onDelivery: (outcome) => seen.push(`onDelivery ${outcome.status}`),
      })
      const request = await signedRequest({ id: 'evt_sender_left' })
      let sent = false
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) return controller.error(new Error('aborted'))
          sent = true
          controller.enqueue(new TextEncoder().encode(String(request.body).slice(0, 20)))
        },
      })
      const init = { method: 'POST', headers: request.headers, body, duplex: 'half' }
      const response = await appReading(reads[name], observed).request(new Request('http://localhost/webhooks', init as RequestInit))
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_body' } })
      expect(seen).toEqual(['onError invalid_body', 'onDelivery 400'])
    })

    it.each(['text', 'arrayBuffer'] as const)(
      'answers 408 at bodyTimeoutMs when c.req.%s() was started but not awaited and the sender stalls mid-body',
      async (name) => {
        const slow = createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET, bodyTimeoutMs: 100 })
        const app = new Hono()
        app.use(async (c, next) => {
          void reads[name](c).catch(() => undefined) // a logger's read, left running
          await next()
        })
        app.post('/webhooks', crmWebhooks(slow))
        const request = await signedRequest({ id: 'evt_stalled' })
        let sent = false
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent) return new Promise<void>(() => {}) // never more
            sent = true
            controller.enqueue(new TextEncoder().encode(String(request.body).slice(0, 20)))
          },
        })
        const init = { method: 'POST', headers: request.headers, body, duplex: 'half' }
        const startedAt = Date.now()
        const response = await app.request(new Request('http://localhost/webhooks', init as RequestInit))
        expect([response.status, (await response.json()).error.code]).toEqual([408, 'request_timeout'])
        expect(Date.now() - startedAt).toBeLessThan(2_000)
      },
    )

    it('answers body_already_parsed, not invalid_signature, for bytes c.req.arrayBuffer() kept short of the Content-Length', async () => {
      const request = await signedRequest({ id: 'evt_kept_short' })
      const headers = { ...request.headers, 'content-length': String(String(request.body).length + 40) }
      const response = await appReading(reads.arrayBuffer).request('/webhooks', { method: 'POST', headers, body: String(request.body) })
      expect([response.status, (await response.json()).error.code]).toEqual([500, 'body_already_parsed'])
    })
  })

  // From Hono 4.12.28, parseBody() reads arrayBuffer() first and keeps it; before, it read formData() and kept only
  // the fields, which the README's table names as a 500.
  it('verifies a form body after c.req.parseBody() read it', async () => {
    const app = new Hono()
    app.use(async (c, next) => {
      await c.req.parseBody()
      await next()
    })
    app.post('/webhooks', crmWebhooks(receiver()))
    const request = await signedRequest({
      body: 'event=contact.created&id=evt_form_parsed&email=a%40b.c',
      contentType: 'application/x-www-form-urlencoded',
    })
    const response = await app.request('/webhooks', { method: 'POST', headers: request.headers, body: String(request.body) })
    expect(await response.json()).toMatchObject({ ok: true, id: 'evt_form_parsed' })
  })

  it('leaves other routes their own body handling', async () => {
    const app = new Hono()
    app.post('/webhooks', crmWebhooks(receiver()))
    app.post('/api/echo', async (c) => c.json(await c.req.json()))
    expect((await post(app, 'evt_plain')).status).toBe(200)
    const echo = await app.request('/api/echo', { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } })
    expect(await echo.json()).toEqual({ a: 1 })
  })

  describe('on @hono/node-server, where the core reads the Node request itself', () => {
    async function serveNode(app: Hono, beforeHono?: (request: IncomingMessage) => Promise<void>) {
      const listener = getRequestListener(app.fetch)
      const server = createServer((request, response) => {
        if (!beforeHono) return void listener(request, response)
        beforeHono(request).then(() => listener(request, response))
      })
      return listenOnLoopback(server)
    }

    async function postTo(url: string, id: string) {
      const request = await signedRequest({ id })
      return fetch(url, { method: 'POST', headers: request.headers, body: String(request.body) })
    }

    it('answers with a Content-Length (node-server counts the string), never chunked, and HEAD with neither', async () => {
      const entry = await serveNode(new Hono().all('/webhooks', crmWebhooks(receiver())))
      const framing = (response: Response) => [response.status, response.headers.get('content-length'), response.headers.get('transfer-encoding')]
      try {
        const delivered = await postTo(entry.url, 'evt_framed')
        expect(framing(delivered)).toEqual([200, String(Buffer.byteLength(await delivered.text())), null])
        const unsigned = await fetch(entry.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
        expect(framing(unsigned)).toEqual([401, String(Buffer.byteLength(await unsigned.text())), null])
        expect(framing(await fetch(entry.url, { method: 'HEAD' }))).toEqual([405, null, null])
      } finally {
        await entry.close()
      }
    })

    /** One request over node:http to `path` as written (no URL re-encodes it), its answer's status, Content-Type and body. */
    function exchangeOverHttp1(serverUrl: string, path: string, method: string, headers: Record<string, string>, body?: string) {
      return new Promise<{ status: number | undefined; type: string | undefined; body: string }>((resolve, reject) => {
        const { hostname, port } = new URL(serverUrl)
        const request = httpRequest({ host: hostname, port, path, method, headers }, (response) => {
          let text = ''
          response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
          response.on('end', () => resolve({ status: response.statusCode, type: response.headers['content-type'], body: text }))
        })
        request.on('error', reject).end(body)
      })
    }

    it('verifies a GET or a bodiless DELETE signed over its raw query as sent, after a middleware read the body any way', async () => {
      const secret = 'wp-query-secret'
      // A Fetch Request's url re-encodes these (' as %27, " as %22, < as %3C); the sender signed them as sent.
      const query = `event_id=evt_wire_query&name=O'Brien&quoted="x"&tag=<a>`
      const signature = createHmac('sha256', secret).update(query).digest('hex')
      for (const [name, readFirst, method] of [
        ['arrayBuffer() through Hono', (c: Context) => c.req.arrayBuffer(), 'GET'],
        ['a clone of c.req.raw', (c: Context) => c.req.raw.clone().text(), 'GET'],
        // A text read of no body kept nothing to lose: a bodiless DELETE is still verified (not body_already_parsed).
        ['text() through Hono', (c: Context) => c.req.text(), 'DELETE'],
        ['text() through Hono', (c: Context) => c.req.text(), 'GET'],
      ] as const) {
        const app = new Hono()
        app.use(async (c, next) => {
          await readFirst(c)
          await next()
        })
        app.all('/webhooks', crmWebhooks(createReceiver({ provider: workflowPlatform, secret }).onAny(() => {})))
        const entry = await serveNode(app)
        try {
          const { status, body } = await exchangeOverHttp1(entry.url, `/webhooks?${query}`, method, { 'x-hmac-signature': signature })
          expect({ name, method, status, body: JSON.parse(body) }).toMatchObject({ name, status: 202, body: { ok: true, id: 'evt_wire_query' } })
          // The same through app.request (Bun, Deno, Workers), where Hono's Request has no body at all (and a
          // URL it re-encoded: a query with nothing to re-encode).
          const plainQuery = 'event_id=evt_plain_query&name=x'
          const plainSignature = createHmac('sha256', secret).update(plainQuery).digest('hex')
          const fetched = await app.request(`/webhooks?${plainQuery}`, { method, headers: { 'x-hmac-signature': plainSignature } })
          expect({ name, method, fetched: fetched.status }).toEqual({ name, method, fetched: 202 })
        } finally {
          await entry.close()
        }
      }
    })

    /** An app whose logger reads every body as text before the webhook route, as many do. */
    function behindATextRead(receiver: Pick<Receiver<any>, 'fetch' | 'handleNodeRequest'>) {
      return new Hono()
        .use(async (c, next) => {
          await c.req.text().catch(() => '')
          await next()
        })
        .all('/webhooks', crmWebhooks(receiver))
    }

    it('answers an empty body read as text as no body: a bodiless DELETE sent chunked or through app.request is verified, an unsigned one 401', async () => {
      const secret = 'wp-empty-text'
      const query = 'event_id=evt_empty_text&name=x'
      const signature = createHmac('sha256', secret).update(query).digest('hex')
      const app = behindATextRead(createReceiver({ provider: workflowPlatform, secret }).onAny(() => {}))
      // No bytes, but no Content-Length: 0 to say so either; the text kept was '', which used to be
      // body_already_parsed, a 500 retried for ever.
      const entry = await serveNode(app)
      try {
        const chunked = await exchangeOverHttp1(entry.url, `/webhooks?${query}`, 'DELETE', { 'x-hmac-signature': signature, 'transfer-encoding': 'chunked' }, '')
        expect([chunked.status, JSON.parse(chunked.body)]).toEqual([202, expect.objectContaining({ ok: true, id: 'evt_empty_text' })])
      } finally {
        await entry.close()
      }
      const fetched = await app.request(`/webhooks?${query}`, { method: 'DELETE', headers: { 'x-hmac-signature': signature }, body: '' })
      // The same delivery again, through the Fetch path: recognised.
      expect([fetched.status, (await fetched.json()).duplicate]).toEqual([202, true])
      const unsigned = await app.request('/webhooks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' })
      expect([unsigned.status, (await unsigned.json()).error.code]).toEqual([401, 'missing_signature'])
    })

    it("answers a method Fetch refuses (node-server's TRACE) 405 in JSON after a middleware read the body", async () => {
      const entry = await serveNode(behindATextRead(createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET })))
      try {
        const answer = await exchangeOverHttp1(entry.url, '/webhooks', 'TRACE', {})
        expect([answer.status, answer.type, JSON.parse(answer.body).error.code]).toEqual([405, 'application/json; charset=utf-8', 'method_not_allowed'])
      } finally {
        await entry.close()
      }
    })

    it('says Connection: close on a 413 through c.req.raw, whose unread rest node-server ends the connection over', async () => {
      const app = new Hono()
      app.use(async (c, next) => {
        void c.req.raw.signal // builds the Fetch Request: the middleware then reads through it
        await next()
      })
      app.post('/webhooks', crmWebhooks(createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET, maxBodyBytes: 1024 })))
      const entry = await serveNode(app)
      const agent = new Agent({ keepAlive: true, maxSockets: 1 })
      const send = (body: string | Buffer, headers: Record<string, string>) =>
        new Promise<{ status: number | undefined; connection: string | undefined }>((resolve, reject) => {
          const url = new URL(entry.url)
          const request = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers }, (response) => {
            response.resume().on('end', () => resolve({ status: response.statusCode, connection: response.headers.connection }))
          })
          request.on('error', reject).end(body)
        })
      try {
        const refused = await send(Buffer.alloc(2 * 1024 * 1024, 0x61), { 'content-type': 'application/json' })
        expect(refused).toEqual({ status: 413, connection: 'close' })
        const request = await signedRequest({ id: 'evt_after_413' })
        expect(await send(String(request.body), request.headers as Record<string, string>)).toMatchObject({ status: 200 })
      } finally {
        agent.destroy()
        await entry.close()
      }
    })

    it('answers body_already_parsed, not invalid_signature, when c.req.raw was partly read first', async () => {
      const app = new Hono()
      app.use(async (c, next) => {
        const reader = c.req.raw.body!.getReader()
        await reader.read()
        reader.releaseLock()
        await next()
      })
      app.post('/webhooks', crmWebhooks(receiver()))
      const entry = await serveNode(app)
      try {
        const response = await postTo(entry.url, 'evt_partly_read')
        expect(response.status).toBe(500)
        expect(await response.json()).toMatchObject({ error: { code: 'body_already_parsed' } })
      } finally {
        await entry.close()
      }
    })

    it('answers body_already_parsed, not invalid_signature, after c.req.json() kept only decoded text', async () => {
      const app = new Hono()
      app.use(async (c, next) => {
        await c.req.json()
        await next()
      })
      app.post('/webhooks', crmWebhooks(receiver()))
      const entry = await serveNode(app)
      try {
        const body = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(conformanceEventBody('evt_bom_node'))])
        const request = await signedRequest({ id: 'evt_bom_node', body })
        const response = await fetch(entry.url, { method: 'POST', headers: request.headers, body })
        expect(response.status).toBe(500)
        expect(await response.json()).toMatchObject({ error: { code: 'body_already_parsed' } })
      } finally {
        await entry.close()
      }
    })

    it('verifies through c.req.raw after a middleware read a clone of it', async () => {
      const app = new Hono()
      app.use(async (c, next) => {
        await c.req.raw.clone().text()
        await next()
      })
      app.post('/webhooks', crmWebhooks(receiver()))
      const entry = await serveNode(app)
      try {
        const response = await postTo(entry.url, 'evt_clone_read')
        expect(await response.json()).toMatchObject({ ok: true, id: 'evt_clone_read' })
      } finally {
        await entry.close()
      }
    })

    it('never reads beside a c.req.raw a middleware had node-server build just before, at any body size', async () => {
      const app = new Hono()
      app.use(async (c, next) => {
        // Building the Request and going straight on: its stream pulls the Node one from the next microtask.
        void c.req.raw.signal
        await next()
      })
      app.post('/webhooks', crmWebhooks(receiver()))
      const entry = await serveNode(app)
      try {
        // Past node-server's 16 KB high-water mark, where its unread copy would pause the Node stream.
        const body = conformanceEventBody('evt_built_first', { padding: 'x'.repeat(200_000) })
        const request = await signedRequest({ id: 'evt_built_first', body })
        const response = await fetch(entry.url, { method: 'POST', headers: request.headers, body: String(request.body) })
        expect(await response.json()).toMatchObject({ ok: true, id: 'evt_built_first' })
      } finally {
        await entry.close()
      }
    })

    it('answers body_already_parsed, not invalid_signature, when something before node-server read the request and kept nothing', async () => {
      const app = new Hono().post('/webhooks', crmWebhooks(receiver()))
      // A wrapper around node-server's listener that reads the Node stream and keeps no rawBody: node-server's
      // Request then has nothing left to give, and a 401 would be the end of a genuine delivery.
      const entry = await serveNode(app, async (request) => {
        for await (const _chunk of request) {
          // Read and kept nowhere.
        }
      })
      try {
        const response = await postTo(entry.url, 'evt_read_before_node_server')
        expect({ status: response.status, body: await response.json() }).toMatchObject({ status: 500, body: { error: { code: 'body_already_parsed' } } })
      } finally {
        await entry.close()
      }
    })

    it('verifies the bytes a host kept on incoming.rawBody, as node-server would read them', async () => {
      const app = new Hono().post('/webhooks', crmWebhooks(receiver()))
      // What some hosts (Google Cloud Functions) do before the app sees the request.
      const entry = await serveNode(app, async (request) => {
        const chunks: Buffer[] = []
        for await (const chunk of request) chunks.push(chunk as Buffer)
        ;(request as IncomingMessage & { rawBody?: Buffer }).rawBody = Buffer.concat(chunks)
      })
      try {
        const response = await postTo(entry.url, 'evt_raw_body_kept')
        expect(await response.json()).toMatchObject({ ok: true, id: 'evt_raw_body_kept' })
      } finally {
        await entry.close()
      }
    })
  })

  /**
   * A POST over @hono/node-server to a route whose receiver answers `out`, as a provider's own handshake could:
   * the middleware turns the core's answer to the Node request into a Fetch Response itself.
   */
  async function answeredWith(out: WebhookResponse): Promise<{ status: number; headers: Headers; text: string }> {
    const answer = async () => out
    const app = new Hono().all('/webhooks', crmWebhooks({ handleNodeRequest: answer, fetch: () => Promise.reject(new Error('not this path')) }))
    const entry = await listenOnLoopback(createServer(getRequestListener(app.fetch)))
    try {
      const response = await fetch(entry.url, { method: 'POST', body: '{}' })
      return { status: response.status, headers: response.headers, text: await response.text() }
    } finally {
      await entry.close()
    }
  }

  it('answers before the end of the body over HTTP/2 without a Connection header, which HTTP/2 has not (Node would warn and drop it): a 413, and a 408 whose answer the core marks to close', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error) => void warnings.push(warning.name)
    process.on('warning', onWarning)
    const app = new Hono()
    // A clone of c.req.raw: the core then reads the Fetch Request, not the Node request behind it.
    app.use(async (c, next) => {
      c.req.raw = c.req.raw.clone()
      await next()
    })
    app.all('/webhooks', crmWebhooks(createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET, maxBodyBytes: 64, bodyTimeoutMs: 100 })))
    const listener = getRequestListener(app.fetch)
    const server = createHttp2Server((request, response) => void listener(request as never, response as never))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const client = http2Connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    try {
      const answer = (written: string) =>
        new Promise<Record<string, unknown>>((resolve, reject) => {
          const stream = client.request({ ':method': 'POST', ':path': '/webhooks', 'content-type': 'application/json' })
          stream.on('response', resolve).on('error', reject)
          stream.write(written) // the body never ended
        })
      const tooLarge = await answer('x'.repeat(200))
      expect([tooLarge[':status'], tooLarge.connection]).toEqual([413, undefined])
      const tooSlow = await answer('{"a":')
      expect([tooSlow[':status'], tooSlow.connection]).toEqual([408, undefined])
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(warnings).toEqual([])
    } finally {
      process.off('warning', onWarning)
      client.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it("answers a provider handshake's 204, 205 or 304 with no content, which a Fetch Response of those statuses cannot have", async () => {
    for (const status of [204, 205, 304]) {
      const response = await answeredWith({ status, headers: { 'x-handshake': 'yes' }, body: '' })
      expect([response.status, response.headers.get('x-handshake'), response.text]).toEqual([status, 'yes', ''])
    }
  })

  it("answers a provider handshake no Fetch Response can hold (a 103, a header with a line break) with the core's JSON 500", async () => {
    const answers: WebhookResponse[] = [{ status: 103, headers: {}, body: '' }, { status: 200, headers: { 'x-token': 'a\nb' }, body: 'ok' }]
    for (const out of answers) {
      const response = await answeredWith(out)
      expect([response.status, JSON.parse(response.text)]).toEqual([500, { ok: false, error: { code: 'internal_error', message: 'internal error' } }])
    }
  })

  it('returns the receiver answer unchanged: status, headers and the JSON body with the code', async () => {
    const app = new Hono().post('/webhooks', crmWebhooks(receiver()))
    const response = await app.request('/webhooks', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
    expect(response.status).toBe(401)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.json()).toMatchObject({ ok: false, error: { code: 'missing_signature' } })
  })
})
