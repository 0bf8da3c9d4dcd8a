import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it, vi } from 'vitest'
import { IdempotencyError } from '../errors.js'
import type { ClaimResult, IdempotencyStore } from './idempotency-store.js'
import { StoreContractViolation, expectSame } from './contract-assert.js'
import { deliveryContract } from './delivery-contract.js'
import { createMemoryStore } from './memory-store.js'
import { batchedStoreContract } from './batched-store-contract.js'
import { orderingGuardContract } from './ordering-guard-contract.js'
import { idempotencyStoreContract } from './store-contract.js'

function withClock(maxEntries?: number) {
  let time = Date.parse('2026-03-21T15:00:00Z')
  const store = createMemoryStore({ now: () => time, ...(maxEntries ? { maxEntries } : {}) })
  return {
    store,
    advance: async (ms: number) => void (time += ms),
  }
}

describe('memory store: the store contract, on an injected clock', () => {
  // The batched stores' argument checks too: a NaN lease or retention was taken, and answered as if kept.
  for (const contractCase of [...idempotencyStoreContract, ...orderingGuardContract, ...batchedStoreContract, ...deliveryContract]) {
    it(contractCase.name, () => contractCase.run(withClock()))
  }
})

// A correct store of your own may build its answers with the keys in another order: the contracts must
// not fail it for that (they compared JSON text, key order included).
describe('the store contract, on a store answering with its keys in another order', () => {
  function reordered(answer: object): object {
    return Object.fromEntries(Object.entries(answer).reverse())
  }
  function withReorderedAnswers() {
    const { store, advance } = withClock()
    const reorderingStore: IdempotencyStore = {
      claim: async (...args) => reordered(await store.claim(...args)) as ClaimResult,
      complete: (...args) => store.complete(...args),
      release: (...args) => store.release(...args),
      recordVersion: async (...args) => reordered(await store.recordVersion!(...args)) as { stale: boolean },
    }
    return { store: reorderingStore, advance }
  }
  for (const contractCase of [...idempotencyStoreContract, ...orderingGuardContract, ...deliveryContract]) {
    it(contractCase.name, () => contractCase.run(withReorderedAnswers()))
  }

  it('still fails an answer that differs in more than order', () => {
    expect(() => expectSame({ stale: true, state: 'claimed' }, { state: 'claimed', stale: false }, 'claim')).toThrow(
      new StoreContractViolation('claim: expected {"stale":false,"state":"claimed"}, got {"stale":true,"state":"claimed"}'),
    )
    expect(() => expectSame([{ b: 1, a: [{ d: 2, c: 3 }] }], [{ a: [{ c: 3, d: 2 }], b: 1 }], 'nested')).not.toThrow()
    expect(() => expectSame([1, 2], [2, 1], 'array order counts')).toThrow(StoreContractViolation)
  })
})

