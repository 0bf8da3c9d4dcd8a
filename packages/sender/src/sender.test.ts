import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, vi } from 'vitest'
import { customermates, customermatesFixtures, demoSecrets, standardWebhooks, workflowPlatform } from '@crm-webhooks/core/providers'
import { URL_, acmeSender, contact, scriptedTransport } from './acme-sender.fixture.js'
import { acmeProvider } from './acme-provider.fixture.js'
import { createManualClock } from './manual-clock.js'
import { createRetryPolicy } from './retry-policy.js'
import { createSender } from './sender.js'
import type { Transport } from './transport.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

describe("the provider's own retry policy (manual clock: the 24 h schedule runs in milliseconds)", () => {
  it("takes the provider's own policy unless told otherwise: a Customermates delivery that fails waits for a manual resend", async () => {
    const { transport, requests } = scriptedTransport([500, 200])
    const sender = createSender({ provider: customermates, secret: 'test-secret', url: URL_, transport, clock: createManualClock() })
    expect(sender.policy.maxRetries).toBe(0)
    const failed = await sender.send({ type: 'contact.created', data: customermatesFixtures['contact.created'] })
    expect(failed).toMatchObject({ ok: false, state: 'failed' })
    expect(requests).toHaveLength(1)
    expect(await sender.resend(failed.deliveryId)).toMatchObject({ ok: true, status: 200 })
    const retrying = createSender({ provider: customermates, secret: 'test-secret', url: URL_, transport, retry: { maxRetries: 2 } })
    expect(retrying.policy.maxRetries).toBe(2)
  })
})

describe('retries a receiver would no longer recognise', () => {
  // A receiver remembers a delivery for its provider's retentionMs (72 h where it names none): a retry
  // after that is handled again. Seed 000 allows 10 retries, the last 144 h after the first failure.
  it('refuses, at creation, a retry policy whose last retry comes after the receiver forgot the delivery', () => {
    const base = { provider: workflowPlatform, secret: 's', url: URL_ }
    expect(() => createSender({ ...base, retry: { maxRetries: 10 } })).toThrow(TypeError)
    expect(() => createSender({ ...base, retry: { maxRetries: 10 } })).toThrow(/^crm-webhooks: 10 retries put the last one 6d after the first failure, but a workflow-platform receiver remembers a delivery 3d/)
    // The 7th retry on seed 000's schedule comes 72 h after the first failure: exactly when the key goes.
    expect(() => createSender({ ...base, retry: { maxRetries: 7 } })).toThrow(/7 retries put the last one 3d after/)
    expect(createSender({ ...base, retry: { maxRetries: 6 } }).policy.maxRetries).toBe(6)
    // A policy built beforehand is held to the same rule.
    expect(() => createSender({ ...base, retry: createRetryPolicy({ maxRetries: 7 }) })).toThrow(/7 retries/)
    // Standard Webhooks' 10th retry comes 151 h after the first failure; its receiver remembers 100 h.
    const standard = { provider: standardWebhooks, secret: demoSecrets['standard-webhooks'], url: URL_ }
    expect(() => createSender({ ...standard, retry: { maxRetries: 10 } })).toThrow(/10 retries put the last one 6d 7h after .* standard-webhooks receiver remembers a delivery 4d 4h/)
    expect(createSender(standard).policy.maxRetries).toBe(9)
    // A receiver configured to remember longer is reached through a provider that says so.
    expect(createSender({ ...base, provider: { ...workflowPlatform, retentionMs: 7 * 24 * HOUR }, retry: { maxRetries: 10 } }).policy.maxRetries).toBe(10)
  })
})

