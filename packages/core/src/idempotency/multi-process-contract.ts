/**
 * Exactly once across receiver processes sharing one store: the cases the Redis and PostgreSQL stores
 * (and a store of your own) run with {@link startReceiverWorkers}.
 *
 * The workers must serve the contract provider with the given `lockTtlMs`, count each handler run where
 * `runsOf` reads it, and never finish the first run of a delivery for record `hang-once`.
 *
 * @module
 */
import { expectSame } from './contract-assert.js'
import { signContractDelivery } from './contract-provider.js'
import type { ReceiverWorkers, WorkerAnswer } from './receiver-workers.js'
import type { StoreContractCase } from './store-contract.js'

/** What the multi-process cases run against. */
export interface MultiProcessSubject {
  readonly workers: ReceiverWorkers
  /** How many times the handler ran for the delivery with this event id, across all workers. */
  runsOf(id: string): Promise<number>
  /** The workers' lease. */
  readonly lockTtlMs: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Retries each 409 as a sender would (sooner than its schedule) until every delivery is acknowledged. */
async function untilAcknowledged(answers: WorkerAnswer[], deliver: (index: number) => Promise<WorkerAnswer>) {
  const final = [...answers]
  for (let round = 0; round < 100 && final.some((answer) => answer.status !== 200); round += 1) {
    await sleep(100)
    for (const [index, answer] of final.entries()) if (answer.status !== 200) final[index] = await deliver(index)
  }
  return final
}

/**
 * The cases; the crash case kills worker 0, so it runs last.
 *
 * @example
 * ```ts
 * for (const c of multiProcessContract) it(c.name, () => c.run({ workers, runsOf, lockTtlMs: 2000 }))
 * ```
 */
export const multiProcessContract: readonly StoreContractCase<MultiProcessSubject>[] = [
  {
    name: 'many concurrent identical deliveries across the processes: the handler runs exactly once per event',
    async run({ workers, runsOf }) {
      const count = workers.urls.length
      for (let event = 0; event < 3; event += 1) {
        const id = `burst-${event}-${globalThis.crypto.randomUUID()}`
        const request = await signContractDelivery({ id })
        const deliver = (index: number) => workers.deliver(index % count, request)
        const first = await Promise.all(Array.from({ length: 15 * count }, (_, index) => deliver(index)))
        const kinds = new Set(first.map((answer) => (answer.status === 200 ? 200 : `${answer.status} ${answer.body.error?.code}`)))
        // What a sender may meet and retries: a loaded machine can also time the one running handler out (503).
        const retryable = new Set<unknown>([200, '409 delivery_in_progress', '503 handler_timeout', '503 store_unavailable'])
        expectSame([...kinds].every((kind) => retryable.has(kind)), true, `first answers ${[...kinds]}`)
        expectSame(kinds.has('409 delivery_in_progress'), true, 'some attempts overlapped the running handler')
        const final = await untilAcknowledged(first, deliver)
        expectSame(final.filter((answer) => answer.status !== 200).length, 0, 'unacknowledged after retries')
        // One answer says it ran the handler, unless the attempt that ran it was answered 503 at its deadline.
        expectSame(final.filter((answer) => answer.body.duplicate === false).length <= 1, true, 'answers that ran the handler')
        expectSame(await runsOf(id), 1, 'handler runs')
      }
    },
  },
  {
    name: "a worker killed mid-handler: its claim answers 409 until the lease ends, then another worker's retry runs",
    async run({ workers, runsOf, lockTtlMs }) {
      const id = `crash-${globalThis.crypto.randomUUID()}`
      const request = await signContractDelivery({ id, record: 'hang-once' })
      const hung = workers.deliver(0, request).catch(() => undefined)
      for (let waited = 0; (await runsOf(id)) === 0 && waited < 10_000; waited += 50) await sleep(50)
      await workers.crash(0)
      await hung
      const during = await workers.deliver(1, request)
      expectSame([during.status, during.body.error?.code], [409, 'delivery_in_progress'], 'retry during the lease')
      await sleep(lockTtlMs + 200)
      const after = await workers.deliver(2, request)
      expectSame([after.status, after.body.duplicate], [200, false], 'retry after the lease')
      const later = await workers.deliver(1, request)
      expectSame([later.status, later.body.duplicate], [200, true], 'a later retry')
      expectSame(await runsOf(id), 2, 'handler runs (the crashed one and the retry)')
    },
  },
]
