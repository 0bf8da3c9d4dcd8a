import { describe, expect, it } from 'vitest'
import { buildSampleDelivery } from './providers/build-sample-delivery.js'
import { automatenexus } from './providers/index.js'
import { createReceiver } from './receiver.js'

const secret = 'idle-secret'
const delivery = async (now: number) => {
  const sample = await buildSampleDelivery('automatenexus', 'deal.won', { secret, now })
  return { ...sample, url: '/webhooks', rawBody: sample.body }
}

describe('receiver.idle()', () => {
  it('resolves once a handler past handlerTimeoutMs has finished and its claim is recorded, and keeps taking deliveries', async () => {
    const done: string[] = []
    const receiver = createReceiver({ provider: automatenexus, secret, handlerTimeoutMs: 50, lockTtlMs: 5_000 }).on('deal.won', async () => {
      await new Promise((resolve) => setTimeout(resolve, 200))
      done.push('handler')
    })
    const first = await delivery(Date.now())
    expect((await receiver.handle(first)).status).toBe(503)
    expect(done).toEqual([])
    expect(await receiver.idle()).toBe(true)
    expect(done).toEqual(['handler'])
    expect(JSON.parse((await receiver.handle(first)).body).duplicate).toBe(true)
    // Not draining: a new delivery is still claimed and handled.
    const second = await receiver.handle(await delivery(Date.now() + 1))
    expect({ status: second.status, code: JSON.parse(second.body).error?.code }).toEqual({ status: 503, code: 'handler_timeout' })
    expect(await receiver.idle({ timeoutMs: 20 })).toBe(false)
    expect(await receiver.idle()).toBe(true)
  })

  it('is true at once with nothing held', async () => {
    const receiver = createReceiver({ provider: automatenexus, secret })
    expect(await receiver.idle({ timeoutMs: 1 })).toBe(true)
  })
})
