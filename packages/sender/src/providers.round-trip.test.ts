/**
 * Every built-in provider, every event: the reference sender signs and posts the fixture over loopback,
 * the receiver verifies it and hands the handler the validated data. Then each method and body type the
 * provider allows, once.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Provider, type WebhookEvent, createNodeListener, createReceiver } from '@crm-webhooks/core'
import { providerFixtures, providers } from '@crm-webhooks/core/providers'
import * as z from 'zod'
import { createSender } from './sender.js'

/**
 * Seed 003's forms and bodiless GET/DELETE are workflow actions: flat bodies the user maps and types
 * (its API v2 events are JSON only). Those shapes are tried with such an action, and with an API v2
 * event as the reference sender would send it in them (its data as JSON text in a field).
 */
const workflowAction = {
  type: 'lead.qualified',
  schema: z.looseObject({ email: z.string(), score: z.coerce.number() }),
  data: { email: 'sam.rivera@example.com', score: '87' },
}

function secretFor(provider: Provider): string {
  return provider.scheme.kind === 'standard-webhooks' ? 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' : `round-trip-${provider.id}`
}

/** A receiver for `provider` on loopback, with its own memory store, recording what it handled. */
function serveProvider(provider: Provider) {
  const extraEvents = provider.id === 'workflow-platform' ? { [workflowAction.type]: workflowAction.schema } : {}
  const handled: WebhookEvent[] = []
  const receiver = createReceiver({ provider, secret: secretFor(provider), events: extraEvents }).onAny((event) => {
    handled.push(event)
  })
  const server = createServer(createNodeListener(receiver))
  const served = { url: '', handled }
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    served.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`
  })
  afterAll(() => {
    server.closeAllConnections()
    return new Promise((resolve) => server.close(resolve))
  })
  return served
}

describe.each(Object.values(providers) as Provider[])('sender -> receiver: $id', (provider) => {
  const fixtures: Record<string, unknown> = providerFixtures[provider.id as keyof typeof providerFixtures]

  describe('every event, as the provider sends it by default', () => {
    const served = serveProvider(provider)
    it.each(Object.keys(provider.events))('%s', async (type) => {
      const sender = createSender({ provider, secret: secretFor(provider), url: served.url, retry: { maxRetries: 0 } })
      const result = await sender.send({ type, data: fixtures[type] })
      expect(result.attempts[0]?.responseBody).toMatch(/"ok":true/)
      expect(result).toMatchObject({ ok: true, state: 'delivered', status: 200 })
      const event = served.handled.at(-1)!
      expect(event.type).toBe(type)
      const expected = await provider.events[type]!['~standard'].validate(fixtures[type])
      expect(expected.issues).toBeUndefined()
      expect(event.data).toEqual((expected as { value: unknown }).value)
    })
  })

  describe('every method and body type the provider allows', () => {
    const served = serveProvider(provider)
    const shapes = (provider.methods ?? ['POST']).flatMap((method) =>
      (provider.contentTypes ?? ['json']).map((contentType) => ({ method, contentType })),
    )
    it.each(shapes)('$method with a $contentType body', async ({ method, contentType }) => {
      const action = provider.id === 'workflow-platform' && (method !== 'POST' || contentType !== 'json')
      const type = action ? workflowAction.type : Object.keys(provider.events)[0]!
      const data = action ? workflowAction.data : fixtures[type]
      const sender = createSender({ provider, secret: secretFor(provider), url: served.url, method, contentType, retry: { maxRetries: 0 } })
      const before = served.handled.length
      const result = await sender.send({ type, data })
      expect(result.attempts[0]?.responseBody).toMatch(/"ok":true,"event":"[^"]+"(,"id":"[^"]+")?,"duplicate":false/)
      expect(served.handled).toHaveLength(before + 1)
      expect(served.handled.at(-1)?.type).toBe(type)
      if (action) expect(served.handled.at(-1)?.data).toMatchObject({ email: 'sam.rivera@example.com', score: 87 })
    })

    if (provider.id === 'workflow-platform') {
      it.each(shapes)('an API v2 event, $method with a $contentType body', async ({ method, contentType }) => {
        const type = Object.keys(provider.events)[0]!
        const sender = createSender({ provider, secret: secretFor(provider), url: served.url, method, contentType, retry: { maxRetries: 0 } })
        expect(await sender.send({ type, data: fixtures[type] })).toMatchObject({ ok: true, status: 200 })
        expect(served.handled.at(-1)).toMatchObject({ type, data: fixtures[type] })
      })
    }
  })
})
