/**
 * The claim around a handler, through a receiver: the edges of claimOnce and runClaimed that need a store
 * failing one call and not another (an outage that comes and goes), on a clock the test moves.
 */
import { describe, expect, it } from 'vitest'
import { CONTRACT_SECRET, contractProvider, signContractDelivery } from '../idempotency/contract-provider.js'
import { createMemoryStore } from '../idempotency/memory-store.js'
import { createReceiver } from '../receiver.js'
import type { IdempotencyStore } from '../types.js'

/** A clock the test moves by hand, shared by the receiver and the memory store. */
function manualClock() {
  let at = Date.now()
  return { now: () => at, advance: (ms: number) => (at += ms) }
}

/** The memory store, with each call able to fail on its own as a networked store's would. */
function flakyStore(now: () => number) {
  const inner = createMemoryStore({ now })
  const down = { claim: false, complete: false, release: false, recordVersion: false }
  const calls: string[] = []
  const guard =
    <A extends unknown[], R>(name: keyof typeof down, call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      calls.push(`${name}${down[name] ? ' (down)' : ''}`)
      return down[name] ? Promise.reject(new Error('ECONNRESET')) : call(...args)
    }
  const store = {
    claim: guard('claim', inner.claim),
    complete: guard('complete', inner.complete),
    release: guard('release', inner.release),
    recordVersion: guard('recordVersion', inner.recordVersion!),
  } satisfies IdempotencyStore
  return { store, down, calls }
}

const LOCK_TTL_MS = 1_500

describe('a completion the receiver still owes its store', () => {
  it('a resend is answered 503 while the owed completion cannot be recorded, even once its lease has ended: never a second run', async () => {
    const clock = manualClock()
    const { store, down } = flakyStore(clock.now)
    let runs = 0
    const receiver = createReceiver({
      provider: contractProvider,
      secret: CONTRACT_SECRET,
      store,
      now: clock.now,
      lockTtlMs: LOCK_TTL_MS,
      handlerTimeoutMs: 200,
    }).on('record.updated', () => {
      runs += 1
      down.complete = true // the store drops the completion: the receiver owes it
    })
    const request = await signContractDelivery({ id: 'evt_owed_flapping' })
    expect((await receiver.handle(request)).status).toBe(200)
    clock.advance(LOCK_TTL_MS + 500) // the lease has ended; the store answers claims again, not completions
    const resend = await receiver.handle(request)
    expect(resend.status).toBe(503)
    expect(JSON.parse(resend.body)).toMatchObject({ ok: false, error: { code: 'store_unavailable' } })
    expect(resend.headers['retry-after']).toBe('5')
    expect(runs).toBe(1)
    down.complete = false
    expect(JSON.parse((await receiver.handle(request)).body)).toMatchObject({ ok: true, duplicate: true })
    expect(runs).toBe(1)
  })
})

describe('a claim taken by a store that records versions apart from it', () => {
  it('whose version could not be recorded is released in the background when the release fails too: the retry runs, no 409 for the lease', async () => {
    const clock = manualClock()
    const { store, down, calls } = flakyStore(clock.now)
    // A store of your own written before claims carried the version: the receiver records it after the claim.
    const { claim } = store
    const withoutVersions = { ...store, claim: (key: string, owner: string, lockTtlMs: number) => claim(key, owner, lockTtlMs) }
    let runs = 0
    const receiver = createReceiver({
      provider: contractProvider,
      secret: CONTRACT_SECRET,
      store: withoutVersions,
      now: clock.now,
      lockTtlMs: LOCK_TTL_MS,
      handlerTimeoutMs: 200,
    }).on('record.updated', () => {
      runs += 1
    })
    const request = await signContractDelivery({ id: 'evt_version_blip' })
    down.recordVersion = down.release = true // the store drops out right after the claim
    expect((await receiver.handle(request)).status).toBe(503)
    down.recordVersion = down.release = false // and is back at once, well inside the lease
    await expect.poll(() => calls.filter((call) => call === 'release').length, { timeout: 1_000 }).toBe(1)
    clock.advance(200)
    expect((await receiver.handle(request)).status).toBe(200)
    expect(runs).toBe(1)
  })
})
