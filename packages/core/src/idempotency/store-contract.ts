/**
 * The contract every {@link IdempotencyStore} keeps, as runnable cases: the memory, Redis and PostgreSQL
 * stores run the same list, and so can a store of your own (DynamoDB, SQL Server, ...).
 *
 * Time-dependent cases use short leases (a few hundred ms) so a store on a server clock can run them by
 * sleeping; an injected clock makes them instant.
 *
 * @module
 */
import { settledWithin } from '../settled-within.js'
import type { IdempotencyStore } from './idempotency-store.js'
import { StoreContractViolation, expectSame } from './contract-assert.js'

/** What a contract case runs against. */
export interface StoreContractSubject {
  /** The store under test; cases use keys of their own, so one store may serve every case. */
  readonly store: IdempotencyStore
  /** Lets `ms` of the store's clock pass: advance an injected clock, or sleep for a store on a server clock. */
  advance(ms: number): Promise<void>
}

/** One case of a contract. */
export interface StoreContractCase<Subject = StoreContractSubject> {
  readonly name: string
  run(subject: Subject): Promise<void>
}

/**
 * The lease and retention the time-dependent cases use, and how far they move the clock past them.
 *
 * @example
 * ```ts
 * // A case of your own, in the contract's terms: a lease short enough to wait out on a server's clock.
 * await store.claim('my-key', 'owner-a', CONTRACT_LEASE_MS)
 * ```
 */
export const CONTRACT_LEASE_MS = 300
export const PAST_LEASE_MS = CONTRACT_LEASE_MS + 200
export const RETAIN_MS = 60_000

/** The longest a store call may take in a case: far past any deadline a store keeps, short of a test's. */
const CALL_BOUND_MS = 10_000

/**
 * The store as the cases call it, each call bounded: a store whose call never settles fails the case with
 * its name instead of hanging it (node:test, which the README names, has no timeout of its own). Calls are
 * made at once, in the same turn, so stores that batch a turn's calls are tested as they run.
 */
function boundedStore(store: IdempotencyStore): IdempotencyStore {
  const bound =
    <Name extends 'claim' | 'complete' | 'release' | 'recordVersion'>(name: Name) =>
    (...args: unknown[]): Promise<never> => {
      let answer: unknown
      try {
        answer = (store[name] as (...given: unknown[]) => unknown).apply(store, args)
      } catch (error) {
        answer = Promise.reject(error)
      }
      return settledWithin(Promise.resolve(answer), CALL_BOUND_MS, () => new StoreContractViolation(`${name} did not settle within ${CALL_BOUND_MS} ms`)) as Promise<never>
    }
  return {
    claim: bound('claim'),
    complete: bound('complete'),
    release: bound('release'),
    ...(store.recordVersion ? { recordVersion: bound('recordVersion') } : {}),
  }
}

/** The cases, each run against its subject's store with every call bounded (see boundedStore). */
export function withBoundedCalls(cases: readonly StoreContractCase[]): readonly StoreContractCase[] {
  return cases.map((contractCase) => ({ name: contractCase.name, run: (subject) => contractCase.run({ ...subject, store: boundedStore(subject.store) }) }))
}

/** A key (or record) no other case or run uses. */
export function uniqueKey(label: string): string {
  return `contract:${label}:${globalThis.crypto.randomUUID()}`
}

/** Fails the case unless `result` is in progress with at most the contract's lease left. */
export function expectInProgress(result: Awaited<ReturnType<IdempotencyStore['claim']>>, what: string): void {
  const ok = result.state === 'in_progress' && result.retryAfterMs > 0 && result.retryAfterMs <= CONTRACT_LEASE_MS
  expectSame(ok ? 'in_progress within the lease' : result, 'in_progress within the lease', what)
}

/**
 * The cases of the claim / complete / release contract (the ordering guard's are in ordering-guard-contract.ts).
 *
 * @example
 * ```ts
 * import { idempotencyStoreContract } from '@crm-webhooks/core/testing'
 * describe('my store', () => {
 *   for (const c of idempotencyStoreContract) it(c.name, () => c.run({ store, advance: (ms) => sleep(ms) }))
 * })
 * ```
 */
