/**
 * `waitUntil`, a Web runtime's way to keep work alive after the answer (Workers' `ExecutionContext`): the
 * receiver hands it each claim's settling, so a handler past its deadline and the retries recording a claim's
 * outcome are not cut off when the isolate would otherwise be dropped (a completion cut off lets a resend run
 * the handler again).
 */
import { describe, expect, it } from 'vitest'
import { CONTRACT_SECRET, contractProvider, signContractDelivery } from './idempotency/contract-provider.js'
import { createMemoryStore } from './idempotency/memory-store.js'
import { createReceiver } from './receiver.js'
import type { IdempotencyStore } from './idempotency/idempotency-store.js'

/** A Workers-like ExecutionContext: keeps what it is handed, and refuses a waitUntil called unbound, as Workers does. */
function executionContext() {
  const kept: Array<Promise<unknown>> = []
  const context = {
    waitUntil(this: unknown, work: Promise<unknown>) {
      if (this !== context) throw new TypeError('Illegal invocation')
      kept.push(work)
    },
  }
  return { context, kept }
}

/** Whether `promise` has settled once pending callbacks ran. */
async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false
  void promise.then(() => (settled = true))
  await new Promise((resolve) => setTimeout(resolve, 5))
  return settled
}

function asFetchRequest(delivery: Awaited<ReturnType<typeof signContractDelivery>>): Request {
  return new Request('https://receiver.example/webhooks', { method: delivery.method, headers: delivery.headers, body: delivery.rawBody })
}

describe('waitUntil', () => {
  it("keeps a completion the store refused alive until its background retry lands, through fetch's ExecutionContext", async () => {
    const inner = createMemoryStore()
    let completions = 0
    const store: IdempotencyStore = {
      claim: inner.claim,
      release: inner.release,
      recordVersion: inner.recordVersion,
      complete: (...args) => (++completions === 1 ? Promise.reject(new Error('ECONNRESET')) : inner.complete(...args)),
    }
    const receiver = createReceiver({ provider: contractProvider, secret: CONTRACT_SECRET, store }).on('record.updated', () => {})
    const { context, kept } = executionContext()
    const response = await receiver.fetch(asFetchRequest(await signContractDelivery({ id: 'evt_owed' })), {}, context)
    expect([response.status, completions, kept.length]).toEqual([200, 1, 1])
    expect(await hasSettled(kept[0]!)).toBe(false) // the retry is 100 ms away
    await kept[0]
    expect(completions).toBe(2)
    expect(await inner.claim(`${contractProvider.id}:evt_owed`, 'another-instance', 5_000)).toEqual({ state: 'completed' })
  })

  it('keeps a handler running past handlerTimeoutMs alive until its completion is recorded, through handle', async () => {
    const store = createMemoryStore()
    let finish!: () => void
    const receiver = createReceiver({ provider: contractProvider, secret: CONTRACT_SECRET, store, handlerTimeoutMs: 20, lockTtlMs: 5_000 }).on(
      'record.updated',
      () => new Promise<void>((resolve) => (finish = resolve)),
    )
    const kept: Array<Promise<unknown>> = []
    const response = await receiver.handle({ ...(await signContractDelivery({ id: 'evt_slow' })), waitUntil: (work) => void kept.push(work) })
    expect([response.status, kept.length]).toEqual([503, 1])
    expect(await hasSettled(kept[0]!)).toBe(false)
    finish()
    await kept[0]
    expect(await store.claim(`${contractProvider.id}:evt_slow`, 'another-instance', 5_000)).toEqual({ state: 'completed' })
  })

  it("keeps an async onDelivery or onError (a log shipped over the network), and a refusing onInvalidPayload past the deadline", async () => {
    let finishHook!: () => void
    const shipped: string[] = []
    const receiver = createReceiver({
      provider: contractProvider,
      secret: CONTRACT_SECRET,
      handlerTimeoutMs: 20,
      lockTtlMs: 5_000,
      onDelivery: async (outcome) => {
        await new Promise((resolve) => setTimeout(resolve, 10))
        shipped.push(`delivery ${outcome.status}`)
      },
      onError: async (error) => {
        await new Promise((resolve) => setTimeout(resolve, 10))
        shipped.push(`error ${error.code}`)
      },
      onInvalidPayload: () => new Promise<void>((resolve) => (finishHook = resolve)),
    }).on('record.updated', () => {})
    const kept: Array<Promise<unknown>> = []
    const waitUntil = (work: Promise<unknown>) => void kept.push(work)
    expect((await receiver.handle({ ...(await signContractDelivery({ id: 'evt_logged' })), waitUntil })).status).toBe(200)
    const unsigned = { method: 'POST', headers: { 'content-type': 'application/json' }, rawBody: '{}', waitUntil }
    expect((await receiver.handle(unsigned)).status).toBe(401)
    await Promise.all(kept)
    expect(shipped.sort()).toEqual(['delivery 200', 'delivery 401', 'error missing_signature'])
    // A payload its schema refuses: the hook is still running when the sender is answered 503.
    kept.length = 0
    const rawBody = JSON.stringify({ event: 'record.updated', id: 'evt_invalid', timestamp: new Date(0).toISOString(), data: { record: 7 } })
    const signature = await contractProvider.scheme.sign({ body: rawBody }, CONTRACT_SECRET)
    const response = await receiver.handle({ method: 'POST', headers: { 'content-type': 'application/json', ...signature }, rawBody, waitUntil })
    expect(response.status).toBe(503)
    const hookKept = kept.length
    expect(hookKept).toBeGreaterThan(0)
    finishHook()
    await Promise.all(kept)
  })

  it('hands over nothing for a duplicate or a refused delivery, and a waitUntil that throws costs the delivery nothing', async () => {
    const receiver = createReceiver({ provider: contractProvider, secret: CONTRACT_SECRET }).on('record.updated', () => {})
    const delivery = await signContractDelivery({ id: 'evt_once' })
    const throwing = {
      waitUntil: () => {
        throw new Error('waitUntil called outside its request')
      },
    }
    expect((await receiver.fetch(asFetchRequest(delivery), {}, throwing)).status).toBe(200)
    const { context, kept } = executionContext()
    expect((await receiver.fetch(asFetchRequest(delivery), {}, context)).status).toBe(200) // a duplicate
    expect((await receiver.fetch(new Request('https://receiver.example/webhooks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), {}, context)).status).toBe(401)
    expect(kept).toEqual([])
    // One whose waitUntil answers a rejected promise (an async one of your own), or whose getter throws.
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => void unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const rejecting = { waitUntil: async () => Promise.reject(new Error('waitUntil rejected')) }
      expect((await receiver.fetch(asFetchRequest(await signContractDelivery({ id: 'evt_async' })), {}, rejecting)).status).toBe(200)
      const getterThrows = Object.defineProperty({}, 'waitUntil', { get: () => { throw new Error('no context here') } })
      expect((await receiver.fetch(asFetchRequest(await signContractDelivery({ id: 'evt_getter' })), {}, getterThrows)).status).toBe(200)
      await new Promise((resolve) => setTimeout(resolve, 20))
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
    expect(unhandled).toEqual([])
    // Bun passes its server, Deno its info: no waitUntil there, and nothing goes wrong.
    expect((await receiver.fetch(asFetchRequest(await signContractDelivery({ id: 'evt_bun' })), { upgrade() {} }, undefined)).status).toBe(200)
  })
})
