/**
 * The contract of stores that coalesce the calls of one event-loop turn into one request, as runnable cases.
 *
 * @module
 */
import { expectSame } from './contract-assert.js'
import { RETAIN_MS, type StoreContractCase, uniqueKey, withBoundedCalls } from './store-contract.js'

/** A settled call, as the batching case compares it: its value, or the name of what it threw. */
function outcome(settled: PromiseSettledResult<unknown>): unknown {
  if (settled.status === 'fulfilled') return settled.value
  return settled.reason instanceof Error ? settled.reason.name : settled.reason
}

/**
 * The case of stores that coalesce the calls of one event-loop turn into one request (the Redis and
 * PostgreSQL stores, or a store of your own built on `createCallBatcher`): a call the server could not
 * take must be refused on its own, before it joins a batch, or it would fail every delivery in it.
 *
 * @example
 * ```ts
 * for (const c of batchedStoreContract) it(c.name, () => c.run({ store, advance }))
 * ```
 */
export const batchedStoreContract: readonly StoreContractCase[] = withBoundedCalls([
  {
    name: 'a call with an argument the server cannot take is refused alone with a TypeError; the calls made with it go through',
    async run({ store }) {
      const key = uniqueKey('bad-argument')
      const record = uniqueKey('record-bad-argument')
      const claims = await Promise.allSettled([
        store.claim(`${key}:good`, 'a', RETAIN_MS),
        store.claim(`${key}:nan-lease`, 'b', Number.NaN),
        store.claim(`${key}:infinite-retention`, 'c', RETAIN_MS, { record, version: 1, retentionMs: Number.POSITIVE_INFINITY }),
        store.claim(42 as never, 'd', RETAIN_MS),
        store.claim(`${key}:no-owner`, undefined as never, RETAIN_MS),
        // Finite, but past what Redis's PX or PostgreSQL's interval holds (MAX_STORE_MS).
        store.claim(`${key}:huge-lease`, 'e', 1e19),
        store.claim(`${key}:huge-retention`, 'f', RETAIN_MS, { record, version: 1, retentionMs: 1e16 }),
        store.claim(`${key}:hugely-negative-lease`, 'g', -1e19),
        // Not an argument to refuse: an owner with a NUL (which PostgreSQL text cannot hold) is an owner.
        store.claim(`${key}:nul-owner`, 'h\u0000i', RETAIN_MS),
      ])
      expectSame(
        claims.map(outcome),
        [{ state: 'claimed' }, 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', { state: 'claimed' }],
        'claims made together',
      )
      expectSame(await store.complete(`${key}:nul-owner`, 'h', RETAIN_MS), false, 'another owner, the NUL cut off')
      expectSame(await store.complete(`${key}:nul-owner`, 'h\u0000i', RETAIN_MS), true, 'the owner with its NUL')
      const completions = await Promise.allSettled([
        store.complete(`${key}:good`, 'a', Number.NaN),
        store.complete(`${key}:good`, undefined as never, RETAIN_MS),
        store.complete(`${key}:good`, 'a', 1e19),
        store.complete(`${key}:good`, 'a', RETAIN_MS),
      ])
      expectSame(completions.map(outcome), ['TypeError', 'TypeError', 'TypeError', true], 'completions made together')
      if (store.recordVersion) {
        expectSame(await store.recordVersion(record, 0, RETAIN_MS), { stale: false }, 'the refused claim recorded no version')
      }
    },
  },
])
