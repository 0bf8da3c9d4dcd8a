import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DeliveryOutcome, createNodeListener, createReceiver } from '@crm-webhooks/core'
import { acmeProvider } from './acme-provider.fixture.js'
import { createSender } from './sender.js'

describe('sender -> receiver over loopback (a user-defined provider)', () => {
  const outcomes: DeliveryOutcome[] = []
  const handled: Array<{ type: string; data: unknown }> = []
  const receiver = createReceiver({
    provider: acmeProvider,
    secret: ['new-secret', 'old-secret'],
    onDelivery: (outcome) => outcomes.push(outcome),
  }).onAny((event) => {
    handled.push({ type: event.type, data: event.data })
  })
  const server = createServer(createNodeListener(receiver))
  let url = ''
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`
  })
  afterAll(() => new Promise((resolve) => server.close(resolve)))

  it.each([
    ['POST', 'json'],
    ['PUT', 'form'],
    ['GET', 'json'],
    ['DELETE', 'json'],
  ] as const)('delivers a %s %s event that the receiver verifies and types', async (method, contentType) => {
    const sender = createSender({ provider: acmeProvider, secret: 'old-secret', url, method, contentType, retry: { maxRetries: 0 } })
    const data = { id: `deal_${method}`, value: 5000 }
    const result = await sender.send({ type: 'deal.won', data })
    expect(result).toMatchObject({ ok: true, state: 'delivered', status: 200 })
    expect(JSON.parse(result.attempts[0]!.responseBody)).toMatchObject({ ok: true, event: 'deal.won', duplicate: false })
    expect(handled.at(-1)).toEqual({ type: 'deal.won', data })
    expect(outcomes.at(-1)).toMatchObject({ status: 200, eventType: 'deal.won', verification: { secretIndex: 1 } })
  })

  it('a resend is recognised as a duplicate and not handled twice', async () => {
    const sender = createSender({ provider: acmeProvider, secret: 'new-secret', url, retry: { maxRetries: 0 } })
    const first = await sender.send({ type: 'contact.created', data: { id: 'con_9', email: 'a@example.com' } })
    const handledBefore = handled.length
    const again = await sender.resend(first.deliveryId)
    expect(again.ok).toBe(true)
    expect(JSON.parse(again.attempts[0]!.responseBody)).toMatchObject({ duplicate: true })
    expect(handled).toHaveLength(handledBefore)
    expect(outcomes.at(-1)).toMatchObject({ duplicate: true, status: 200 })
  })

  it('a wrong secret is rejected with 401 and logged as a failed attempt', async () => {
    const sender = createSender({ provider: acmeProvider, secret: 'wrong-secret', url, retry: { maxRetries: 0 } })
    const result = await sender.send({ type: 'contact.created', data: { id: 'con_x', email: 'x@example.com' } })
    expect(result).toMatchObject({ ok: false, state: 'failed', status: 401 })
    expect(JSON.parse(result.attempts[0]!.responseBody)).toMatchObject({ ok: false, error: { code: 'invalid_signature' } })
  })
})
