/**
 * Failing closed: while a store's server is stopped or frozen, the receiver answers a retryable 503
 * `store_unavailable` and runs no handler; once the server is back, the sender's retry is handled. The
 * Redis and PostgreSQL stores run these cases against a server instance of the test's own.
 *
 * @module
 */
import { createReceiver } from '../receiver.js'
import type { IdempotencyStore } from './idempotency-store.js'
import { expectSame } from './contract-assert.js'
import { CONTRACT_SECRET, contractProvider, signContractDelivery } from './contract-provider.js'
import type { StoreContractCase } from './store-contract.js'

/** Control over the server a store talks to: the test's own instance, never a shared one. */
export interface ServerControls {
  /** Kills the server; it may lose its data. */
  stop(): Promise<void>
  /** Starts it again at the same address. */
  start(): Promise<void>
  /** Freezes it (SIGSTOP): connections stay open and nothing answers. */
  freeze(): void
  thaw(): void
}

/** What the outage cases run against: a store (with a short command timeout) on a server they control. */
export interface OutageSubject {
  readonly store: IdempotencyStore
  readonly server: ServerControls
  /** Another store on the same server, with the same short timeouts (the cases close it). */
  createStore(): IdempotencyStore
  /** The stores' `commandTimeoutMs`; default 1 000. A freeze case outlasts every bound the store puts past it. */
  readonly commandTimeoutMs?: number
}

/**
 * The lease the cases' receiver uses: longer than the cases wait, so a retry after a freeze is handled
 * at once only because the store gave back the claim that landed after the deadline.
 */
const LEASE_MS = 30_000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function eventually<T>(attempt: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await attempt()
    if (done(value) || Date.now() > deadline) return value
    await sleep(100)
  }
}

function receiverOver(store: IdempotencyStore) {
  let runs = 0
  const receiver = createReceiver({ provider: contractProvider, secret: CONTRACT_SECRET, store, lockTtlMs: LEASE_MS }).on(
    'record.updated',
    () => void (runs += 1),
  )
  async function deliver(id: string) {
    const response = await receiver.handle(await signContractDelivery({ id }))
    const body = JSON.parse(response.body) as { duplicate?: boolean; error?: { code: string } }
    const retryAfter = Number(response.headers['retry-after'] ?? 0) > 0
    return body.error ? { status: response.status, code: body.error.code, retryAfter } : { status: response.status, duplicate: body.duplicate }
  }
  return { deliver, runs: () => runs }
}

const HANDLED = { status: 200, duplicate: false }
const DUPLICATE = { status: 200, duplicate: true }
const UNAVAILABLE = { status: 503, code: 'store_unavailable', retryAfter: true }

/**
 * A delivery meets a frozen server (503), which stays frozen `moreMs` longer; its resend after the thaw,
 * well inside the 30 s lease, is handled at once only if the claim that landed late was given back.
 */
async function frozenThenResent({ store, server }: OutageSubject, moreMs: number): Promise<void> {
  const { deliver, runs } = receiverOver(store)
  const id = globalThis.crypto.randomUUID()
  expectSame(await eventually(() => deliver(`before-${id}`), (answer) => answer.status === 200), HANDLED, 'before')
  server.freeze()
  try {
    expectSame(await deliver(`during-${id}`), UNAVAILABLE, 'while frozen')
    await sleep(moreMs)
  } finally {
    server.thaw()
  }
  const retried = await eventually(() => deliver(`during-${id}`), (answer) => answer.status === 200, 8_000)
  expectSame(retried, HANDLED, 'resend after the thaw')
  expectSame(runs(), 2, 'handler runs')
}

/**
 * The cases, in order (the second starts from the server the first restarted).
 *
 * @example
 * ```ts
 * for (const c of outageContract) it(c.name, () => c.run({ store, server, createStore: () => createMyStore({ commandTimeoutMs: 500 }) }))
 * ```
 */
export const outageContract: readonly StoreContractCase<OutageSubject>[] = [
  {
    name: 'server stopped: 503 store_unavailable with Retry-After and nothing handled; handled once it is back',
    async run({ store, server }) {
      const { deliver, runs } = receiverOver(store)
      const id = globalThis.crypto.randomUUID()
      expectSame(await eventually(() => deliver(`before-${id}`), (answer) => answer.status === 200), HANDLED, 'before the outage')
      await server.stop()
      expectSame(await deliver(`during-${id}`), UNAVAILABLE, 'during the outage')
      expectSame(runs(), 1, 'handler runs during the outage')
      const calls = [
        () => store.claim('k', 'o', 1_000),
        () => store.complete('k', 'o', 1_000),
        () => store.release('k', 'o'),
        ...(store.recordVersion ? [() => store.recordVersion!('r', 1, 1_000)] : []),
      ]
      for (const call of calls) {
        const failure = await call().then(
          () => 'resolved',
          (error: { name?: string; code?: string }) => `${error.name} ${error.code}`,
        )
        expectSame(failure, 'IdempotencyError store_unavailable', 'a direct store call during the outage')
      }
      await server.start()
      expectSame(await eventually(() => deliver(`during-${id}`), (answer) => answer.status === 200), HANDLED, 'retry once back')
      expectSame(await deliver(`during-${id}`), DUPLICATE, 'the next retry')
      expectSame(runs(), 2, 'handler runs')
    },
  },
  {
    name: 'server frozen: 503 within the command timeout instead of a hung delivery; the late claim is given back',
    run: (subject) => frozenThenResent(subject, 0),
  },
  {
    name: 'server frozen until the client gives up on the claim unanswered: the claim that lands on the thaw is given back by the next resend, handled at once',
    // Past the deadline, the Redis store drops a connection silent for one more, and the PostgreSQL pool's
    // read timeout is one second past it: either way the claim's answer is thrown away, and the store never
    // learns the claim landed. The receiver remembers its owner and gives it back before claiming again.
    run: (subject) => frozenThenResent(subject, 2 * (subject.commandTimeoutMs ?? 1_000) + 1_500),
  },
  {
    name: 'a store created while its server is down fails closed, then works once the server is up',
    async run({ server, createStore }) {
      await server.stop()
      const early = createStore()
      try {
        const { deliver, runs } = receiverOver(early)
        expectSame(await deliver('created-while-down'), UNAVAILABLE, 'while down')
        await server.start()
        expectSame(await eventually(() => deliver('created-while-down'), (answer) => answer.status === 200), HANDLED, 'once up')
        expectSame(runs(), 1, 'handler runs')
      } finally {
        await early.close?.()
      }
    },
  },
]