describe('the event given to compose and send', () => {
  // compose called occurredAt.toISOString(): an Invalid Date threw the engine's RangeError, a string its TypeError.
  it.each([
    ['an Invalid Date', new Date('not a date'), 'an Invalid Date'],
    ['a string', '2026-01-01T00:00:00Z', 'string'],
    ['a number', Date.UTC(2026, 0, 1), 'number'],
  ])('refuses occurredAt given as %s with a crm-webhooks TypeError, before any attempt', async (_name, occurredAt, got) => {
    const clock = createManualClock()
    const { transport, requests } = scriptedTransport([200])
    const sender = acmeSender({ clock, transport })
    const input = { ...contact, occurredAt: occurredAt as unknown as Date }
    const message = `crm-webhooks: occurredAt must be a valid Date (got ${got})`
    await expect(sender.compose(input)).rejects.toThrow(TypeError)
    await expect(sender.compose(input)).rejects.toThrow(message)
    await expect(sender.send(input)).rejects.toThrow(message)
    expect([requests.length, sender.log.list().length]).toEqual([0, 0])
  })

  it('refuses an id that is not a non-empty string, and takes a valid occurredAt as given', async () => {
    const sender = acmeSender({ clock: createManualClock(), transport: scriptedTransport([200]).transport })
    await expect(sender.compose({ ...contact, id: 42 as unknown as string })).rejects.toThrow('crm-webhooks: an event id must be a non-blank string (got number)')
    await expect(sender.compose({ ...contact, id: '' })).rejects.toThrow('crm-webhooks: an event id must be a non-blank string (got "")')
    // Blank, it names no id for a receiver either, which would key the delivery by its digest.
    await expect(sender.compose({ ...contact, id: ' \t' })).rejects.toThrow('crm-webhooks: an event id must be a non-blank string (got " \\t")')
    const occurredAt = new Date(Date.UTC(2025, 5, 1))
    expect((await sender.compose({ ...contact, occurredAt })).event.occurredAt).toBe(occurredAt)
  })
})

