/**
 * The exactly-once semantics end to end: signed deliveries through `createReceiver(...).handle` over a
 * given store, the way a sender's retries and a load balancer's fan-out produce them.
 *
 * @module
 */
import { createReceiver } from '../receiver.js'
import type { WebhookResponse } from '../types.js'
import type { IdempotencyStore } from './idempotency-store.js'
import { expectSame } from './contract-assert.js'
import { CONTRACT_SECRET, contractProvider, signContractDelivery } from './contract-provider.js'
import { CONTRACT_LEASE_MS, type StoreContractCase, type StoreContractSubject } from './store-contract.js'

type Handler = () => Promise<void> | void

function receiverOver(subject: StoreContractSubject, handler: Handler, options: { lockTtlMs?: number; handlerTimeoutMs?: number } = {}) {
  return createReceiver({ provider: contractProvider, secret: CONTRACT_SECRET, store: subject.store, ...options }).on(
    'record.updated',
    handler,
  )
}

function summary(response: WebhookResponse): { status: number; code?: string; duplicate?: boolean; retryAfter?: boolean } {
  const body = JSON.parse(response.body) as { error?: { code: string }; duplicate?: boolean }
  return {
    status: response.status,
    ...(body.error ? { code: body.error.code } : { duplicate: body.duplicate }),
    ...(response.headers['retry-after'] ? { retryAfter: Number(response.headers['retry-after']) > 0 } : {}),
  }
}

const ACCEPTED = { status: 200, duplicate: false }
const DUPLICATE = { status: 200, duplicate: true }
const IN_PROGRESS = { status: 409, code: 'delivery_in_progress', retryAfter: true }

function deliveryId(label: string): string {
  return `${label}-${globalThis.crypto.randomUUID()}`
}

function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { opened, open }
}

/** A handler that counts its runs and waits for `open()`; `done` settles once a run got past the wait. */
function gatedHandler(): { handler: Handler; open: () => void; done: Promise<void>; runs: () => number } {
  let runs = 0
  const { opened, open } = gate()
  let finished!: () => void
  const done = new Promise<void>((resolve) => (finished = resolve))
  const handler = async () => {
    runs += 1
    await opened
    finished()
  }
  return { handler, open, done, runs: () => runs }
}

/**
 * The delivery-level cases every store must pass through the receiver.
 *
 * @example
 * ```ts
 * import { deliveryContract } from '@crm-webhooks/core/testing'
 * for (const c of deliveryContract) it(c.name, () => c.run({ store, advance: (ms) => sleep(ms) }))
 * ```
 */
