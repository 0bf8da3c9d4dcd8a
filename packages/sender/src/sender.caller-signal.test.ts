/**
 * A caller's `signal` on send and resend: an application passes one long-lived signal (its shutdown signal)
 * to every send, so whatever a send hangs on it must come off when the send settles.
 */
import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { demoSecrets, standardWebhooks } from '@crm-webhooks/core/providers'
import { URL_, acmeSender, contact, scriptedTransport } from './acme-sender.fixture.js'
import { createManualClock } from './manual-clock.js'
import { createSender } from './sender.js'
import type { Transport } from './transport.js'

/** A transport whose attempts stay in flight until their signal aborts. */
const hangingTransport: Transport = (_request, { signal }) =>
  new Promise((resolve) => signal!.addEventListener('abort', () => resolve({ error: 'cancelled', responseBody: 'cancelled', durationMs: 0 })))

/**
 * How many AbortSignal.any composites `signal` keeps a reference to. Node 20 adds one to the signal's
 * internal set for every composite it is a source of and never removes it, even once the composite is
 * collected: this is the memory a shared caller signal gathered, one entry per send.
 */
function compositesHeldBy(signal: AbortSignal): number {
  const key = Object.getOwnPropertySymbols(signal).find((symbol) => symbol.description === 'kDependantSignals')
  return key === undefined ? 0 : (Reflect.get(signal, key) as Set<unknown>).size
}

const settle = () => new Promise((resolve) => setImmediate(resolve))