describe('auto-disable after N consecutive failures', () => {
  it('disables mid-schedule, stops the pending retries and sends nothing until enabled', async () => {
    const clock = createManualClock()
    const { transport, requests } = scriptedTransport([500])
    const onDisabled = vi.fn()
    const sender = acmeSender({
      clock,
      transport,
      retry: { disableAfterConsecutiveFailures: 3 },
      onDisabled,
    })
    const result = await clock.runUntilSettled(sender.send(contact))
    expect(result.state).toBe('disabled')
    expect(result.attempts).toHaveLength(3)
    expect(onDisabled).toHaveBeenCalledOnce()
    expect(onDisabled).toHaveBeenCalledWith(3)
    expect(sender.disabled).toBe(true)
    expect(clock.pendingTimers).toBe(0)

    const skipped = await sender.send(contact)
    expect(skipped).toMatchObject({ state: 'disabled', ok: false, attempts: [] })
    expect(requests).toHaveLength(3)

    sender.enable()
    expect(sender.disabled).toBe(false)
    expect(sender.consecutiveFailures).toBe(0)
    const again = await clock.runUntilSettled(sender.send(contact))
    expect(again.attempts).toHaveLength(3)
  })

  it('counts failures across deliveries, and a success in between resets the count', async () => {
    const clock = createManualClock()
    const statuses = [500, 500, 200, 500, 500, 500, 500]
    const { transport } = scriptedTransport(statuses)
    const sender = acmeSender({
      clock,
      transport,
      retry: { maxRetries: 1, schedule: [MINUTE], disableAfterConsecutiveFailures: 4 },
    })
    expect((await clock.runUntilSettled(sender.send(contact))).state).toBe('failed') // 500, 500
    expect((await clock.runUntilSettled(sender.send(contact))).state).toBe('delivered') // 200
    expect(sender.consecutiveFailures).toBe(0)
    expect((await clock.runUntilSettled(sender.send(contact))).state).toBe('failed') // 500, 500
    expect(sender.disabled).toBe(false)
    expect((await clock.runUntilSettled(sender.send(contact))).state).toBe('disabled') // 500, 500 -> 4 in a row
    expect(sender.consecutiveFailures).toBe(4)
  })

  it('an async onAttempt or onDisabled that rejects is contained, as one that throws is: no unhandled rejection', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => void unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const clock = createManualClock()
      const { transport } = scriptedTransport([500])
      // `(attempt, next) => void` admits an async function: a progress printer writing to a closed file, say.
      const sender = acmeSender({
        clock,
        transport,
        retry: { maxRetries: 1, schedule: [MINUTE], disableAfterConsecutiveFailures: 2 },
        onAttempt: async () => {
          throw new Error('progress printer failed')
        },
        onDisabled: async () => {
          throw new Error('alert failed')
        },
      })
      expect((await clock.runUntilSettled(sender.send(contact))).state).toBe('disabled')
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})

describe('the delivery log and resend', () => {
  it('resends a logged delivery with the same event, signed again, as a new logged delivery', async () => {
    const clock = createManualClock()
    const { transport, requests } = scriptedTransport([500, 200])
    const sender = acmeSender({ clock, transport, retry: { maxRetries: 0 } })
    const first = await clock.runUntilSettled(sender.send(contact))
    expect(first.state).toBe('failed')
    clock.advance(HOUR)
    const resent = await clock.runUntilSettled(sender.resend(first.deliveryId))
    expect(resent).toMatchObject({ ok: true, state: 'delivered', event: first.event })
    expect(resent.deliveryId).not.toBe(first.deliveryId)
    expect(sender.log.get(resent.deliveryId)?.resendOf).toBe(first.deliveryId)
    expect(requests[1]!.body).toBe(requests[0]!.body)
    expect(sender.log.list().map((record) => record.state)).toEqual(['failed', 'delivered'])
    await expect(sender.resend('nope')).rejects.toThrow(TypeError)
  })

  it('410 Gone disables the endpoint at once when the policy says so (Standard Webhooks), and is an ordinary failure otherwise', async () => {
    const clock = createManualClock()
    const gone = scriptedTransport([410, 200])
    const onDisabled = vi.fn()
    const sender = createSender({ provider: standardWebhooks, secret: demoSecrets['standard-webhooks'], url: URL_, clock, transport: gone.transport, onDisabled })
    const result = await clock.runUntilSettled(sender.send({ type: 'contact.created', data: { id: 'con_1' } }))
    expect(result).toMatchObject({ ok: false, state: 'disabled', status: 410 })
    expect(gone.requests).toHaveLength(1)
    expect([sender.disabled, onDisabled.mock.calls]).toEqual([true, [[1]]])
    expect(await sender.send({ type: 'contact.created', data: { id: 'con_2' } })).toMatchObject({ state: 'disabled', attempts: [] })

    const retried = scriptedTransport([410, 200])
    const acme = acmeSender({ clock, transport: retried.transport })
    expect(await clock.runUntilSettled(acme.send(contact))).toMatchObject({ ok: true, state: 'delivered', status: 200 })
    expect([retried.requests.length, acme.disabled]).toEqual([2, false])
  })

  it('close() cancels an attempt in flight, without counting it as a failure; onAttempt hears of it', async () => {
    const clock = createManualClock()
    const transport: Transport = (_request, { signal }) =>
      new Promise((resolve) =>
        signal!.addEventListener('abort', () => resolve({ error: 'cancelled', responseBody: 'cancelled', durationMs: 0 })),
      )
    const observed: unknown[] = []
    const sender = acmeSender({
      clock,
      transport,
      retry: { disableAfterConsecutiveFailures: 1 },
      onAttempt: (attempt, next) => void observed.push([attempt.error, next]),
    })
    const pending = sender.send(contact)
    await new Promise((resolve) => setImmediate(resolve))
    sender.close()
    const result = await pending
    expect(result).toMatchObject({ state: 'cancelled', attempts: [{ error: 'cancelled' }] })
    expect(observed).toEqual([['cancelled', undefined]])
    expect(sender.consecutiveFailures).toBe(0)
    expect(sender.disabled).toBe(false)
  })

  it("a send's aborted signal cancels its attempt in flight at once, uncounted, and no other send's", async () => {
    const clock = createManualClock()
    const inFlight: Array<() => void> = []
    const transport: Transport = (_request, { signal }) =>
      new Promise((resolve) => {
        signal!.addEventListener('abort', () => resolve({ error: 'cancelled', responseBody: 'cancelled', durationMs: 0 }))
        inFlight.push(() => resolve({ status: 200, responseBody: 'ok', durationMs: 0 }))
      })
    const sender = acmeSender({ clock, transport, retry: { disableAfterConsecutiveFailures: 1 } })
    const controller = new AbortController()
    const aborted = sender.send(contact, { signal: controller.signal })
    const other = sender.send(contact)
    await new Promise((resolve) => setImmediate(resolve))
    controller.abort()
    expect(await aborted).toMatchObject({ state: 'cancelled', attempts: [{ error: 'cancelled' }] })
    expect([sender.consecutiveFailures, sender.disabled, clock.pendingTimers]).toEqual([0, false, 0])
    inFlight[1]!()
    expect(await other).toMatchObject({ state: 'delivered' })
  })

  it('many sends at once, waiting or in flight, add no listeners to a shared signal (no MaxListenersExceededWarning)', async () => {
    const warnings: Error[] = []
    const onWarning = (warning: Error) => void warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const clock = createManualClock()
      const { transport } = scriptedTransport(Array.from({ length: 40 }, () => 500))
      const sender = acmeSender({ clock, transport })
      const sends = Array.from({ length: 20 }, () => sender.send(contact))
      // Twenty attempts in flight, then twenty retries waiting.
      await new Promise((resolve) => setImmediate(resolve))
      expect(clock.pendingTimers).toBe(20)
      sender.close()
      expect((await Promise.all(sends)).map((result) => result.state)).toEqual(Array.from({ length: 20 }, () => 'cancelled'))
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([])
    } finally {
      process.off('warning', onWarning)
    }
  })

  it("leaves nothing behind on the sender's lifelong signals once a delivery ends (Node 20's AbortSignal.any keeps every composite)", async () => {
    // On Node 20 each AbortSignal.any(sources) adds an entry to every source's set of dependants that is never
    // pruned: composed from a signal the sender keeps for good, each send left ~120 bytes behind for good (a
    // million sends of a load test, ~120 MB). A signal two deliveries share must not be a source.
    const sources = new Map<AbortSignal, number>()
    const any = AbortSignal.any.bind(AbortSignal)
    const spy = vi.spyOn(AbortSignal, 'any').mockImplementation((signals: Iterable<AbortSignal>) => {
      const list = [...signals]
      for (const signal of list) sources.set(signal, (sources.get(signal) ?? 0) + 1)
      return any(list)
    })
    try {
      const clock = createManualClock()
      const { transport } = scriptedTransport([500, 200, 200])
      const sender = acmeSender({ clock, transport })
      expect((await clock.runUntilSettled(sender.send(contact))).state).toBe('delivered')
      expect((await clock.runUntilSettled(sender.send(contact))).state).toBe('delivered')
      expect([...sources.values()].filter((uses) => uses > 1)).toEqual([])
    } finally {
      spy.mockRestore()
    }
  })

  it('close() cancels a pending retry', async () => {
    const clock = createManualClock()
    const { transport } = scriptedTransport([500])
    const sender = acmeSender({ clock, transport })
    const pending = sender.send(contact)
    await new Promise((resolve) => setImmediate(resolve))
    expect(clock.pendingTimers).toBe(1)
    sender.close()
    const result = await pending
    expect(result.state).toBe('cancelled')
    expect(result.attempts).toHaveLength(1)
    expect((await sender.send(contact)).state).toBe('cancelled')
  })
})