export const deliveryContract: readonly StoreContractCase[] = [
  {
    name: 'a duplicate of a completed delivery is answered 200 without running the handler',
    async run(subject) {
      let runs = 0
      const receiver = receiverOver(subject, () => void (runs += 1))
      const request = await signContractDelivery({ id: deliveryId('dup') })
      expectSame(summary(await receiver.handle(request)), ACCEPTED, 'first delivery')
      expectSame(summary(await receiver.handle(request)), DUPLICATE, 'second delivery')
      expectSame(summary(await receiver.handle(request)), DUPLICATE, 'third delivery')
      expectSame(runs, 1, 'handler runs')
    },
  },
  {
    name: 'identical deliveries at once: one runs, the others get 409 with Retry-After and run nothing',
    async run(subject) {
      let runs = 0
      const { opened, open } = gate()
      const receiver = receiverOver(subject, async () => {
        runs += 1
        await opened
      })
      const request = await signContractDelivery({ id: deliveryId('burst') })
      let answered = 0
      const attempts = Array.from({ length: 13 }, () => receiver.handle(request).finally(() => (answered += 1)))
      // The winner's handler waits until every other attempt has been answered, so they all overlap it.
      for (let waited = 0; answered < attempts.length - 1 && waited < 10_000; waited += 10) {
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      open()
      const statuses = (await Promise.all(attempts)).map(summary)
      expectSame(statuses.filter((status) => status.status === 200), [ACCEPTED], 'accepted')
      expectSame(statuses.filter((status) => status.status !== 200), Array(12).fill(IN_PROGRESS), 'the others')
      expectSame(summary(await receiver.handle(request)), DUPLICATE, 'a retry after it finished')
      expectSame(runs, 1, 'handler runs')
    },
  },
  {
    name: 'a failed handler releases the claim, so the retry runs it again',
    async run(subject) {
      let runs = 0
      const receiver = receiverOver(subject, () => {
        runs += 1
        if (runs === 1) throw new Error('downstream unavailable')
      })
      const request = await signContractDelivery({ id: deliveryId('fail') })
      expectSame(summary(await receiver.handle(request)), { status: 500, code: 'handler_failed' }, 'failing attempt')
      expectSame(summary(await receiver.handle(request)), ACCEPTED, 'retry')
      expectSame(summary(await receiver.handle(request)), DUPLICATE, 'retry after success')
      expectSame(runs, 2, 'handler runs')
    },
  },
  {
    name: "a crashed worker's claim answers 409 until its lease ends; then the next retry runs",
    async run(subject) {
      let runs = 0
      const receiver = receiverOver(subject, () => void (runs += 1), { lockTtlMs: CONTRACT_LEASE_MS, handlerTimeoutMs: 100 })
      const id = deliveryId('crash')
      // What a worker that died mid-handler leaves behind: a claim nobody will complete or release.
      await subject.store.claim(`${contractProvider.id}:${id}`, 'crashed-worker', CONTRACT_LEASE_MS)
      const request = await signContractDelivery({ id })
      expectSame(summary(await receiver.handle(request)), IN_PROGRESS, 'retry during the lease')
      await subject.advance(CONTRACT_LEASE_MS + 200)
      expectSame(summary(await receiver.handle(request)), ACCEPTED, 'retry after the lease')
      expectSame(await subject.store.release(`${contractProvider.id}:${id}`, 'crashed-worker'), false, 'late release')
      expectSame(summary(await receiver.handle(request)), DUPLICATE, 'later retry')
      expectSame(runs, 1, 'handler runs')
    },
  },
  {
    name: 'a handler past its deadline: 503 at once, 409 while it runs, then duplicate once it finished',
    async run(subject) {
      const { handler, open, done, runs } = gatedHandler()
      const receiver = receiverOver(subject, handler, { lockTtlMs: 30_000, handlerTimeoutMs: 50 })
      const request = await signContractDelivery({ id: deliveryId('slow') })
      expectSame(summary(await receiver.handle(request)), { status: 503, code: 'handler_timeout', retryAfter: true }, 'timed out')
      expectSame(summary(await receiver.handle(request)), IN_PROGRESS, 'retry while the handler still runs')
      open()
      await done
      // The claim is completed right after the handler settles; give that one store round trip to land.
      let last = summary(await receiver.handle(request))
      for (let attempt = 0; attempt < 50 && last.status === 409; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        last = summary(await receiver.handle(request))
      }
      expectSame(last, DUPLICATE, 'retry after the handler finished')
      expectSame(runs(), 1, 'handler runs')
    },
  },
  {
    name: 'a handler that outlives its lease and succeeds: its late completion stands, so the next retry is a duplicate',
    async run(subject) {
      const { handler, open, done, runs } = gatedHandler()
      // The store as the receiver sees it, with every completion's answer kept for the test to await.
      const completions: Promise<boolean>[] = []
      const { store } = subject
      const watched: IdempotencyStore = {
        claim: (key, owner, lockTtlMs, version) => store.claim(key, owner, lockTtlMs, version),
        complete: (key, owner, retentionMs) => {
          const completion = store.complete(key, owner, retentionMs)
          completions.push(completion)
          return completion
        },
        release: (key, owner) => store.release(key, owner),
        ...(store.recordVersion
          ? { recordVersion: (record: string, version: number, retentionMs: number) => store.recordVersion!(record, version, retentionMs) }
          : {}),
      }
      const receiver = receiverOver({ ...subject, store: watched }, handler, { lockTtlMs: CONTRACT_LEASE_MS, handlerTimeoutMs: 50 })
      const request = await signContractDelivery({ id: deliveryId('outlived') })
      expectSame(summary(await receiver.handle(request)), { status: 503, code: 'handler_timeout', retryAfter: true }, 'timed out')
      await subject.advance(CONTRACT_LEASE_MS + 200)
      open()
      await done
      await new Promise((resolve) => setTimeout(resolve, 0))
      expectSame(completions.length, 1, 'completions made')
      expectSame(await completions[0], true, 'the completion after the lease lapsed, nobody holding the key')
      expectSame(summary(await receiver.handle(request)), DUPLICATE, 'the retry after the handler finished')
      expectSame(runs(), 1, 'handler runs')
    },
  },
  {
    name: 'the ordering guard tells the handler that an older version of a record arrived late',
    async run(subject) {
      const seen: Array<[number, boolean | undefined]> = []
      const receiver = createReceiver({ provider: contractProvider, secret: CONTRACT_SECRET, store: subject.store }).on(
        'record.updated',
        (event) => void seen.push([event.data.version, event.stale]),
      )
      const record = deliveryId('record')
      for (const version of [1_000, 3_000, 2_000, 3_000]) {
        await receiver.handle(await signContractDelivery({ id: deliveryId('v'), record, version }))
      }
      const expected = subject.store.recordVersion ? [false, false, true, false] : [undefined, undefined, undefined, undefined]
      expectSame(
        seen,
        [1_000, 3_000, 2_000, 3_000].map((version, index) => [version, expected[index]]),
        'stale verdicts',
      )
    },
  },
]