describe("a caller's signal holds nothing per finished send", () => {
  it('the probe sees what it measures: a composite is held by its source for good on this Node', () => {
    const source = new AbortController().signal
    AbortSignal.any([source])
    AbortSignal.any([source])
    expect(compositesHeldBy(source)).toBe(2)
  })

  it('after many sends and resends with one signal, some retried, the signal holds no composite and no listener', async () => {
    const shutdown = new AbortController().signal
    const clock = createManualClock()
    // Every other attempt fails: half the deliveries wait for a retry under the signal.
    const sender = acmeSender({ clock, transport: scriptedTransport([500, 200]).transport, retry: { maxRetries: 1, schedule: [1000] } })
    const results = []
    for (let index = 0; index < 50; index++) {
      results.push(await clock.runUntilSettled(sender.send(contact, { signal: shutdown })))
    }
    results.push(await clock.runUntilSettled(sender.resend(results[0]!.deliveryId, { signal: shutdown })))
    expect(results.every((result) => result.state === 'delivered')).toBe(true)
    expect(results.some((result) => result.attempts.length === 2)).toBe(true)
    expect(compositesHeldBy(shutdown)).toBe(0)
    expect(getEventListeners(shutdown, 'abort')).toHaveLength(0)
  })

  it('twenty sends at once under one signal add one listener to it, not twenty (no MaxListenersExceededWarning), and none once they end', async () => {
    const warnings: Error[] = []
    const onWarning = (warning: Error) => void warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const shutdown = new AbortController().signal
      const clock = createManualClock()
      const sender = acmeSender({ clock, transport: scriptedTransport([500]).transport, retry: { maxRetries: 1, schedule: [1000] } })
      const sends = Array.from({ length: 20 }, () => sender.send(contact, { signal: shutdown }))
      await settle()
      // Twenty retries waiting, each under the caller's signal.
      expect(clock.pendingTimers).toBe(20)
      expect(getEventListeners(shutdown, 'abort')).toHaveLength(1)
      const results = await clock.runUntilSettled(Promise.all(sends))
      expect(results.map((result) => result.state)).toEqual(Array.from({ length: 20 }, () => 'failed'))
      await settle()
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([])
      expect(getEventListeners(shutdown, 'abort')).toHaveLength(0)
      expect(compositesHeldBy(shutdown)).toBe(0)
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('twelve senders (one per subscriber) sending under one signal still add one listener to it', async () => {
    const warnings: Error[] = []
    const onWarning = (warning: Error) => void warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const shutdown = new AbortController()
      const clock = createManualClock()
      const senders = Array.from({ length: 12 }, () => acmeSender({ clock, transport: scriptedTransport([500]).transport, retry: { maxRetries: 1, schedule: [1000] } }))
      const sends = senders.map((sender) => sender.send(contact, { signal: shutdown.signal }))
      await settle()
      expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1)
      // One abort reaches the deliveries of every sender.
      shutdown.abort()
      const results = await clock.runUntilSettled(Promise.all(sends))
      expect(results.map((result) => result.state)).toEqual(Array.from({ length: 12 }, () => 'cancelled'))
      await settle()
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([])
      expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0)
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('a send whose signing throws leaves no listener on the signal either', async () => {
    const shutdown = new AbortController().signal
    const sender = createSender({
      provider: standardWebhooks,
      secret: demoSecrets['standard-webhooks'],
      url: URL_,
      clock: createManualClock(),
      transport: scriptedTransport([200]).transport,
    })
    await expect(sender.send({ type: 'contact.created', id: 'msg.1', data: { id: 'con_1' } }, { signal: shutdown })).rejects.toThrow(
      /must not contain/,
    )
    expect(getEventListeners(shutdown, 'abort')).toHaveLength(0)
    expect(compositesHeldBy(shutdown)).toBe(0)
  })
})

describe("aborting through the caller's signal", () => {
  it('cancels an attempt in flight and a pending retry, of every send under it, uncounted; the others go on', async () => {
    const clock = createManualClock()
    const shutdown = new AbortController()
    const waiting = acmeSender({ clock, transport: scriptedTransport([500, 500, 200]).transport })
    const inFlight = acmeSender({ clock, transport: hangingTransport, retry: { disableAfterConsecutiveFailures: 1 } })
    const retrying = waiting.send(contact, { signal: shutdown.signal })
    const hanging = inFlight.send(contact, { signal: shutdown.signal })
    const unrelated = waiting.send(contact)
    await settle()
    expect(clock.pendingTimers).toBe(2) // the retries of `waiting`'s two sends
    shutdown.abort()
    expect(await retrying).toMatchObject({ state: 'cancelled', attempts: [{ status: 500 }] })
    expect(await hanging).toMatchObject({ state: 'cancelled', attempts: [{ error: 'cancelled' }] })
    expect([inFlight.consecutiveFailures, inFlight.disabled]).toEqual([0, false])
    expect(clock.pendingTimers).toBe(1)
    expect(await clock.runUntilSettled(unrelated)).toMatchObject({ state: 'delivered', attempts: [{ status: 500 }, { status: 200 }] })
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0)
  })

  it('a signal aborted before the send ends it cancelled without an attempt, and is not listened to', async () => {
    const clock = createManualClock()
    let attempts = 0
    const counting: Transport = async () => (attempts++, { status: 200, responseBody: 'ok', durationMs: 0 })
    const sender = acmeSender({ clock, transport: counting })
    const signal = AbortSignal.abort()
    expect(await sender.send(contact, { signal })).toMatchObject({ state: 'cancelled', attempts: [] })
    expect(attempts).toBe(0)
    expect(getEventListeners(signal, 'abort')).toHaveLength(0)
    // The sender is unharmed: the next send without the signal is delivered.
    expect(await clock.runUntilSettled(sender.send(contact))).toMatchObject({ state: 'delivered' })
  })

  it('an abort after a send settled touches nothing of it, and a later send under a fresh signal still works', async () => {
    const clock = createManualClock()
    const first = new AbortController()
    const sender = acmeSender({ clock, transport: scriptedTransport([200]).transport })
    const done = await clock.runUntilSettled(sender.send(contact, { signal: first.signal }))
    first.abort()
    expect(done.state).toBe('delivered')
    expect(sender.log.get(done.deliveryId)?.state).toBe('delivered')
    const next = new AbortController()
    expect(await clock.runUntilSettled(sender.send(contact, { signal: next.signal }))).toMatchObject({ state: 'delivered' })
  })
})