describe('the default transport on a manual clock', () => {
  /** A loopback receiver answering each request, after ~20 ms of work, with the next status. */
  async function slowReceiver(statuses: number[]) {
    let served = 0
    const server = createServer((_req, res) => {
      const status = statuses[Math.min(served++, statuses.length - 1)]!
      setTimeout(() => res.writeHead(status).end(`answer ${served}`), 20)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`
    return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
  }

  // The attempt's timeout ran on the manual clock, which fired it before the receiver could answer: a
  // spurious 30 s timeout was logged, and a retry a minute later of a delivery that had succeeded.
  it('times the attempt on real time: a receiver answering in 20 ms is logged 200, not a timeout', async () => {
    const receiver = await slowReceiver([200])
    try {
      const clock = createManualClock()
      const sender = createSender({ provider: acmeProvider, secret: 's', url: receiver.url, clock })
      const result = await clock.runUntilSettled(sender.send(contact))
      expect(result).toMatchObject({ state: 'delivered', status: 200 })
      expect(sender.log.attempts()).toMatchObject([{ attempt: 1, status: 200, error: undefined, responseBody: 'answer 1' }])
      expect(sender.log.attempts()[0]!.durationMs).toBeLessThan(30_000)
    } finally {
      await receiver.close()
    }
  })

  it('runs the schedule on the manual clock between real attempts', async () => {
    const receiver = await slowReceiver([503, 200])
    try {
      const clock = createManualClock()
      const sender = createSender({ provider: acmeProvider, secret: 's', url: receiver.url, clock })
      const result = await clock.runUntilSettled(sender.send(contact))
      expect(result.attempts.map((attempt) => [attempt.status, attempt.error])).toEqual([
        [503, undefined],
        [200, undefined],
      ])
      const [first, second] = result.attempts.map((attempt) => Date.parse(attempt.time))
      expect(second! - first!).toBe(MINUTE)
    } finally {
      await receiver.close()
    }
  })
})
