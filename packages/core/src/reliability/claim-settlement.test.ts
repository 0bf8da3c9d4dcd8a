/**
 * A store that drops out between a handler's success and the completion of its claim: the completion is
 * retried in the background, past the lease too (nobody can claim the key while the store is away, and a
 * free key's completion stands), so a resend after the outage is a duplicate and not a second run. A lost
 * release is retried while the lease lasts, then let go: past it the key is free anyway.
 */
import { describe, expect, it, vi } from 'vitest'
import { CONTRACT_SECRET, contractProvider, signContractDelivery } from '../idempotency/contract-provider.js'
import { createMemoryStore } from '../idempotency/memory-store.js'
import { createReceiver } from '../receiver.js'
import type { IdempotencyStore } from '../idempotency/idempotency-store.js'

/** The memory store behind a switch: while `down`, every call rejects as a networked store's would. */
function flakyStore() {
  const inner = createMemoryStore()
  const calls: string[] = []
  const state = { down: false }
  const guard =
    <A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      calls.push(`${name}${state.down ? ' (down)' : ''}`)
      return state.down ? Promise.reject(new Error('ECONNREFUSED')) : call(...args)
    }
  const store: IdempotencyStore = {
    claim: guard('claim', inner.claim),
    complete: guard('complete', inner.complete),
    release: guard('release', inner.release),
  }
  return { store, state, calls }
}

function receiverOn(store: IdempotencyStore, onRun: () => Promise<void> | void) {
  return createReceiver({ provider: contractProvider, secret: CONTRACT_SECRET, store, lockTtlMs: 1_500, handlerTimeoutMs: 200 }).on(
    'record.updated',
    onRun,
  )
}

describe('claim settlement when the store drops out after the handler', () => {
  it('a completion lost to a short outage is retried, so the resend is a duplicate, not a second run', async () => {
    const { store, state, calls } = flakyStore()
    let runs = 0
    const receiver = receiverOn(store, () => {
      runs += 1
      state.down = true // the store goes away while the handler works
    })
    const request = await signContractDelivery({ id: 'evt_lost_completion' })
    expect((await receiver.handle(request)).status).toBe(200) // handled: the sender must not retry
    setTimeout(() => (state.down = false), 250) // back well inside the 1.5 s lease
    await vi.waitFor(() => expect(calls.filter((call) => call === 'complete')).toHaveLength(1), { timeout: 1_500 })
    expect(JSON.parse((await receiver.handle(request)).body)).toMatchObject({ ok: true, duplicate: true })
    expect(runs).toBe(1)
  })

  it('a release lost to a short outage is retried, so the sender’s retry runs without waiting for the lease', async () => {
    const { store, state } = flakyStore()
    let runs = 0
    const receiver = receiverOn(store, async () => {
      runs += 1
      if (runs === 1) {
        state.down = true
        throw new Error('downstream failed')
      }
    })
    const request = await signContractDelivery({ id: 'evt_lost_release' })
    expect((await receiver.handle(request)).status).toBe(500)
    state.down = false
    await vi.waitFor(async () => expect((await receiver.handle(request)).status).toBe(200), { timeout: 1_000 })
    expect(runs).toBe(2)
  })

  it('a completion lost to an outage longer than the lease still lands once the store is back: the resend is a duplicate', async () => {
    const { store, state, calls } = flakyStore()
    let runs = 0
    const receiver = receiverOn(store, () => {
      runs += 1
      state.down = true
    })
    const request = await signContractDelivery({ id: 'evt_outage_past_lease' })
    expect((await receiver.handle(request)).status).toBe(200)
    setTimeout(() => (state.down = false), 2_000) // back after the 1.5 s lease ended
    await vi.waitFor(() => expect(calls.filter((call) => call === 'complete')).toHaveLength(1), { timeout: 4_000 })
    expect(JSON.parse((await receiver.handle(request)).body)).toMatchObject({ ok: true, duplicate: true })
    expect(runs).toBe(1)
  })

  it('a resend right after an outage longer than the lease records the owed completion first: a duplicate, not a second run', async () => {
    const { store, state, calls } = flakyStore()
    let runs = 0
    const receiver = receiverOn(store, () => {
      runs += 1
      state.down = true
    })
    const request = await signContractDelivery({ id: 'evt_resend_between_retries' })
    expect((await receiver.handle(request)).status).toBe(200)
    // Background retries back off (100, 200, 400, 800, 1 600 ms): after a 2 s outage the next one is a second
    // away, and the 1.5 s lease has ended, so the resend's claim alone would take the key.
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    state.down = false
    const completionsBefore = calls.filter((call) => call === 'complete').length
    expect(JSON.parse((await receiver.handle(request)).body)).toMatchObject({ ok: true, duplicate: true })
    expect(calls.filter((call) => call === 'complete')).toHaveLength(completionsBefore + 1)
    expect(runs).toBe(1)
  })

  it('gives up retrying a release once the lease has ended', async () => {
    const { store, state, calls } = flakyStore()
    const receiver = receiverOn(store, () => {
      state.down = true
      throw new Error('downstream failed')
    })
    expect((await receiver.handle(await signContractDelivery({ id: 'evt_long_outage' }))).status).toBe(500)
    await new Promise((resolve) => setTimeout(resolve, 2_200))
    const attempts = calls.filter((call) => call.startsWith('release')).length
    expect(attempts).toBeGreaterThan(1)
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect(calls.filter((call) => call.startsWith('release')).length).toBe(attempts)
  })
})