export const idempotencyStoreContract: readonly StoreContractCase[] = withBoundedCalls([
  {
    name: 'the first claim wins; a second attempt sees in_progress with the time left',
    async run({ store }) {
      const key = uniqueKey('first')
      expectSame(await store.claim(key, 'owner-a', CONTRACT_LEASE_MS), { state: 'claimed' }, 'first claim')
      expectInProgress(await store.claim(key, 'owner-b', CONTRACT_LEASE_MS), 'second claim')
      expectInProgress(await store.claim(key, 'owner-a', CONTRACT_LEASE_MS), 'the owner claiming again')
    },
  },
  {
    // A store answering the whole lease, 1 ms, or seconds, or holding every lease 1 s, passed every case.
    name: 'in_progress answers the time left on the lease as it runs down, and a long lease is held whole',
    async run({ store, advance }) {
      const key = uniqueKey('time-left')
      const timeLeft = async (what: string, within: (ms: number) => boolean) => {
        const answer = await store.claim(key, 'owner-b', CONTRACT_LEASE_MS)
        const left = answer.state === 'in_progress' ? answer.retryAfterMs : undefined
        expectSame(left !== undefined && within(left) ? 'the time left' : answer, 'the time left', what)
      }
      await store.claim(key, 'owner-a', CONTRACT_LEASE_MS)
      await timeLeft(`at once: in (${CONTRACT_LEASE_MS - 50}, ${CONTRACT_LEASE_MS}] ms`, (ms) => ms > CONTRACT_LEASE_MS - 50 && ms <= CONTRACT_LEASE_MS)
      await advance(150)
      await timeLeft('150 ms later: in (0, 150] ms', (ms) => ms > 0 && ms <= 150)
      const long = uniqueKey('long-lease')
      await store.claim(long, 'owner-a', 600_000)
      const answer = await store.claim(long, 'owner-b', CONTRACT_LEASE_MS)
      const held = answer.state === 'in_progress' && answer.retryAfterMs > 590_000 && answer.retryAfterMs <= 600_000
      expectSame(held ? 'a 600 s lease held whole' : answer, 'a 600 s lease held whole', 'the time left on a long lease')
    },
  },
  {
    name: 'only the owner completes; a completed key answers completed to every later claim',
    async run({ store }) {
      const key = uniqueKey('complete')
      await store.claim(key, 'owner-a', CONTRACT_LEASE_MS)
      expectSame(await store.complete(key, 'owner-b', RETAIN_MS), false, 'complete by another owner')
      expectInProgress(await store.claim(key, 'owner-c', CONTRACT_LEASE_MS), 'claim after a refused complete')
      expectSame(await store.complete(key, 'owner-a', RETAIN_MS), true, 'complete by the owner')
      expectSame(await store.claim(key, 'owner-d', CONTRACT_LEASE_MS), { state: 'completed' }, 'claim of a completed key')
      expectSame(await store.complete(key, 'owner-a', RETAIN_MS), false, 'completing twice')
      expectSame(await store.release(key, 'owner-a'), false, 'releasing a completed key')
      expectSame(await store.claim(key, 'owner-e', CONTRACT_LEASE_MS), { state: 'completed' }, 'still completed')
    },
  },
  {
    name: 'only the owner releases; a released key is claimed again',
    async run({ store }) {
      const key = uniqueKey('release')
      await store.claim(key, 'owner-a', CONTRACT_LEASE_MS)
      expectSame(await store.release(key, 'owner-b'), false, 'release by another owner')
      expectInProgress(await store.claim(key, 'owner-c', CONTRACT_LEASE_MS), 'claim after a refused release')
      expectSame(await store.release(key, 'owner-a'), true, 'release by the owner')
      expectSame(await store.release(key, 'owner-a'), false, 'releasing twice')
      expectSame(await store.claim(key, 'owner-d', CONTRACT_LEASE_MS), { state: 'claimed' }, 'claim after release')
      expectSame(await store.complete(key, 'owner-d', RETAIN_MS), true, 'complete by the new owner')
    },
  },
  {
    // A handler that outlived its lease still succeeded once: while nobody took the key since, its late
    // completion stands, or the sender's next retry would run the handler a second time.
    name: 'a late owner whose lease lapsed completes the key while nobody claimed it since',
    async run({ store, advance }) {
      const key = uniqueKey('late-complete')
      await store.claim(key, 'slow', CONTRACT_LEASE_MS)
      await advance(PAST_LEASE_MS)
      expectSame(await store.complete(key, 'slow', RETAIN_MS), true, 'complete after the lease ended, the key free')
      expectSame(await store.claim(key, 'retry', CONTRACT_LEASE_MS), { state: 'completed' }, 'the retry finds it completed')
      expectSame(await store.complete(key, 'slow', RETAIN_MS), false, 'completing twice')
    },
  },
  {
    name: "a crashed owner's claim expires; the late owner can neither complete nor release the new claim",
    async run({ store, advance }) {
      const key = uniqueKey('expiry')
      await store.claim(key, 'crashed', CONTRACT_LEASE_MS)
      await advance(PAST_LEASE_MS)
      expectSame(await store.claim(key, 'retry', CONTRACT_LEASE_MS), { state: 'claimed' }, 'claim after expiry')
      expectSame(await store.release(key, 'crashed'), false, 'late release by the old owner')
      expectSame(await store.complete(key, 'crashed', RETAIN_MS), false, 'late complete by the old owner')
      expectInProgress(await store.claim(key, 'third', CONTRACT_LEASE_MS), 'the new claim survived the late owner')
      expectSame(await store.complete(key, 'retry', RETAIN_MS), true, 'complete by the new owner')
    },
  },
  {
    name: 'a completed key is forgotten after its retention window',
    async run({ store, advance }) {
      const key = uniqueKey('retention')
      await store.claim(key, 'owner-a', CONTRACT_LEASE_MS)
      await store.complete(key, 'owner-a', CONTRACT_LEASE_MS)
      expectSame(await store.claim(key, 'owner-b', CONTRACT_LEASE_MS), { state: 'completed' }, 'within retention')
      await advance(PAST_LEASE_MS)
      expectSame(await store.claim(key, 'owner-c', CONTRACT_LEASE_MS), { state: 'claimed' }, 'after retention')
    },
  },
  {
    // A retention read as seconds, counted from the claim, capped, or as long as the lease, passed every case.
    name: 'a completed key is remembered for its whole retention, counted from the completion',
    async run({ store, advance }) {
      const key = uniqueKey('retention-length')
      await store.claim(key, 'owner-a', 1_000)
      await advance(600)
      await store.complete(key, 'owner-a', 2_000)
      // 2.3 s after the claim: past a retention counted from it, 1.7 s into the one counted from the completion.
      await advance(1_700)
      expectSame(await store.claim(key, 'owner-b', CONTRACT_LEASE_MS), { state: 'completed' }, '1.7 s into a 2 s retention')
      await advance(600)
      expectSame(await store.claim(key, 'owner-c', CONTRACT_LEASE_MS), { state: 'claimed' }, 'past it')
    },
  },
  {
    name: 'every completed key is remembered, not only the latest',
    async run({ store }) {
      const keys = Array.from({ length: 100 }, (_, index) => uniqueKey(`many-${index}`))
      for (const key of keys) {
        await store.claim(key, 'owner-a', CONTRACT_LEASE_MS)
        await store.complete(key, 'owner-a', RETAIN_MS)
      }
      for (const [index, key] of keys.entries()) expectSame(await store.claim(key, 'owner-b', CONTRACT_LEASE_MS), { state: 'completed' }, `completed key #${index}`)
    },
  },
  {
    name: 'concurrent claims of one key: exactly one wins',
    async run({ store }) {
      const key = uniqueKey('race')
      const owners = Array.from({ length: 40 }, (_, index) => `owner-${index}`)
      const results = await Promise.all(owners.map((owner) => store.claim(key, owner, 10_000)))
      const winners = owners.filter((_, index) => results[index]!.state === 'claimed')
      expectSame(winners.length, 1, 'winners')
      expectSame(results.filter((result) => result.state === 'in_progress').length, owners.length - 1, 'losers in progress')
      expectSame(await store.complete(key, winners[0]!, RETAIN_MS), true, 'the winner completes')
    },
  },
  {
    // Stores that coalesce the calls of one event-loop turn (the Redis and PostgreSQL stores) must still
    // answer each as if it had been made alone, after the ones before it.
    name: 'claims and completions made together answer as if made one after another, in call order',
    async run({ store }) {
      const key = uniqueKey('together')
      await store.claim(`${key}:done`, 'earlier', CONTRACT_LEASE_MS)
      await store.complete(`${key}:done`, 'earlier', RETAIN_MS)
      await store.claim(`${key}:held`, 'earlier', CONTRACT_LEASE_MS)
      const [fresh, done, held, first, second] = await Promise.all([
        store.claim(`${key}:fresh`, 'a', CONTRACT_LEASE_MS),
        store.claim(`${key}:done`, 'b', CONTRACT_LEASE_MS),
        store.claim(`${key}:held`, 'c', CONTRACT_LEASE_MS),
        store.claim(`${key}:twice`, 'd', CONTRACT_LEASE_MS),
        store.claim(`${key}:twice`, 'e', CONTRACT_LEASE_MS),
      ])
      expectSame(fresh, { state: 'claimed' }, 'a fresh key')
      expectSame(done, { state: 'completed' }, 'a completed key')
      expectInProgress(held!, 'a held key')
      expectSame(first, { state: 'claimed' }, 'the first of two claims of one key')
      expectInProgress(second!, 'the second of two claims of one key')
      const completed = await Promise.all([
        store.complete(`${key}:fresh`, 'a', RETAIN_MS),
        store.complete(`${key}:twice`, 'e', RETAIN_MS),
        store.complete(`${key}:free`, 'f', RETAIN_MS),
        store.complete(`${key}:twice`, 'd', RETAIN_MS),
        store.complete(`${key}:twice`, 'd', RETAIN_MS),
      ])
      // A key nobody holds is free (a lapsed claim leaves no trace in Redis): its completion stands.
      expectSame(completed, [true, false, true, true, false], 'completions: only each owner or a free key, a key completed twice once')
    },
  },
  {
    name: 'keys are independent and kept verbatim (separators, case, trailing spaces, unicode normal forms, NUL, lone surrogates, backslashes, keys of several kB)',
    async run({ store }) {
      const base = uniqueKey('verbatim')
      // A NUL can reach a key through a JSON event id ("\u0000"); PostgreSQL text cannot hold one as is.
      // So can a lone surrogate ("\ud800"), which a driver's UTF-8 turns into U+FFFD: three keys, not one.
      const surrogates = [`${base}\ud800`, `${base}\udfff`, `${base}\ufffd`, `${base}\\ud800`, `${base}\udc00\ud800`, `${'\ud800'.repeat(2_000)}${base}`]
      const odd = [`${base}'"\\%_*?[]`, `${base}\u0000`, `${base}\\0`, `${base}\\`, ...surrogates]
      const long = [`${base}:${'k'.repeat(400)}`, `${base}:${'漢'.repeat(3_000)}`, `${base}:${'漢'.repeat(2_999)}`]
      // What a database collation may fold into one key (SQL Server's and MySQL's defaults ignore case and
      // trailing spaces; some compare canonically equivalent strings as equal): event ids differing only so
      // are different events.
      const folded = [`${base}:Ab`, `${base}:aB`, `${base}:x `, `${base}:x\t`, `${base}:\u00e9`, `${base}:e\u0301`, `${base}:\u212b`, `${base}:\u00c5`]
      const keys = [base, `${base}:`, `${base}:x`, `${base} ü 漢 🚀`, ...folded, ...long, ...odd]
      for (const key of keys) expectSame(await store.claim(key, 'owner', 10_000), { state: 'claimed' }, `claim ${key.slice(-12)}`)
      for (const key of keys) expectSame(await store.complete(key, 'owner', RETAIN_MS), true, `complete ${key.slice(-12)}`)
      expectSame(await store.claim(`${base}:y`, 'owner', 10_000), { state: 'claimed' }, 'a sibling key is free')
    },
  },
])
