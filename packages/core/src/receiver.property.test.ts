import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import * as z from 'zod'
import { STATUS_BY_CODE, type WebhookErrorCode } from './errors.js'
import { defineProvider } from './providers/define-provider.js'
import { createFieldEnvelope } from './providers/field-envelope.js'
import { createReceiver } from './receiver.js'
import {
  PROPERTY_RUNS,
  arbitraryBodyBytes,
  arbitraryHeaderNoise,
  arbitraryLeakCanary,
} from './reliability/request-arbitraries.js'
import { createHmacSha256Scheme } from './schemes/hmac-sha256.js'
import { createStandardWebhooksScheme } from './schemes/standard-webhooks.js'
import { createStaticSecretScheme } from './schemes/static-secret.js'
import type { SignatureScheme, WebhookEvent, WebhookResponse } from './types.js'

const NOW_MS = Date.UTC(2026, 2, 21, 15, 0, 0)
const events = {
  'contact.created': z.looseObject({ id: z.string() }),
  'deal.won': z.looseObject({ id: z.string(), value: z.number() }),
}

interface SchemeCase {
  name: string
  scheme: SignatureScheme<any>
  /** The configured secret string for a canary. */
  secretFor(canary: string): string
  sign(body: string | Uint8Array, secret: string, id: string): Promise<Record<string, string>>
}

const schemeCases: SchemeCase[] = [
  {
    name: 'hmac-sha256',
    scheme: createHmacSha256Scheme({ header: 'X-Test-Signature' }),
    secretFor: (canary) => canary,
    sign: async (body, secret) => schemeCases[0]!.scheme.sign({ body }, secret),
  },
  {
    name: 'standard-webhooks',
    scheme: createStandardWebhooksScheme(),
    secretFor: (canary) => `whsec_${Buffer.from(canary).toString('base64')}`,
    sign: async (body, secret, id) => schemeCases[1]!.scheme.sign({ body, id, timestampSeconds: NOW_MS / 1000 }, secret),
  },
  {
    name: 'static-secret',
    scheme: createStaticSecretScheme({ header: 'X-Secret-Key' }),
    secretFor: (canary) => canary,
    sign: async (body, secret) => schemeCases[2]!.scheme.sign({ body }, secret),
  },
]

