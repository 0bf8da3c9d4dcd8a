import { describe, expect, it, vi } from 'vitest'
import { batchedMs, batchedText, createCallBatcher } from './call-batcher.js'

/** A send that records each batch and answers every entry with `answer(entry)`. */
function recordingSend<Entry, Result>(answer: (entry: Entry) => Result) {
  const batches: Entry[][] = []
  const send = vi.fn(async (entries: Entry[]) => {
    batches.push([...entries])
    return entries.map(answer)
  })
  return { batches, send }
}

describe('createCallBatcher', () => {
  it('sends the calls made in one turn as one batch and answers each caller with its own result', async () => {
    const { batches, send } = recordingSend((entry: number) => entry * 10)
    const call = createCallBatcher(send, 128)
    const results = await Promise.all([call(1), call(2), call(3)])
    expect(results).toEqual([10, 20, 30])
    expect(batches).toEqual([[1, 2, 3]])
  })

  it('starts a new batch for calls made after the previous one left', async () => {
    const { batches, send } = recordingSend((entry: string) => entry.toUpperCase())
    const call = createCallBatcher(send, 128)
    expect(await call('a')).toBe('A')
    expect(await Promise.all([call('b'), call('c')])).toEqual(['B', 'C'])
    expect(batches).toEqual([['a'], ['b', 'c']])
  })

  it('splits a burst at maxBatch, each batch leaving as soon as it is full', async () => {
    const { batches, send } = recordingSend((entry: number) => entry)
    const call = createCallBatcher(send, 2)
    const pending = [call(1), call(2)]
    expect(batches).toEqual([[1, 2]]) // sent at once, not at the end of the turn
    pending.push(call(3), call(4), call(5))
    expect(await Promise.all(pending)).toEqual([1, 2, 3, 4, 5])
    expect(batches).toEqual([[1, 2], [3, 4], [5]])
  })

  it('fails every caller of a batch whose send rejects, and only those', async () => {
    const failure = new Error('store down')
    let fail = true
    const call = createCallBatcher(async (entries: number[]) => {
      if (fail) throw failure
      return entries
    }, 128)
    const first = Promise.allSettled([call(1), call(2)])
    await Promise.resolve() // let the first batch leave
    fail = false
    const later = call(3)
    expect(await first).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ])
    expect(await later).toBe(3)
  })

  it('fails every caller when send throws instead of rejecting', async () => {
    const failure = new TypeError('bad argument')
    const call = createCallBatcher((): Promise<number[]> => {
      throw failure
    }, 128)
    await expect(Promise.all([call(1), call(2)])).rejects.toBe(failure)
  })

  it('fails every caller when the answers do not match the batch, rather than misattributing one', async () => {
    const call = createCallBatcher(async (entries: number[]) => entries.slice(1), 128)
    const settled = await Promise.allSettled([call(1), call(2)])
    expect(settled.map((each) => each.status)).toEqual(['rejected', 'rejected'])
    expect((settled[0] as PromiseRejectedResult).reason.message).toMatch(/a batch of 2 got 1 answers/)
  })

  it('fails every caller when send resolves with no array at all, rather than leaving them waiting', async () => {
    const call = createCallBatcher(async () => undefined as unknown as number[], 128)
    const settled = await Promise.allSettled([call(1), call(2)])
    expect(settled.map((each) => each.status)).toEqual(['rejected', 'rejected'])
    expect((settled[0] as PromiseRejectedResult).reason.message).toMatch(/a batch of 2 got no array of answers \(undefined\)/)
  })

  it('answers every caller from a send of your own that returns its answers as a plain array, not a promise', async () => {
    // In JavaScript nothing stops a send from answering synchronously: reading that as a promise threw
    // where nothing catches (an uncaught error ends a Node process) and left the callers waiting for ever.
    const plain = ((entries: number[]) => entries.map((entry) => entry * 2)) as unknown as (entries: number[]) => Promise<number[]>
    const queued = createCallBatcher(plain, 128)
    expect(await Promise.all([queued(1), queued(2)])).toEqual([2, 4])
    const full = createCallBatcher(plain, 2) // the batch leaves at once, inside the second call
    expect(await Promise.all([full(3), full(4)])).toEqual([6, 8])
  })

  it('refuses a maxBatch that is not a positive integer', () => {
    for (const maxBatch of [0, -1, 1.5, Number.NaN]) {
      expect(() => createCallBatcher(async (entries: number[]) => entries, maxBatch)).toThrow(TypeError)
    }
  })
})

describe('the argument checks a batched call runs before it joins a batch', () => {
  it('batchedText takes strings only', () => {
    expect(batchedText('key', '')).toBe('')
    expect(batchedText('key', 'acme:evt_1')).toBe('acme:evt_1')
    for (const bad of [undefined, null, 42, {}, ['a']]) expect(() => batchedText('key', bad as never)).toThrow(/key must be a string/)
  })

  it('batchedMs takes finite numbers only', () => {
    expect(batchedMs('lockTtlMs', 0.5)).toBe(0.5)
    expect(batchedMs('lockTtlMs', 60_000)).toBe(60_000)
    expect(batchedMs('lockTtlMs', -1)).toBe(-1)
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '60000', undefined, 1e12 + 1, -1e12 - 1, -1e19]) {
      expect(() => batchedMs('lockTtlMs', bad as never)).toThrow(/lockTtlMs must be a finite number of ms/)
    }
  })
})
