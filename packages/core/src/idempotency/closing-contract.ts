/**
 * Closing a networked store: `close()` is what a process calls on SIGTERM, and deliveries are still in
 * flight. A completion cut off there is lost (a resend after the lease would run the handler again), so
 * every call made before `close()` finishes, the ones still queued in a batcher included, and every call
 * made after it is refused with `store_unavailable`. The Redis and PostgreSQL stores run these cases.
 *
 * @module
 */
import type { IdempotencyStore } from './idempotency-store.js'
import { expectSame } from './contract-assert.js'
import type { StoreContractCase } from './store-contract.js'

/** What the closing cases run against: stores they create and close, and one that stays open to look. */
export interface ClosingSubject {
  /** A new store on the same server as `observer`. */
  createStore(): IdempotencyStore & { close(): Promise<void> }
  /** A store on the same server that the cases never close, to see what the closed one left behind. */
  readonly observer: IdempotencyStore
}

const LEASE_MS = 60_000
const RETAIN_MS = 60_000

function outcomeOf(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    (value) => value,
    (error: { code?: string }) => `rejected ${error.code}`,
  )
}

/**
 * Notes `label` in `settled` the moment `call` settles: its first reaction, so a close() that resolves only
 * once the call has settled is always noted after it, whatever the microtasks in between.
 */
function noteSettling<T>(settled: string[], label: string, call: Promise<T>): Promise<T> {
  const note = () => void settled.push(label)
  call.then(note, note)
  return call
}

/**
 * The cases.
 *
 * @example
 * ```ts
 * for (const c of closingContract) it(c.name, () => c.run({ createStore, observer: store }))
 * ```
 */
export const closingContract: readonly StoreContractCase<ClosingSubject>[] = [
  {
    name: 'close() lets every call made before it finish, batched ones of the same turn included, and refuses later ones',
    async run({ createStore, observer }) {
      const store = createStore()
      const id = globalThis.crypto.randomUUID()
      const key = (label: string) => `closing:${label}:${id}`
      await store.claim(key('completed'), 'owner', LEASE_MS)
      await store.claim(key('released'), 'owner', LEASE_MS)
      // All in one turn: the claim and the completion wait in the store's batchers when close() is called.
      const settled: string[] = []
      const before = [
        outcomeOf(noteSettling(settled, 'complete', store.complete(key('completed'), 'owner', RETAIN_MS))),
        outcomeOf(noteSettling(settled, 'release', store.release(key('released'), 'owner'))),
        outcomeOf(noteSettling(settled, 'claim', store.claim(key('claimed'), 'owner', LEASE_MS))),
      ]
      const closing = noteSettling(settled, 'close()', store.close())
      const after = [outcomeOf(store.claim(key('after'), 'owner', LEASE_MS)), outcomeOf(store.complete(key('completed'), 'owner', RETAIN_MS))]
      expectSame(await Promise.all(before), [true, true, { state: 'claimed' }], 'calls made before close()')
      expectSame(await Promise.all(after), ['rejected store_unavailable', 'rejected store_unavailable'], 'calls made after close()')
      await closing
      // `await store.close(); process.exit()` on SIGTERM must not cut off a completion still on its way.
      expectSame(settled.at(-1), 'close()', `close() resolves after every call made before it (settled in the order ${settled.join(', ')})`)
      expectSame(await outcomeOf(store.claim(key('later'), 'owner', LEASE_MS)), 'rejected store_unavailable', 'a call once closed')
      // What the closed store did is on the server.
      expectSame((await observer.claim(key('completed'), 'observer', LEASE_MS)).state, 'completed', 'the completion made before close()')
      expectSame((await observer.claim(key('released'), 'observer', LEASE_MS)).state, 'claimed', 'the release made before close()')
      expectSame((await observer.claim(key('claimed'), 'observer', LEASE_MS)).state, 'in_progress', 'the claim made before close()')
      expectSame((await observer.claim(key('after'), 'observer', LEASE_MS)).state, 'claimed', 'the claim refused after close()')
    },
  },
  {
    name: 'close() may be called again while it waits (a second SIGTERM): every call resolves once the first call ends',
    async run({ createStore }) {
      const store = createStore()
      const settled: string[] = []
      const pending = outcomeOf(noteSettling(settled, 'claim', store.claim(`closing:twice:${globalThis.crypto.randomUUID()}`, 'owner', LEASE_MS)))
      const first = noteSettling(settled, 'first close()', store.close())
      const second = noteSettling(settled, 'second close()', store.close())
      expectSame(await pending, { state: 'claimed' }, 'the call made before close()')
      expectSame(await Promise.all([first, second]), [undefined, undefined], 'both endings')
      expectSame(settled[0], 'claim', `neither close() resolves before the call made before it (settled in the order ${settled.join(', ')})`)
    },
  },
]
