import { createServer } from 'node:http'
import { describe, expect, it } from 'vitest'
import { createNodeListener, createReceiver } from '@crm-webhooks/core'
import { demoSecrets, standardWebhooks } from '@crm-webhooks/core/providers'
import { listenOnLoopback } from '@crm-webhooks/core/testing'
import { createManualClock } from './manual-clock.js'
import { createSender } from './sender.js'

describe('createManualClock().runUntilSettled', () => {
  it('fires timers in order until the work settles', async () => {
    const clock = createManualClock()
    const start = clock.now()
    const work = new Promise<number>((resolve) => clock.setTimeout(() => clock.setTimeout(() => resolve(clock.now() - start), 5_000), 60_000))
    expect(await clock.runUntilSettled(work)).toBe(65_000)
  })

  // The default transport times a real request on real time: no manual timer is pending while it is in
  // flight, and the work it settles then schedules one (a retry) or finishes.
  it('waits in real time for work no timer moves, such as a real request in flight', async () => {
    const clock = createManualClock()
    const start = clock.now()
    const realThenManual = new Promise<number>((resolve) => {
      setTimeout(() => clock.setTimeout(() => resolve(clock.now() - start), 60_000), 30)
    })
    expect(await clock.runUntilSettled(realThenManual)).toBe(60_000)
    const real = new Promise<string>((resolve) => setTimeout(() => resolve('answered'), 30))
    expect(await clock.runUntilSettled(real)).toBe('answered')
  })

  it('rejects work that neither settles nor schedules a timer within idleMs of real time', async () => {
    const clock = createManualClock()
    await expect(clock.runUntilSettled(new Promise(() => {}), { idleMs: 20 })).rejects.toThrow(/no timer is scheduled \(waited 20 ms/)
  })
})

// The README's limit of "the same lines without `transport` drive real attempts at a real receiver": a
// provider that signs a timestamp sends the manual clock's time, which a real receiver checks against its own.
describe('a manual clock driving real attempts at a real Standard Webhooks receiver', () => {
  async function standardReceiver(options: { failFirst: boolean }) {
    const listener = createNodeListener(createReceiver({ provider: standardWebhooks, secret: demoSecrets['standard-webhooks'] }).onAny(() => {}))
    let requests = 0
    return listenOnLoopback(createServer((request, response) => (options.failFirst && requests++ === 0 ? response.writeHead(503).end() : listener(request, response))))
  }
  const event = { type: 'contact.created', data: { id: 'con_1' } }

  it('is refused as timestamp_out_of_tolerance from the default start, and from Date.now() once a retry is minutes ahead', async () => {
    const receiver = await standardReceiver({ failFirst: false })
    try {
      const fromDefault = createManualClock()
      const sender = createSender({ provider: standardWebhooks, secret: demoSecrets['standard-webhooks'], url: receiver.url, clock: fromDefault, retry: { maxRetries: 0 } })
      const refused = await fromDefault.runUntilSettled(sender.send(event))
      expect(refused).toMatchObject({ state: 'failed', status: 401 })
      expect(refused.attempts[0]!.responseBody).toContain('timestamp_out_of_tolerance')
    } finally {
      await receiver.close()
    }

    const failingFirst = await standardReceiver({ failFirst: true })
    try {
      const fromNow = createManualClock(Date.now())
      const retry = { maxRetries: 1, schedule: [10 * 60_000] }
      const sender = createSender({ provider: standardWebhooks, secret: demoSecrets['standard-webhooks'], url: failingFirst.url, clock: fromNow, retry })
      const result = await fromNow.runUntilSettled(sender.send(event))
      // The first attempt reached the receiver in time (its 503 is the test server's); the retry, signed 10 minutes ahead, did not.
      expect(result.attempts.map((attempt) => attempt.status)).toEqual([503, 401])
      expect(result.attempts[1]!.responseBody).toContain('timestamp_out_of_tolerance')
    } finally {
      await failingFirst.close()
    }
  })
})
