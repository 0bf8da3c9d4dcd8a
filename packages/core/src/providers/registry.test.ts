import { describe, expect, it } from 'vitest'
import { createReceiver } from '../receiver.js'
import type { EventSchemas, WebhookEvent } from '../types.js'
import { buildSampleDelivery } from './build-sample-delivery.js'
import { type ProviderId, demoSecrets, isProviderId, providerFixtures, providers } from './registry.js'

const secretOf = (id: ProviderId) => demoSecrets[id]
const NOW = Date.parse('2026-03-21T15:00:00.000Z')

const cases = Object.entries(providers).flatMap(([id, provider]) =>
  Object.keys(provider.events).map((type) => [id as ProviderId, type] as const),
)

/** A fixture by provider id and event name, both read at run time. */
const fixtureOf = (id: ProviderId, type: string): unknown => (providerFixtures[id] as Record<string, unknown>)[type]

describe('the provider registry', () => {
  it('keys every provider by its own id and has fixtures for exactly its events', () => {
    for (const [id, provider] of Object.entries(providers)) {
      expect(provider.id).toBe(id)
      expect(Object.keys(providerFixtures[id as ProviderId]).sort()).toEqual(Object.keys(provider.events).sort())
    }
  })

  it('tells provider ids from anything else', () => {
    for (const id of Object.keys(providers)) expect(isProviderId(id)).toBe(true)
    expect(isProviderId('toString')).toBe(false)
    expect(isProviderId(undefined)).toBe(false)
  })

  it.each(cases)('%s %s: the fixture validates against its schema', async (id, type) => {
    const events: EventSchemas = providers[id].events
    const result = await events[type]!['~standard'].validate(fixtureOf(id, type))
    expect(result.issues).toBeUndefined()
  })

  it.each(cases)('%s %s: a sample delivery is received as that typed event', async (id, type) => {
    const receiver = createReceiver({ provider: providers[id], secret: secretOf(id), now: () => NOW })
    const seen: WebhookEvent[] = []
    receiver.onAny((event) => void seen.push(event))
    const delivery = await buildSampleDelivery(id, type, { secret: secretOf(id), now: NOW, id: `evt_${type.replaceAll('.', '_')}` })
    const response = await receiver.handle({ ...delivery, url: `/hooks${delivery.search}`, rawBody: delivery.body })
    expect(response.status).toBe(200)
    expect(seen.map((event) => event.type)).toEqual([type])
    expect(seen[0]!.data).toEqual(fixtureOf(id, type))
  })

  it('refuses what a provider does not send, and events without a fixture', async () => {
    await expect(buildSampleDelivery('automatenexus', 'deal.exploded', { secret: 'any-secret' })).rejects.toThrow(TypeError)
    await expect(buildSampleDelivery('automatenexus', 'deal.won', { secret: 'any-secret', method: 'GET' })).rejects.toThrow(TypeError)
    await expect(buildSampleDelivery('nope' as ProviderId, 'deal.won', { secret: 'any-secret' })).rejects.toThrow(TypeError)
  })
})
