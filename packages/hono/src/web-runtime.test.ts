import { createHash } from 'node:crypto'
import { builtinModules } from 'node:module'
import vm from 'node:vm'
import { type ProviderId, type SampleDelivery, automatenexus, buildSampleDelivery, demoSecrets, standardWebhooks } from '@crm-webhooks/core/providers'
import { beforeAll, describe, expect, it } from 'vitest'
import { maxBodyBytes as LIMIT, buildWebBundle } from './web-bundle.fixture.js'

// The promise under test: the core, its providers and this middleware run on a Web-standard runtime
// (Workers, Deno, Bun, a service worker) as a Workers bundler would ship them: one browser bundle, no
// Node built-in, Web Crypto instead of node:crypto. The bundle runs in a node:vm context that holds only
// Web-standard globals, so any reach for `process`, `Buffer` or `require` fails here as it would there.

// One signing time for every delivery, so a body signed here by hand matches the timestamp header beside it.
const NOW = Date.now()

/** The globals a Worker has, taken from the host (Node's are the same Web-standard implementations). */
const webGlobalNames = [
  'crypto', 'TextEncoder', 'TextDecoder', 'URL', 'URLSearchParams', 'Headers', 'Request', 'Response',
  'ReadableStream', 'WritableStream', 'TransformStream', 'Blob', 'FormData', 'AbortController', 'AbortSignal',
  'Event', 'EventTarget', 'DOMException', 'atob', 'btoa', 'setTimeout', 'clearTimeout', 'setInterval',
  'clearInterval', 'queueMicrotask', 'structuredClone', 'performance', 'console',
] as const

interface WebRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: string
}

let bundle: string
let context: vm.Context

async function send(request: WebRequest): Promise<{ status: number; body: string }> {
  return JSON.parse(await (context.webhookRequest as (json: string) => Promise<string>)(JSON.stringify(request)))
}

interface HandledEvent {
  provider: string
  type: string
  key: string
}

/** What the bundle's handlers ran for, in order. */
function handledEvents(): HandledEvent[] {
  return JSON.parse((context.handledEvents as () => string)())
}

function asRequest(provider: string, delivery: SampleDelivery, body = delivery.body): WebRequest {
  return { method: delivery.method, url: `http://worker.example/webhooks/${provider}`, headers: delivery.headers, body }
}

beforeAll(async () => {
  const result = await buildWebBundle()
  expect(result.warnings).toEqual([])
  bundle = result.text
  const globals: Record<string, unknown> = {}
  for (const name of webGlobalNames) {
    globals[name] = (globalThis as Record<string, unknown>)[name]
    expect(globals[name], `${name} on the host`).toBeDefined()
  }
  // Workers refuse random values and timers in a module's global scope, where the bundle makes its
  // receivers ("Disallowed operation called within global scope"): so does this context while it loads.
  let loading = true
  const outsideGlobalScope = <Args extends unknown[], Result>(name: string, operation: (...args: Args) => Result) => (...args: Args) => {
    if (loading) throw new Error(`Disallowed operation called within global scope: ${name}`)
    return operation(...args)
  }
  globals.crypto = {
    subtle: globalThis.crypto.subtle,
    randomUUID: outsideGlobalScope('crypto.randomUUID', () => globalThis.crypto.randomUUID()),
    getRandomValues: outsideGlobalScope('crypto.getRandomValues', <T extends ArrayBufferView>(array: T) => globalThis.crypto.getRandomValues(array as never) as T),
  }
  globals.setTimeout = outsideGlobalScope('setTimeout', globalThis.setTimeout)
  globals.setInterval = outsideGlobalScope('setInterval', globalThis.setInterval)
  context = vm.createContext(globals)
  new vm.Script(bundle, { filename: 'worker-bundle.js' }).runInContext(context)
  loading = false
})

