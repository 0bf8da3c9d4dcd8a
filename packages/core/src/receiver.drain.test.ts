/**
 * `receiver.drain()`, the shutdown step between "the server takes no more requests" and "close the store":
 * it waits for every claim the receiver holds to have its outcome recorded, so closing the store cannot
 * cut off a completion (whose loss lets a resend run the handler again once the lease ends).
 */
import { describe, expect, it } from 'vitest'
import { CONTRACT_SECRET, contractProvider, signContractDelivery } from './idempotency/contract-provider.js'
import { createMemoryStore } from './idempotency/memory-store.js'
import { createReceiver } from './receiver.js'
import type { IdempotencyStore } from './idempotency/idempotency-store.js'

/** A promise the test settles by hand. */
function deferred() {
  let resolve!: () => void
  let reject!: (error: Error) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Whether `promise` has settled after the pending callbacks and a short real wait. */
async function settledWithin(promise: Promise<unknown>, ms = 30): Promise<boolean> {
  let settled = false
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  )
  await new Promise((resolve) => setTimeout(resolve, ms))
  return settled
}

function receiverWith(store: IdempotencyStore, handler: () => Promise<void> | void, options: { handlerTimeoutMs?: number; lockTtlMs?: number } = {}) {
  return createReceiver({ provider: contractProvider, secret: CONTRACT_SECRET, store, lockTtlMs: 5_000, handlerTimeoutMs: 1_000, ...options }).on('record.updated', handler)
}

