/**
 * The ordering guard's contract, as runnable cases, for stores that implement `recordVersion` (and record a
 * claim's version with it): the memory, Redis and PostgreSQL stores run the same list.
 *
 * @module
 */
import { expectSame } from './contract-assert.js'
import {
  CONTRACT_LEASE_MS,
  PAST_LEASE_MS,
  RETAIN_MS,
  type StoreContractCase,
  expectInProgress,
  uniqueKey,
  withBoundedCalls,
} from './store-contract.js'

/**
 * The ordering guard's cases, for stores that implement `recordVersion`.
 *
 * @example
 * ```ts
 * for (const c of orderingGuardContract) it(c.name, () => c.run({ store, advance }))
 * ```
 */
export const orderingGuardContract: readonly StoreContractCase[] = withBoundedCalls([
  {
    name: 'records that differ only in a lone surrogate are distinct records',
    async run({ store }) {
      const record = uniqueKey('record-surrogate')
      const guard = store.recordVersion!.bind(store)
      expectSame(await guard(`${record}\ud800`, 20, RETAIN_MS), { stale: false }, 'the first record')
      expectSame(await guard(`${record}\udfff`, 10, RETAIN_MS), { stale: false }, 'another record, not behind the first')
      expectSame(await guard(`${record}\ufffd`, 10, RETAIN_MS), { stale: false }, 'U+FFFD itself, another record')
      expectSame(await guard(`${record}\ud800`, 10, RETAIN_MS), { stale: true }, 'the first record again')
    },
  },
  {
    name: 'records are kept verbatim: case, a trailing space and unicode normal forms name other records',
    async run({ store }) {
      const record = uniqueKey('record-verbatim')
      for (const [first, other] of [[':Ab', ':aB'], [':x', ':x '], [':\u00e9', ':e\u0301']] as const) {
        expectSame(await store.recordVersion!(record + first, 20, RETAIN_MS), { stale: false }, `record ${JSON.stringify(first)}`)
        expectSame(await store.recordVersion!(record + other, 10, RETAIN_MS), { stale: false }, `${JSON.stringify(other)}, another record`)
      }
    },
  },
  {
    name: 'an older version than the newest recorded is stale; an equal or newer one is not',
    async run({ store }) {
      const guard = store.recordVersion!.bind(store)
      const record = uniqueKey('record')
      expectSame(await guard(record, 1_700_000_000_000, RETAIN_MS), { stale: false }, 'first version')
      expectSame(await guard(record, 1_700_000_360_000, RETAIN_MS), { stale: false }, 'newer version')
      expectSame(await guard(record, 1_700_000_000_000, RETAIN_MS), { stale: true }, 'older version after a newer one')
      expectSame(await guard(record, 1_700_000_360_000, RETAIN_MS), { stale: false }, 'the same version again (a retry)')
      expectSame(await guard(record, 1_700_000_359_999.5, RETAIN_MS), { stale: true }, 'a fraction older')
      expectSame(await guard(uniqueKey('other-record'), 1, RETAIN_MS), { stale: false }, 'another record')
      expectSame(await guard(`${record}\u0000`, 1, RETAIN_MS), { stale: false }, 'a record name with a NUL')
    },
  },
  {
    name: 'versions are forgotten after their retention window',
    async run({ store, advance }) {
      const record = uniqueKey('record-retention')
      await store.recordVersion!(record, 20, CONTRACT_LEASE_MS)
      expectSame(await store.recordVersion!(record, 10, CONTRACT_LEASE_MS), { stale: true }, 'within retention')
      await advance(PAST_LEASE_MS)
      expectSame(await store.recordVersion!(record, 10, CONTRACT_LEASE_MS), { stale: false }, 'after retention')
    },
  },
  {
    // The receiver's path: the version goes with the claim, and an expired newer version must not mark it stale.
    name: 'a claim carrying its version forgets a newer version past its retention, as recordVersion does',
    async run({ store, advance }) {
      const record = uniqueKey('record-claim-retention')
      const at = (version: number) => ({ record, version, retentionMs: CONTRACT_LEASE_MS })
      await store.recordVersion!(record, 20, CONTRACT_LEASE_MS)
      const within = await store.claim(uniqueKey('claim-within-retention'), 'owner', RETAIN_MS, at(10))
      expectSame(within.state === 'claimed' && within.stale === true, true, 'an older version claimed within retention is stale')
      await advance(PAST_LEASE_MS)
      const after = await store.claim(uniqueKey('claim-after-retention'), 'owner', RETAIN_MS, at(10))
      expectSame(after.state === 'claimed' && after.stale !== true, true, 'the same version claimed after retention is not stale')
    },
  },
  {
    // A trickle of old deliveries must not keep an old newest version alive past its retention.
    name: 'a stale version, claimed or recorded, does not restart the retention of the newer one',
    async run({ store, advance }) {
      const record = uniqueKey('record-stale-retention')
      const at = (version: number) => ({ record, version, retentionMs: CONTRACT_LEASE_MS })
      await store.recordVersion!(record, 20, CONTRACT_LEASE_MS)
      await advance(CONTRACT_LEASE_MS / 2)
      const claimed = await store.claim(uniqueKey('stale-claim'), 'owner', RETAIN_MS, at(10))
      expectSame(claimed.state === 'claimed' && claimed.stale !== false, true, 'a claim of an older version')
      expectSame(await store.recordVersion!(record, 10, CONTRACT_LEASE_MS), { stale: true }, 'an older version recorded')
      // Past the newer version's own retention (300 ms after it was written), well before a retention
      // restarted by the stale calls would end (450 ms and more).
      await advance(CONTRACT_LEASE_MS / 2 + 50)
      expectSame(await store.recordVersion!(record, 10, CONTRACT_LEASE_MS), { stale: false }, 'past the newer version\'s own retention')
    },
  },
  {
    name: 'concurrent versions of one record leave the newest recorded',
    async run({ store }) {
      const record = uniqueKey('record-race')
      const versions = [7, 3, 20, 11, 1, 19, 5, 14, 2, 16, 9, 12]
      await Promise.all(versions.map((version) => store.recordVersion!(record, version, RETAIN_MS)))
      expectSame(await store.recordVersion!(record, 19, RETAIN_MS), { stale: true }, 'one below the newest')
      expectSame(await store.recordVersion!(record, 20, RETAIN_MS), { stale: false }, 'the newest')
    },
  },
  {
    // The receiver passes the version with the claim so a delivery costs one round trip for both. A store
    // that ignores it (no `stale` in the answer) is asked by `recordVersion` instead: nothing to check here.
    name: 'a claim given a version records it only when it takes the key, and answers stale with claimed',
    async run({ store }) {
      const record = uniqueKey('record-claim')
      const at = (version: number) => ({ record, version, retentionMs: RETAIN_MS })
      const key = uniqueKey('claim-version')
      const first = await store.claim(key, 'owner', RETAIN_MS, at(20))
      if (first.state === 'claimed' && first.stale === undefined) return
      expectSame(first, { state: 'claimed', stale: false }, 'first claim with a version')
      expectSame(await store.claim(uniqueKey('claim-older'), 'owner', RETAIN_MS, at(10)), { state: 'claimed', stale: true }, 'an older version')
      expectSame(await store.claim(uniqueKey('claim-equal'), 'owner', RETAIN_MS, at(20)), { state: 'claimed', stale: false }, 'an equal version')
      const busy = await store.claim(key, 'other', RETAIN_MS, at(30))
      expectSame(busy.state, 'in_progress', 'a claim held by another owner')
      expectSame(await store.recordVersion!(record, 21, RETAIN_MS), { stale: false }, 'the refused claim recorded nothing')
      expectSame(await store.complete(key, 'owner', RETAIN_MS), true, 'complete')
      expectSame(await store.claim(key, 'other', RETAIN_MS, at(40)), { state: 'completed' }, 'a duplicate')
      expectSame(await store.recordVersion!(record, 22, RETAIN_MS), { stale: false }, 'the duplicate recorded nothing')
      expectSame(await store.claim(uniqueKey('claim-after'), 'owner', RETAIN_MS, at(21)), { state: 'claimed', stale: true }, 'behind recordVersion')
    },
  },
  {
    name: 'claims made together with versions of one record answer stale in call order',
    async run({ store }) {
      const record = uniqueKey('record-together')
      const at = (version: number) => ({ record, version, retentionMs: RETAIN_MS })
      await store.recordVersion!(record, 2_000, RETAIN_MS)
      const results = await Promise.all([
        store.claim(uniqueKey('together-older'), 'f', RETAIN_MS, at(1_000)),
        store.claim(uniqueKey('together-newer'), 'g', RETAIN_MS, at(3_000)),
        store.claim(uniqueKey('together-between'), 'h', RETAIN_MS, at(2_500)),
        store.claim(uniqueKey('together-nan'), 'i', RETAIN_MS, at(Number.NaN)),
        store.claim(uniqueKey('together-infinite'), 'j', RETAIN_MS, at(Number.POSITIVE_INFINITY)),
      ])
      if (results[0]!.state === 'claimed' && results[0]!.stale === undefined) return // versions go by recordVersion
      const stale = (stale: boolean) => ({ state: 'claimed', stale })
      expectSame(results, [stale(true), stale(false), stale(true), stale(false), stale(false)], 'each against the versions before it')
      expectSame(await store.recordVersion!(record, 2_999, RETAIN_MS), { stale: true }, 'the newest kept: 3 000, not NaN or Infinity')
    },
  },
  {
    // A store that splits a batch where two claims name one record must not let a later claim of the key
    // of the one it put off (with another record) overtake it.
    name: 'claims made together keep call order when a key comes back with another record',
    async run({ store }) {
      const key = uniqueKey('order-key')
      const record = uniqueKey('order-record')
      const at = (ofRecord: string, version: number) => ({ record: ofRecord, version, retentionMs: RETAIN_MS })
      const [, first, second] = await Promise.all([
        store.claim(uniqueKey('order-other-key'), 'a', CONTRACT_LEASE_MS, at(record, 1)),
        store.claim(key, 'b', CONTRACT_LEASE_MS, at(record, 2)),
        store.claim(key, 'c', CONTRACT_LEASE_MS, at(uniqueKey('order-other-record'), 1)),
      ])
      expectSame(first!.state, 'claimed', 'the first claim of the key')
      expectInProgress(second!, 'the second claim of the key, with another record')
      expectSame(await store.complete(key, 'b', RETAIN_MS), true, "the first claimant's completion")
    },
  },
  {
    // A provider parsing a malformed timestamp yields NaN; a 503 would make the sender retry it forever.
    name: 'a version that is not a finite number is never stale and never recorded',
    async run({ store }) {
      const record = uniqueKey('record-nan')
      expectSame(await store.recordVersion!(record, Number.NaN, RETAIN_MS), { stale: false }, 'NaN first')
      expectSame(await store.recordVersion!(record, 5, RETAIN_MS), { stale: false }, 'a number after NaN')
      expectSame(await store.recordVersion!(record, Number.POSITIVE_INFINITY, RETAIN_MS), { stale: false }, 'Infinity')
      expectSame(await store.recordVersion!(record, 4, RETAIN_MS), { stale: true }, 'the guard still holds 5')
    },
  },
  {
    name: 'a claim whose version is not a finite number is never stale and records nothing',
    async run({ store }) {
      const record = uniqueKey('record-claim-nan')
      const at = (version: number) => ({ record, version, retentionMs: RETAIN_MS })
      const first = await store.claim(uniqueKey('claim-100'), 'a', RETAIN_MS, at(100))
      if (first.state === 'claimed' && first.stale === undefined) return // versions go by recordVersion
      const claimed = (stale: boolean) => ({ state: 'claimed', stale })
      // Each on its own, so no finite version claimed in the same call covers for it.
      expectSame(await store.claim(uniqueKey('claim-nan'), 'b', RETAIN_MS, at(Number.NaN)), claimed(false), 'NaN')
      expectSame(await store.claim(uniqueKey('claim-50'), 'c', RETAIN_MS, at(50)), claimed(true), 'older than 100 after NaN')
      expectSame(await store.claim(uniqueKey('claim-infinity'), 'd', RETAIN_MS, at(Number.POSITIVE_INFINITY)), claimed(false), 'Infinity')
      expectSame(await store.claim(uniqueKey('claim-101'), 'e', RETAIN_MS, at(101)), claimed(false), 'newer than 100 after Infinity')
    },
  },
])