describe('memory store: bounds', () => {
  it('keeps at most maxEntries completed keys, the most recently used last to go', async () => {
    const { store } = withClock(10)
    async function completeKey(key: string) {
      await store.claim(key, 'o', 1_000)
      await store.complete(key, 'o', 60_000)
    }
    await completeKey('kept-by-use')
    for (let index = 0; index < 30; index += 1) {
      await completeKey(`key-${index}`)
      // A duplicate hit counts as a use: this key survives the influx.
      expect(await store.claim('kept-by-use', 'x', 1_000)).toEqual({ state: 'completed' })
      expect(store.size).toBeLessThanOrEqual(10)
    }
    expect(await store.claim('key-0', 'x', 1_000)).toEqual({ state: 'claimed' })
    // The last maxEntries / 2 deliveries are always remembered.
    for (let index = 26; index < 30; index += 1) expect(await store.claim(`key-${index}`, 'x', 1_000)).toEqual({ state: 'completed' })
  })

  it('never evicts a live claim: when every slot holds one it fails closed until one ends', async () => {
    const { store, advance } = withClock(2)
    await store.claim('a', 'o', 1_000)
    await store.claim('b', 'o', 5_000)
    const full = await store.claim('c', 'o', 1_000).catch((error: unknown) => error)
    expect(full).toBeInstanceOf(IdempotencyError)
    expect(full).toMatchObject({ code: 'store_unavailable', status: 503 })
    expect(await store.claim('a', 'x', 1_000)).toMatchObject({ state: 'in_progress' })
    await advance(1_001)
    expect(await store.claim('c', 'o', 1_000)).toEqual({ state: 'claimed' })
    expect(await store.claim('b', 'x', 1_000)).toMatchObject({ state: 'in_progress' })
  })

  it('when full, frees a slot as soon as any lease ends, a shorter lease set after the last sweep included', async () => {
    const { store, advance } = withClock(2)
    await store.claim('long-1', 'o', 5_000)
    await store.claim('long-2', 'o', 5_000)
    await expect(store.claim('refused', 'o', 100)).rejects.toMatchObject({ code: 'store_unavailable' })
    expect(await store.complete('long-1', 'o', 60_000)).toBe(true)
    // A lease far shorter than every lease the sweep saw: its end must free its slot.
    expect(await store.claim('short', 'o', 100)).toEqual({ state: 'claimed' })
    await expect(store.claim('refused', 'o', 100)).rejects.toMatchObject({ code: 'store_unavailable' })
    await advance(101)
    expect(await store.claim('after-short', 'o', 1_000)).toEqual({ state: 'claimed' })
    await expect(store.claim('refused', 'o', 100)).rejects.toMatchObject({ code: 'store_unavailable' })
    expect(await store.claim('long-2', 'x', 1_000)).toMatchObject({ state: 'in_progress' })
  })

  it('refuses a maxEntries that is not a positive integer', () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN]) expect(() => createMemoryStore({ maxEntries })).toThrow(TypeError)
  })

  it('refuses a clock that is not a function, and fails closed (503) while its clock reads no time, never taking a completed key for new', async () => {
    expect(() => createMemoryStore({ now: Date.now() as never })).toThrow(/now must be a function/)
    let time = Date.parse('2026-03-21T15:00:00Z')
    const store = createMemoryStore({ now: () => time })
    await store.claim('acme:evt_1', 'owner', 60_000)
    await store.complete('acme:evt_1', 'owner', 60_000)
    await store.claim('acme:evt_2', 'owner', 60_000)
    for (const broken of [Number.NaN, Number.POSITIVE_INFINITY]) {
      time = broken
      for (const call of [
        store.claim('acme:evt_1', 'owner', 60_000),
        store.complete('acme:evt_2', 'owner', 60_000),
        store.release('acme:evt_2', 'owner'),
        store.recordVersion!('acme:deal_1', 1, 60_000),
      ]) {
        await expect(call).rejects.toMatchObject({ code: 'store_unavailable' })
      }
    }
    time = Date.parse('2026-03-21T15:00:01Z')
    expect(await store.claim('acme:evt_1', 'owner', 60_000)).toEqual({ state: 'completed' })
    // Nothing the broken clock touched changed: evt_2 is still its owner's to complete.
    expect(await store.complete('acme:evt_2', 'owner', 60_000)).toBe(true)
  })

  it("keeps its own time by a monotonic clock: a step of the wall clock neither ends a live lease nor stretches one", async () => {
    // The wall clock steps (NTP correcting it, a VM resumed): a lease read against it would end at once on a
    // step forward, letting a duplicate run beside its handler, and hold the key an hour too long on a step back.
    const wall = vi.spyOn(Date, 'now')
    try {
      const start = Date.parse('2026-03-21T15:00:00Z')
      wall.mockReturnValue(start)
      const store = createMemoryStore()
      expect(await store.claim('acme:evt_live', 'first', 60_000)).toEqual({ state: 'claimed' })
      wall.mockReturnValue(start + 3_600_000) // an hour forward
      expect(await store.claim('acme:evt_live', 'second', 60_000)).toMatchObject({ state: 'in_progress' })
      expect(await store.release('acme:evt_live', 'first')).toBe(true)
      expect(await store.claim('acme:evt_back', 'first', 50)).toEqual({ state: 'claimed' })
      wall.mockReturnValue(start - 3_600_000) // then an hour back
      await new Promise((resolve) => setTimeout(resolve, 80))
      expect(await store.claim('acme:evt_back', 'second', 60_000)).toEqual({ state: 'claimed' })
    } finally {
      wall.mockRestore()
    }
  })

  it('close() forgets everything, and a closed store fails closed (503) rather than take a completed key for new', async () => {
    const { store } = withClock()
    await store.claim('a', 'o', 1_000)
    expect(await store.complete('a', 'o', 60_000)).toBe(true)
    await store.recordVersion!('r', 1, 1_000)
    await store.close!()
    expect(store.size).toBe(0)
    const closed = { name: 'IdempotencyError', code: 'store_unavailable', status: 503 }
    await expect(store.claim('a', 'o', 1_000)).rejects.toMatchObject(closed)
    await expect(store.complete('a', 'o', 1_000)).rejects.toMatchObject(closed)
    await expect(store.release('a', 'o')).rejects.toMatchObject(closed)
    await expect(store.recordVersion!('r', 0, 1_000)).rejects.toMatchObject(closed)
    await expect(store.close!()).resolves.toBeUndefined()
  })
})

describe('memory store: memory stays flat under millions of distinct keys', () => {
  it('holds at most maxEntries keys, and the heap after a million more distinct deliveries is what it was', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const maxEntries = 100_000
    const store = createMemoryStore({ maxEntries })
    let next = 0
    async function deliver(count: number) {
      for (const end = next + count; next < end; next += 1) {
        const key = `automatenexus:whk_${next.toString(36).padStart(12, '0')}`
        await store.claim(key, 'owner', 60_000)
        await store.complete(key, 'owner', 72 * 3_600_000)
        if (next % 4 === 0) await store.recordVersion!(`automatenexus:deal_${next}`, next, 72 * 3_600_000)
      }
    }
    function heapMb() {
      gc()
      gc()
      return process.memoryUsage().heapUsed / 2 ** 20
    }
    await deliver(2 * maxEntries) // fill every map to its bound first
    const filled = heapMb()
    await deliver(1_000_000)
    const after = heapMb()
    expect(store.size).toBeLessThanOrEqual(2 * maxEntries)
    // A leak of even 10 bytes per key would add ~10 MB here; the bound leaves room for GC noise only.
    console.info(`memory store heap: ${filled.toFixed(1)} MB filled, ${after.toFixed(1)} MB after`)
    expect(after - filled).toBeLessThan(8)
  }, 60_000)
})
