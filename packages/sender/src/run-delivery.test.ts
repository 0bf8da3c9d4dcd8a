/**
 * The delivery loop (run-delivery.ts), tested through createSender: the retry schedule and its waits,
 * Retry-After, and what one delivery logs and answers. What outlives a delivery (the failure count,
 * auto-disable, close()) is tested in sender.test.ts, the caller's signal in sender.caller-signal.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { hasLoneSurrogate } from '@crm-webhooks/core'
import { demoSecrets, standardWebhooks } from '@crm-webhooks/core/providers'
import { URL_, acmeSender, contact, scriptedTransport } from './acme-sender.fixture.js'
import { acmeProvider } from './acme-provider.fixture.js'
import { createManualClock } from './manual-clock.js'
import { type DeliveryAttempt, type DeliveryLog, RESPONSE_BODY_LIMIT, createDeliveryLog } from './delivery-log.js'
import { createSender } from './sender.js'
import type { Transport } from './transport.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

describe('createSender retries (manual clock: the 24 h schedule runs in milliseconds)', () => {
  it('retries at 1m, 5m, 30m, 2h and 24h after the initial failure, logging every attempt', async () => {
    const clock = createManualClock()
    const start = clock.now()
    const { transport } = scriptedTransport([500])
    const progress: Array<number | undefined> = []
    const sender = acmeSender({
      clock,
      transport,
      onAttempt: (_attempt, next) => progress.push(next?.inMs),
    })
    const result = await clock.runUntilSettled(sender.send(contact))
    expect(result.state).toBe('failed')
    expect(result.ok).toBe(false)
    expect(result.status).toBe(500)
    const offsets = result.attempts.map((attempt) => Date.parse(attempt.time) - start)
    expect(offsets).toEqual([0, MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 24 * HOUR])
    expect(result.attempts.map((attempt) => attempt.attempt)).toEqual([1, 2, 3, 4, 5, 6])
    expect(result.attempts[2]).toMatchObject({ status: 500, ok: false, responseBody: 'answer 3', durationMs: 0, error: undefined })
    // Progress tells how long until the next retry; the last failure has none.
    expect(progress).toEqual([MINUTE, 4 * MINUTE, 25 * MINUTE, 90 * MINUTE, 22 * HOUR, undefined])
    expect(sender.log.get(result.deliveryId)?.state).toBe('failed')
    expect(sender.log.attempts()).toHaveLength(6)
    expect(clock.now() - start).toBe(24 * HOUR)
  })

  it('stops at the first 2xx and resets the consecutive failure count', async () => {
    const clock = createManualClock()
    const { transport, requests } = scriptedTransport([503, 502, 204])
    const sender = acmeSender({ clock, transport })
    const result = await clock.runUntilSettled(sender.send(contact))
    expect(result).toMatchObject({ ok: true, state: 'delivered', status: 204 })
    expect(result.attempts).toHaveLength(3)
    expect(sender.consecutiveFailures).toBe(0)
    // Every attempt carries the same event, so the receiver can de-duplicate a retry of a handled one.
    expect(new Set(requests.map((request) => request.body)).size).toBe(1)
  })

  it('honours maxRetries and a custom schedule', async () => {
    const clock = createManualClock()
    const start = clock.now()
    const { transport } = scriptedTransport([500])
    const sender = acmeSender({
      clock,
      transport,
      retry: { maxRetries: 2, schedule: [10, 20] },
    })
    const result = await clock.runUntilSettled(sender.send(contact))
    expect(result.attempts.map((attempt) => Date.parse(attempt.time) - start)).toEqual([0, 10, 20])
    const none = acmeSender({ clock, transport, retry: { maxRetries: 0 } })
    expect((await clock.runUntilSettled(none.send(contact))).attempts).toHaveLength(1)
  })

  it('waits out a retry further away than a timer can hold (2^31-1 ms, about 24.8 days) in pieces, not at once', async () => {
    const clock = createManualClock()
    const asked: number[] = []
    const timers = { ...clock, setTimeout: (callback: () => void, ms: number) => (asked.push(ms), clock.setTimeout(callback, ms)) }
    const { transport, requests } = scriptedTransport([500, 200])
    // A receiver that remembers deliveries past the 30-day retry, or the sender would refuse the schedule.
    const remembering = { ...acmeProvider, retentionMs: 31 * 24 * HOUR }
    const sender = acmeSender({ provider: remembering, clock: timers, transport, retry: { maxRetries: 1, schedule: [30 * 24 * HOUR] } })
    const result = await clock.runUntilSettled(sender.send(contact))
    expect(Math.max(...asked)).toBeLessThanOrEqual(2 ** 31 - 1)
    expect(result).toMatchObject({ ok: true, state: 'delivered' })
    const [first, second] = result.attempts.map((attempt) => Date.parse(attempt.time))
    expect(second! - first!).toBeGreaterThanOrEqual(30 * 24 * HOUR)
    expect(requests).toHaveLength(2)
    expect(() => acmeSender({ clock, transport, retry: { schedule: [1e13] } })).toThrow(/at most/)
  })

  it("waits at least a failed attempt's Retry-After before the next retry (capped at a day), later than the schedule if need be", async () => {
    const clock = createManualClock()
    const answers = [
      { status: 503, responseBody: 'busy', durationMs: 0, retryAfterMs: 10 * MINUTE },
      { status: 503, responseBody: 'busy', durationMs: 0, retryAfterMs: 1_000 },
      { status: 200, responseBody: 'ok', durationMs: 0 },
    ]
    const transport: Transport = async () => answers.shift()!
    const waits: number[] = []
    const sender = acmeSender({ clock, transport, onAttempt: (_attempt, next) => next && waits.push(next.inMs) })
    const result = await clock.runUntilSettled(sender.send(contact))
    expect(result).toMatchObject({ ok: true, state: 'delivered' })
    // Retry 1 is due 1 m after the failure, but the receiver asked for 10 m. Retry 2's time on the schedule
    // (5 m after the failure) has passed by then: it keeps the schedule's 4 m gap after retry 1, more than
    // the 1 s its Retry-After asked for.
    expect(waits).toEqual([10 * MINUTE, 4 * MINUTE])
    expect(result.attempts.map((attempt) => attempt.retryAfterMs)).toEqual([10 * MINUTE, 1_000, undefined])

    // A day's wait before retry 1 shifts the rest, each keeping the schedule's gap: no burst of four.
    const failing = async () => ({ status: 503, responseBody: 'busy', durationMs: 0 })
    let first = true
    const slowDown: Transport = async () => (first ? ((first = false), { ...(await failing()), retryAfterMs: 24 * HOUR }) : failing())
    const shifted: number[] = []
    const spaced = acmeSender({ clock, transport: slowDown, onAttempt: (_attempt, next) => next && shifted.push(next.inMs) })
    await clock.runUntilSettled(spaced.send(contact))
    expect(shifted).toEqual([24 * HOUR, 4 * MINUTE, 25 * MINUTE, 90 * MINUTE, 22 * HOUR])

    // A receiver asking for a year gets a day.
    const greedy: Transport = async () => ({ status: 503, responseBody: 'busy', durationMs: 0, retryAfterMs: 365 * 24 * HOUR })
    const capped: number[] = []
    const patient = acmeSender({ clock, transport: greedy, retry: { maxRetries: 1 }, onAttempt: (_attempt, next) => next && capped.push(next.inMs) })
    await clock.runUntilSettled(patient.send(contact))
    expect(capped).toEqual([24 * HOUR])
  })

  it("never lets Retry-After waits carry a retry past the receiver's retention: one due later runs at its edge, as the last", async () => {
    const clock = createManualClock()
    const start = clock.now()
    // A receiver (72 h retention) answering 503 with a day's wait every time: five waits of a day would put
    // the last retry 5 days after the first attempt, which the receiver may have handled and forgotten by then.
    const busy: Transport = async () => ({ status: 503, responseBody: 'busy', durationMs: 0, retryAfterMs: 24 * HOUR })
    const planned: Array<number | undefined> = []
    const sender = acmeSender({ clock, transport: busy, onAttempt: (_attempt, next) => planned.push(next?.inMs) })
    const result = await clock.runUntilSettled(sender.send(contact))
    expect(result.state).toBe('failed')
    const offsets = result.attempts.map((attempt) => Date.parse(attempt.time) - start)
    const latest = 72 * HOUR - 30_000 // retention less the 30 s attempt timeout
    expect(offsets).toEqual([0, 24 * HOUR, 48 * HOUR, latest])
    expect(Math.max(...offsets)).toBeLessThan(72 * HOUR)
    // The retry moved to the edge is announced as the last: nothing is planned after it.
    expect(planned).toEqual([24 * HOUR, 24 * HOUR, 24 * HOUR - 30_000, undefined])

    // A wait that stays within the retention is honoured in full, and the schedule goes on after it.
    let asks = 1
    const onceBusy: Transport = async () => ({ status: 503, responseBody: 'busy', durationMs: 0, ...(asks-- > 0 ? { retryAfterMs: 24 * HOUR } : {}) })
    const spaced = acmeSender({ clock, transport: onceBusy })
    expect((await clock.runUntilSettled(spaced.send(contact))).attempts).toHaveLength(6)
  })

  it("keeps to the schedule when a custom Transport's retryAfterMs is no wait (NaN, negative)", async () => {
    for (const retryAfterMs of [Number.NaN, -5_000]) {
      const clock = createManualClock()
      const start = clock.now()
      const odd: Transport = async () => ({ status: 503, responseBody: 'busy', durationMs: 0, retryAfterMs })
      const result = await clock.runUntilSettled(acmeSender({ clock, transport: odd }).send(contact))
      expect(result.attempts.map((attempt) => Date.parse(attempt.time) - start)).toEqual([0, MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 24 * HOUR])
    }
  })

  it('never moves a retry of a schedule createSender accepted, however long the first attempt took to fail', async () => {
    const clock = createManualClock()
    const start = clock.now()
    // The first attempt runs to its 30 s timeout; the last retry, 71 h 59 m 10 s after that failure, passes
    // the check createSender makes (its offset plus a timeout is under the 72 h retention).
    let calls = 0
    const slowFirst: Transport = async () => {
      if (calls++ === 0) clock.advance(30_000)
      return { status: 500, responseBody: 'down', durationMs: 0 }
    }
    const schedule = [MINUTE, 72 * HOUR - 55_000, 72 * HOUR - 50_000]
    const sender = acmeSender({ clock, transport: slowFirst, retry: { maxRetries: 3, schedule } })
    const result = await clock.runUntilSettled(sender.send(contact))
    const offsets = result.attempts.map((attempt) => Date.parse(attempt.time) - start)
    // The schedule's offsets count from that failure, at 30 s.
    expect(offsets).toEqual([0, ...schedule.map((offset) => 30_000 + offset)])
  })
})

describe('the delivery log', () => {
  it("answers with its own attempts, whether the log dropped the delivery or keeps only copies", async () => {
    const clock = createManualClock()
    const { transport } = scriptedTransport([500, 200])
    // A log of one delivery: the second send opens its record while the first still waits for its retry.
    const small = acmeSender({ clock, transport, log: createDeliveryLog({ maxDeliveries: 1 }) })
    const first = small.send(contact)
    await clock.runUntilSettled(small.send({ ...contact, data: { ...contact.data, id: 'con_2' } }))
    const result = await clock.runUntilSettled(first)
    expect(small.log.get(result.deliveryId)).toBeUndefined()
    expect(result).toMatchObject({ ok: true, state: 'delivered', status: 200 })
    expect(result.attempts.map((attempt) => [attempt.attempt, attempt.status])).toEqual([[1, 500], [2, 200]])

    // A log that persists copies, as a database-backed one would, never touches the sender's record.
    const rows: DeliveryAttempt[] = []
    const copying: DeliveryLog = {
      open: () => {},
      append: (attempt) => void rows.push({ ...attempt }),
      close: () => {},
      get: () => undefined,
      list: () => [],
      attempts: () => rows,
    }
    const persisted = await clock.runUntilSettled(acmeSender({ clock, transport: scriptedTransport([503, 201]).transport, log: copying }).send(contact))
    expect(persisted).toMatchObject({ ok: true, status: 201 })
    expect(persisted.attempts).toHaveLength(2)
    expect(rows.map((row) => row.status)).toEqual([503, 201])
  })

  it('a send whose signing throws rejects and leaves no pending record in the log', async () => {
    const clock = createManualClock()
    const { transport, requests } = scriptedTransport([200])
    const sender = createSender({ provider: standardWebhooks, secret: demoSecrets['standard-webhooks'], url: URL_, clock, transport })
    await expect(sender.send({ type: 'contact.created', id: 'msg.1', data: { id: 'con_1' } })).rejects.toThrow(/must not contain/)
    expect(requests).toHaveLength(0)
    expect(sender.log.list().map((record) => record.state)).toEqual(['failed'])
  })

  it('logs at most RESPONSE_BODY_LIMIT characters of a response body, from a transport of your own too', async () => {
    const clock = createManualClock()
    const transport: Transport = async () => ({ status: 500, responseBody: 'x'.repeat(RESPONSE_BODY_LIMIT + 500), durationMs: 0 })
    const sender = acmeSender({ clock, transport, retry: { maxRetries: 0 } })
    const result = await clock.runUntilSettled(sender.send(contact))
    expect(result.attempts[0]!.responseBody).toHaveLength(RESPONSE_BODY_LIMIT)
    expect(sender.log.attempts()[0]!.responseBody).toHaveLength(RESPONSE_BODY_LIMIT)
  })

  it('does not cut a response body inside a surrogate pair: the emoji the limit would halve goes whole', async () => {
    const clock = createManualClock()
    const body = `${'a'.repeat(RESPONSE_BODY_LIMIT - 1)}\u{1F600} and the rest of the error`
    const transport: Transport = async () => ({ status: 500, responseBody: body, durationMs: 0 })
    const sender = acmeSender({ clock, transport, retry: { maxRetries: 0 } })
    await clock.runUntilSettled(sender.send(contact))
    const logged = sender.log.attempts()[0]!.responseBody
    expect(logged).toBe('a'.repeat(RESPONSE_BODY_LIMIT - 1))
    expect(hasLoneSurrogate(logged)).toBe(false)
  })
})