describe('on a Web-standard runtime (a browser bundle in a context with only Web globals)', () => {
  it('bundles with no static node: import and no require() of a Node built-in', () => {
    // `loadNodeBuiltin('node:crypto')` leaves the id as a string for process.getBuiltinModule: that is allowed;
    // an import or require of it would fail to load (or to bundle) on Workers.
    const builtins = builtinModules.flatMap((name) => [name, `node:${name}`]).map((name) => name.replace(/[/]/g, '\\/'))
    const requireOfBuiltin = new RegExp(`\\brequire\\s*\\(\\s*["'](?:${builtins.join('|')})["']`)
    expect(bundle).not.toMatch(/\bfrom\s*["']node:/)
    expect(bundle).not.toMatch(/\bimport\s*\(?\s*["']node:/)
    expect(bundle).not.toMatch(requireOfBuiltin)
    // esbuild's shim for a require it could not bundle: its presence means some module still requires.
    expect(bundle).not.toContain('__require')
  })

  it('runs where process, Buffer, require, global and module do not exist, so node:crypto is out of reach', () => {
    // Asked of the context itself: inside the bundle, esbuild folds `typeof require` to "function" at build time.
    const nodeGlobals = vm.runInContext(
      'JSON.stringify([typeof process, typeof Buffer, typeof require, typeof global, typeof module, typeof globalThis.process])',
      context,
    )
    expect(JSON.parse(nodeGlobals)).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined'])
    expect(vm.runInContext('typeof crypto.subtle.sign', context)).toBe('function')
  })

  describe.each([
    {
      provider: 'automatenexus' as const,
      scheme: automatenexus.scheme,
      // AutomateNexus sends no event id: the key is the body's SHA-256, taken in the bundle with crypto.subtle.
      idempotencyKey: (delivery: SampleDelivery) => `automatenexus:sha256:${createHash('sha256').update(delivery.body).digest('hex')}`,
    },
    {
      provider: 'standard-webhooks' as const,
      scheme: standardWebhooks.scheme,
      idempotencyKey: (delivery: SampleDelivery) => `standard-webhooks:${delivery.headers['webhook-id']}`,
    },
  ])('$provider through crmWebhooks', ({ provider, scheme, idempotencyKey }) => {
    const secret = demoSecrets[provider]
    const eventType = 'contact.created'
    const eventId = `evt_web_runtime_${provider}`
    const handledBy = () => handledEvents().filter((event) => event.provider === provider)

    // Signed here on node:crypto, verified in the bundle on crypto.subtle: the two engines agree byte for byte.
    it('verifies a delivery signed as its sender signs it (Web Crypto), runs the handler once, and answers a repeat as a duplicate', async () => {
      const delivery = await buildSampleDelivery(provider, eventType, { secret, now: NOW, id: eventId })
      const first = await send(asRequest(provider, delivery))
      expect(first.status).toBe(200)
      expect(JSON.parse(first.body)).toMatchObject({ ok: true, event: eventType, duplicate: false })
      // The default in-memory store holds the claim: the sender's retry of the same delivery is acknowledged, not run.
      const repeat = await send(asRequest(provider, delivery))
      expect(repeat.status).toBe(200)
      expect(JSON.parse(repeat.body)).toMatchObject({ ok: true, event: eventType, duplicate: true })
      expect(handledBy()).toEqual([{ provider, type: eventType, key: idempotencyKey(delivery) }])
    })

    it('answers 401 invalid_signature to a tampered body and runs no handler', async () => {
      const handledBefore = handledBy().length
      const delivery = await buildSampleDelivery(provider, eventType, { secret, now: NOW, id: `${eventId}_tampered` })
      const tampered = delivery.body.replace(eventType, eventType.toUpperCase())
      expect(tampered).not.toBe(delivery.body)
      const response = await send(asRequest(provider, delivery, tampered))
      expect(response.status).toBe(401)
      expect(JSON.parse(response.body)).toMatchObject({ ok: false, error: { code: 'invalid_signature' } })
      expect(handledBy()).toHaveLength(handledBefore)
    })

    it('answers 400 invalid_body to malformed JSON signed with the right secret, and runs no handler', async () => {
      const handledBefore = handledBy().length
      // Signed, so the answer is the body's, not the signature's: the JSON parse runs on the verified bytes.
      const delivery = await buildSampleDelivery(provider, eventType, { secret, now: NOW, id: `${eventId}_malformed` })
      const body = '{"type": "contact.created", "data": '
      const signature = await scheme.sign({ body, id: `${eventId}_malformed`, timestampSeconds: Math.floor(NOW / 1000) }, secret)
      const response = await send({ ...asRequest(provider, delivery, body), headers: { ...delivery.headers, ...signature } })
      expect(response.status).toBe(400)
      expect(JSON.parse(response.body)).toMatchObject({ ok: false, error: { code: 'invalid_body' } })
      expect(handledBy()).toHaveLength(handledBefore)
    })

    it(`answers 413 payload_too_large to a signed body over maxBodyBytes (${LIMIT}), read from the Web stream, and runs no handler`, async () => {
      const handledBefore = handledBy().length
      const delivery = await buildSampleDelivery(provider, eventType, { secret, now: NOW, id: `${eventId}_large`, data: { padding: 'x'.repeat(LIMIT) } })
      // app.request sets no content-length for a string body: the limit is the one counted while reading the stream.
      expect(delivery.body.length).toBeGreaterThan(LIMIT)
      const response = await send(asRequest(provider, delivery))
      expect(response.status).toBe(413)
      expect(JSON.parse(response.body)).toMatchObject({ ok: false, error: { code: 'payload_too_large' } })
      expect(handledBy()).toHaveLength(handledBefore)
    })
  })

  // The other providers and request shapes, each once and then as its sender's retry: a shared static secret
  // (Auto-Respond), a form body, and a bodiless GET and DELETE whose signed fields are the query string.
  const otherDeliveries: Array<[ProviderId, string, { method?: string; contentType?: 'json' | 'form' }]> = [
    ['connectgain', 'contact.assigned', {}],
    ['customermates', 'contact.created', {}],
    ['autorespond', 'lead.created', {}],
    ['workflow-platform', 'contact.created', {}],
    ['workflow-platform', 'contact.updated', { contentType: 'form' }],
    ['workflow-platform', 'contact.deleted', { method: 'GET' }],
    ['workflow-platform', 'form.submitted', { method: 'DELETE' }],
  ]
  it.each(otherDeliveries)('%s %s %o: verified in the bundle, handled once, its repeat a duplicate', async (provider, eventType, shape) => {
    const delivery = await buildSampleDelivery(provider, eventType, { secret: demoSecrets[provider], now: NOW, ...shape })
    const request = { ...asRequest(provider, delivery), url: `http://worker.example/webhooks/${provider}${delivery.search}` }
    const answers = [await send(request), await send(request)]
    expect(answers.map((answer) => [answer.status, JSON.parse(answer.body).duplicate])).toEqual([
      [200, false],
      [200, true],
    ])
    expect(handledEvents().filter((event) => event.provider === provider).at(-1)?.type).toBe(eventType)
  })

  it('ran a handler exactly once per genuine event, and for nothing else', () => {
    expect(handledEvents().map(({ provider, type }) => `${provider} ${type}`)).toEqual([
      'automatenexus contact.created',
      'standard-webhooks contact.created',
      ...otherDeliveries.map(([provider, type]) => `${provider} ${type}`),
    ])
  })
})