describe('receiver.drain()', () => {
  it('resolves true at once when the receiver holds no claim', async () => {
    const receiver = receiverWith(createMemoryStore(), () => {})
    expect((await receiver.handle(await signContractDelivery({ id: 'evt_done' }))).status).toBe(200)
    expect(await receiver.drain()).toBe(true)
  })

  it.each([
    ['the default lease', 5_000],
    // Node fires a timer past 2^31 - 1 ms at once: the default wait is capped there, not skipped.
    ['a lease past the longest timer', 3_000_000_000],
  ])('waits for a handler still running, then for its completion, under %s: the store closed after it remembers the delivery', async (_, lockTtlMs) => {
    const store = createMemoryStore()
    const handler = deferred()
    let runs = 0
    const receiver = receiverWith(
      store,
      () => {
        runs += 1
        return handler.promise
      },
      { lockTtlMs },
    )
    const request = await signContractDelivery({ id: 'evt_running' })
    const answer = receiver.handle(request)
    await expect.poll(() => runs).toBe(1)
    const drained = receiver.drain()
    expect(await settledWithin(drained)).toBe(false)
    handler.resolve()
    expect(await drained).toBe(true)
    expect((await answer).status).toBe(200)
    const completed = await store.claim(`${contractProvider.id}:evt_running`, 'another-instance', 5_000)
    expect(completed).toEqual({ state: 'completed' })
  })

  it('waits for every handler still running, not only the first to finish: the store closed after it remembers both', async () => {
    const store = createMemoryStore()
    const handlers = [deferred(), deferred()]
    let runs = 0
    const receiver = receiverWith(store, () => handlers[runs++]!.promise)
    const answers = [receiver.handle(await signContractDelivery({ id: 'evt_first' })), receiver.handle(await signContractDelivery({ id: 'evt_second' }))]
    await expect.poll(() => runs).toBe(2)
    const drained = receiver.drain()
    handlers[0]!.resolve()
    expect((await answers[0])!.status).toBe(200)
    expect(await settledWithin(drained), 'drained while the second handler still runs').toBe(false)
    handlers[1]!.resolve()
    expect(await drained).toBe(true)
    expect((await answers[1])!.status).toBe(200)
    for (const id of ['evt_first', 'evt_second']) {
      expect(await store.claim(`${contractProvider.id}:${id}`, 'another-instance', 5_000)).toEqual({ state: 'completed' })
    }
  })

  it.each([
    // Recorded before the store is closed: the sender's retry, wherever it lands, is a duplicate.
    ['succeeds: its late completion is recorded', 'evt_slow', 'completed'],
    // Released before the store is closed: the sender's retry, on another instance, runs it at once.
    ['fails: its release is recorded', 'evt_failing', 'claimed'],
  ] as const)('waits for a handler past handlerTimeoutMs (its sender answered 503) that then %s', async (_, id, stateAfter) => {
    const store = createMemoryStore()
    const handler = deferred()
    let runs = 0
    const receiver = receiverWith(
      store,
      () => {
        runs += 1
        return handler.promise
      },
      { handlerTimeoutMs: 20 },
    )
    expect((await receiver.handle(await signContractDelivery({ id }))).status).toBe(503)
    const drained = receiver.drain()
    expect(await settledWithin(drained)).toBe(false)
    if (stateAfter === 'completed') handler.resolve()
    else handler.reject(new Error('the CRM API is down'))
    expect(await drained).toBe(true)
    expect(await store.claim(`${contractProvider.id}:${id}`, 'another-instance', 5_000)).toEqual({ state: stateAfter })
    expect(runs).toBe(1)
  })

  it('waits for a completion the store refused and then took on a background retry', async () => {
    const inner = createMemoryStore()
    let completeDown = true
    const store: IdempotencyStore = {
      claim: inner.claim,
      release: inner.release,
      recordVersion: inner.recordVersion,
      complete: (...args) => (completeDown ? Promise.reject(new Error('ECONNRESET')) : inner.complete(...args)),
    }
    const receiver = receiverWith(store, () => {})
    const request = await signContractDelivery({ id: 'evt_blip' })
    expect((await receiver.handle(request)).status).toBe(200) // answered; the completion is owed
    const drained = receiver.drain()
    expect(await settledWithin(drained)).toBe(false)
    completeDown = false
    expect(await drained).toBe(true)
    expect(await inner.claim(`${contractProvider.id}:evt_blip`, 'another-instance', 5_000)).toEqual({ state: 'completed' })
  })

  it('resolves false once its timeout passes with a handler that never finishes', async () => {
    const receiver = receiverWith(createMemoryStore(), () => new Promise<void>(() => {}), { handlerTimeoutMs: 20 })
    expect((await receiver.handle(await signContractDelivery({ id: 'evt_hung' }))).status).toBe(503)
    const startedAt = Date.now()
    expect(await receiver.drain({ timeoutMs: 50 })).toBe(false)
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(40)
  })

  it('waits for a claim still on its way to the store, and answers a delivery that arrives after it 503, claiming nothing', async () => {
    const inner = createMemoryStore()
    const claimAnswered = deferred()
    let runs = 0
    const store: IdempotencyStore = {
      ...inner,
      claim: async (...args) => {
        await claimAnswered.promise // a store slow to answer, as at the moment of a SIGTERM
        return inner.claim(...args)
      },
    }
    const receiver = receiverWith(store, () => {
      runs += 1
    })
    const answer = receiver.handle(await signContractDelivery({ id: 'evt_claim_in_flight' }))
    await new Promise((resolve) => setTimeout(resolve, 10)) // the claim has been asked for
    const drained = receiver.drain()
    expect(await settledWithin(drained)).toBe(false)
    const late = await receiver.handle(await signContractDelivery({ id: 'evt_after_drain' }))
    expect(late.status).toBe(503)
    expect(JSON.parse(late.body)).toMatchObject({ ok: false, error: { code: 'store_unavailable', message: expect.stringMatching(/shutting down/) } })
    expect(late.headers['retry-after']).toBeDefined()
    claimAnswered.resolve()
    expect(await drained).toBe(true)
    expect((await answer).status).toBe(200)
    expect(runs).toBe(1)
    expect(await inner.claim(`${contractProvider.id}:evt_after_drain`, 'another-instance', 5_000)).toEqual({ state: 'claimed' })
  })

  it('resolves false as soon as its signal aborts (a second Ctrl-C), with no timer left behind', async () => {
    const receiver = receiverWith(createMemoryStore(), () => new Promise<void>(() => {}), { handlerTimeoutMs: 20 })
    expect((await receiver.handle(await signContractDelivery({ id: 'evt_cut_short' }))).status).toBe(503)
    const timeouts = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length
    const before = timeouts()
    const cut = new AbortController()
    const drained = receiver.drain({ timeoutMs: 60_000, signal: cut.signal })
    expect(timeouts()).toBe(before + 1)
    cut.abort()
    expect(await drained).toBe(false)
    // The minute's timer is cleared: it would have kept the process up that long after a second Ctrl-C.
    expect(timeouts()).toBe(before)
  })

  it('settles a claim whose receiver clock throws once the handler ran: drain is not left waiting for it', async () => {
    let calls = 0
    const receiver = createReceiver({
      provider: contractProvider,
      secret: CONTRACT_SECRET,
      store: createMemoryStore(),
      lockTtlMs: 5_000,
      handlerTimeoutMs: 1_000,
      now: () => {
        calls += 1
        if (calls > 2) throw new Error('the clock broke')
        return Date.now()
      },
    }).on('record.updated', () => {})
    await receiver.handle(await signContractDelivery({ id: 'evt_clock_breaks' }))
    expect(await receiver.drain({ timeoutMs: 200 })).toBe(true)
  })

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '100' as never])('refuses a timeout of %s with a TypeError', async (timeoutMs) => {
    const receiver = receiverWith(createMemoryStore(), () => {})
    await expect(receiver.drain({ timeoutMs })).rejects.toThrow(TypeError)
  })
})