// Bodies an attacker or a broken sender may send. Each says whether it is a well-formed, schema-valid event.
const eventEnvelope = fc.record({
  event: fc.oneof(fc.constantFrom('contact.created', 'deal.won'), fc.string({ maxLength: 16 })),
  data: fc.oneof(
    fc.record({ id: fc.string({ maxLength: 12 }), value: fc.integer() }),
    fc.jsonValue({ maxDepth: 3 }),
  ),
  explode: fc.boolean(),
})
const protoKey = fc.constantFrom('__proto__', '\\u005f_proto__', '__pr\\u006fto__', '\\u005f\\u005fproto\\u005f\\u005f')
const arbitraryBody = fc.oneof(
  { weight: 4, arbitrary: eventEnvelope.map((envelope) => ({ kind: 'event' as const, text: JSON.stringify(envelope), envelope })) },
  {
    weight: 2,
    arbitrary: fc.tuple(protoKey, protoKey, fc.boolean()).map(([outer, inner, viaConstructor]) => ({
      kind: 'proto' as const,
      text: viaConstructor
        ? `{"event":"contact.created","data":{"id":"x","constructor":{"prototype":{"polluted":true}}},"constructor":{"prototype":{"polluted":true}}}`
        : `{"event":"contact.created","${outer}":{"polluted":true},"data":{"id":"x","${inner}":{"polluted":true},"n":[{"${inner}":{"polluted":true}}]}}`,
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(64, 2_000, 100_000).map((depth) => ({
      kind: 'deep' as const,
      text: `{"event":"contact.created","data":{"id":"x","deep":${'['.repeat(depth)}${']'.repeat(depth)}}}`,
    })),
  },
  { weight: 2, arbitrary: arbitraryBodyBytes.map((bytes) => ({ kind: 'bytes' as const, bytes })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', ' ', '{', 'null', '[]', '"x"', 'event=contact.created&data=%7B%7D', '{"event":null}').map((text) => ({
      kind: 'junk' as const,
      text,
    })),
  },
)

const arbitraryRequestShape = fc.record({
  body: arbitraryBody,
  method: fc.oneof({ weight: 6, arbitrary: fc.constant('POST') }, fc.constantFrom('post', 'GET', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH')),
  contentType: fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    fc.constantFrom(
      undefined,
      '',
      'application/json; charset=utf-8',
      'APPLICATION/JSON; Charset="UTF-8"',
      'application/json; charset=iso-8859-1',
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/cloudevents+json',
    ),
  ),
  signature: fc.oneof(
    { weight: 6, arbitrary: fc.constant('correct' as const) },
    fc.constantFrom('wrong-secret' as const, 'missing' as const, 'duplicated' as const, 'garbage' as const),
  ),
  signatureCase: fc.boolean(),
  representation: fc.constantFrom('bytes' as const, 'string' as const, 'arraybuffer' as const, 'parsed-object' as const),
  noise: arbitraryHeaderNoise,
  canary: arbitraryLeakCanary,
})

// A stack frame (`at fn (file:1:2)`), a source path or a Node internal: none may reach a response.
const STACK_TRACE = /\n\s+at\s|\bat\s+\S+\s+\(|\.(?:ts|js|mjs|cjs):\d+|node:internal|file:\/\//

function hasOwnProtoKey(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object' || depth > 200) return false
  if (Object.hasOwn(value, '__proto__')) return true
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== Array.prototype && prototype !== null) return true
  return Object.values(value).some((child) => hasOwnProtoKey(child, depth + 1))
}

function depthOf(value: unknown): number {
  let deepest = 0
  const stack: Array<[unknown, number]> = [[value, 0]]
  while (stack.length) {
    const [current, depth] = stack.pop()!
    deepest = Math.max(deepest, depth)
    if (current !== null && typeof current === 'object') for (const child of Object.values(current)) stack.push([child, depth + 1])
  }
  return deepest
}

afterEach(() => {
  // Nothing a request carried may have reached the shared prototypes.
  expect(Object.getOwnPropertyNames(Object.prototype).includes('polluted')).toBe(false)
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
})

describe.each(schemeCases)('receiver.handle properties with $name', (schemeCase) => {
  const provider = defineProvider({
    id: 'fuzz',
    name: 'Fuzz CRM',
    scheme: schemeCase.scheme,
    contentTypes: ['json', 'form'],
    envelope: createFieldEnvelope({ type: 'event', data: 'data' }),
    events,
  })
  let sequence = 0

  it('never rejects, answers a consistent status and code, leaks no secret or stack, and runs a handler only for a genuine event', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryRequestShape, async (shape) => {
        const secret = schemeCase.secretFor(shape.canary)
        const handled: WebhookEvent[] = []
        const receiver = createReceiver({ provider, secret, now: () => NOW_MS })
        receiver.onAny((event) => {
          handled.push(event)
          // A handler that fails with the secret in its message and a stack must not leak either.
          if ((event.payload as { explode?: boolean }).explode) throw new Error(`cannot use ${secret} here`)
        })
        const bodyBytes = shape.body.kind === 'bytes' ? shape.body.bytes : new TextEncoder().encode(shape.body.text)
        const deliveryId = `msg_${++sequence}`
        const signed = await schemeCase.sign(bodyBytes, secret, deliveryId)
        const signatureHeader = schemeCase.scheme.signatureHeader
        const headers: Record<string, string | string[]> = { ...shape.noise }
        for (const [name, value] of Object.entries(signed)) headers[name.toLowerCase()] = value
        if (shape.signature === 'missing') delete headers[signatureHeader.toLowerCase()]
        if (shape.signature === 'duplicated') headers[signatureHeader.toLowerCase()] = [signed[signatureHeader]!, signed[signatureHeader]!]
        if (shape.signature === 'garbage') headers[signatureHeader.toLowerCase()] = 'v1,AAAA deadbeef'
        if (shape.signature === 'wrong-secret') {
          const other = await schemeCase.sign(bodyBytes, schemeCase.secretFor(`${shape.canary}x`), deliveryId)
          headers[signatureHeader.toLowerCase()] = other[signatureHeader]!
        }
        if (shape.signatureCase && typeof headers[signatureHeader.toLowerCase()] === 'string') {
          headers[signatureHeader.toUpperCase()] = headers[signatureHeader.toLowerCase()]!
          delete headers[signatureHeader.toLowerCase()]
        }
        if (shape.contentType !== undefined) headers['content-type'] = shape.contentType
        const rawBody =
          shape.representation === 'string' && shape.body.kind !== 'bytes'
            ? shape.body.text
            : shape.representation === 'arraybuffer'
              ? bodyBytes.slice().buffer
              : shape.representation === 'parsed-object'
                ? { event: 'contact.created' }
                : bodyBytes

        const request = { method: shape.method, url: '/webhooks', headers, rawBody: rawBody as Uint8Array }
        let response: WebhookResponse | undefined
        let thrown: unknown
        try {
          response = await receiver.handle(request)
        } catch (error) {
          thrown = error
        }
        expect(thrown).toBeUndefined()
        assertWellFormed(response!, [shape.canary, secret])

        const body = JSON.parse(response!.body) as { ok: boolean; duplicate?: boolean; error?: { code: WebhookErrorCode } }
        if (handled.length > 0) {
          // Only a genuine event reaches a handler, once, and never with a polluted or unbounded tree.
          // Standard Webhooks' header is a list, so two copies of a right signature still hold one.
          const genuine = shape.signature === 'correct' || (shape.signature === 'duplicated' && schemeCase.name === 'standard-webhooks')
          expect(genuine).toBe(true)
          expect(handled).toHaveLength(1)
          expect(hasOwnProtoKey(handled[0]!.payload)).toBe(false)
          expect(hasOwnProtoKey(handled[0]!.data)).toBe(false)
          expect(depthOf(handled[0]!.payload)).toBeLessThan(200)
          const exploded = (handled[0]!.payload as { explode?: boolean }).explode === true
          expect(response!.status).toBe(exploded ? 500 : 200)
        }
        const canonical =
          shape.signature === 'correct' &&
          shape.method === 'POST' &&
          shape.representation !== 'parsed-object' &&
          (shape.contentType === 'application/json' || shape.contentType === undefined) &&
          shape.body.kind === 'event' &&
          Object.hasOwn(events, shape.body.envelope.event) &&
          events[shape.body.envelope.event as keyof typeof events].safeParse(shape.body.envelope.data).success
        if (canonical) expect(handled).toHaveLength(1)

        if (response!.status === 200 && body.duplicate === false) {
          // The sender's retry of a handled delivery is acknowledged and not handled again.
          const again = await receiver.handle(request)
          expect(again.status).toBe(200)
          expect(JSON.parse(again.body)).toMatchObject({ ok: true, duplicate: true })
          expect(handled).toHaveLength(1)
        }
      }),
      { numRuns: PROPERTY_RUNS * 2 },
    )
  })
})

function assertWellFormed(response: WebhookResponse, secrets: readonly string[]): void {
  expect(Number.isInteger(response.status)).toBe(true)
  const body = JSON.parse(response.body) as { ok: boolean; error?: { code: WebhookErrorCode; message: string } }
  expect(body.ok).toBe(response.status < 300)
  if (!body.ok) {
    expect(Object.keys(STATUS_BY_CODE)).toContain(body.error!.code)
    expect(response.status).toBe(STATUS_BY_CODE[body.error!.code])
  } else {
    expect([200, 202]).toContain(response.status)
  }
  const everything = [response.body, ...Object.keys(response.headers), ...Object.values(response.headers)].join('\n')
  for (const secret of secrets) expect(everything).not.toContain(secret)
  expect(everything).not.toMatch(STACK_TRACE)
}
