/**
 * Handler faults under a retrying sender, on the core alone (memory store): handlers that throw, that
 * finish or fail after their deadline, that never settle. Whatever the mix, every delivery is
 * eventually acknowledged, each event's handler completes exactly once, and no two attempts of one
 * event run side by side while the first is alive.
 */
import { describe, expect, it, vi } from 'vitest'
import { CONTRACT_SECRET, contractProvider, signContractDelivery } from '../idempotency/contract-provider.js'
import { createMemoryStore } from '../idempotency/memory-store.js'
import { createReceiver } from '../receiver.js'
import type { WebhookResponse } from '../types.js'
import { seededRandom } from './seeded-random.js'

const HANDLER_TIMEOUT_MS = 30
const LOCK_TTL_MS = 400
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** What one attempt of a handler does. Slow ones stay well inside the lease, as the options require. */
type Fault = 'succeed' | 'throw' | 'succeed-late' | 'fail-late' | 'hang'
const FAULTS: readonly Fault[] = ['succeed', 'throw', 'succeed-late', 'fail-late', 'hang']

interface EventLedger {
  started: number
  completed: number
  /** Attempts alive right now, not counting hung ones (a hung handler stands for a dead worker). */
  alive: number
  maxAlive: number
}

function codeOf(response: WebhookResponse): string | undefined {
  return (JSON.parse(response.body) as { error?: { code: string } }).error?.code
}

describe('handler faults under a retrying sender (memory store)', () => {
  it('every delivery is acknowledged, each handler completes once, no attempt runs beside a live one', async () => {
    const random = seededRandom(20_260_321)
    const EVENTS = 40
    const ledger = new Map<string, EventLedger>()
    // The first attempts fail in every way; the fifth and later succeed, as a recovering dependency would.
    const plan = new Map<string, Fault[]>()
    for (let index = 0; index < EVENTS; index++) {
      plan.set(`evt_${index}`, Array.from({ length: 4 }, () => FAULTS[Math.floor(random() * FAULTS.length)]!))
    }

    const receiver = createReceiver({
      provider: contractProvider,
      secret: CONTRACT_SECRET,
      store: createMemoryStore(),
      handlerTimeoutMs: HANDLER_TIMEOUT_MS,
      lockTtlMs: LOCK_TTL_MS,
    }).on('record.updated', async (event) => {
      const entry = ledger.get(event.id!) ?? { started: 0, completed: 0, alive: 0, maxAlive: 0 }
      ledger.set(event.id!, entry)
      const fault = plan.get(event.id!)![entry.started] ?? 'succeed'
      entry.started += 1
      if (fault === 'hang') return new Promise<void>(() => {})
      entry.alive += 1
      entry.maxAlive = Math.max(entry.maxAlive, entry.alive)
      try {
        if (fault === 'succeed-late' || fault === 'fail-late') await sleep(HANDLER_TIMEOUT_MS * 2)
        if (fault === 'throw' || fault === 'fail-late') throw new Error(`planned ${fault}`)
        entry.completed += 1
      } finally {
        entry.alive -= 1
      }
    })

    const codes = new Map<string, number>()
    async function sendUntilAcknowledged(id: string): Promise<number> {
      const request = await signContractDelivery({ id })
      for (let attempt = 1; attempt <= 60; attempt++) {
        // Now and then the sender fires twice at once (a resend beside a retry): one must get 409.
        const answers = await Promise.all(
          random() < 0.2 ? [receiver.handle(request), receiver.handle(request)] : [receiver.handle(request)],
        )
        for (const answer of answers) codes.set(codeOf(answer) ?? String(answer.status), (codes.get(codeOf(answer) ?? String(answer.status)) ?? 0) + 1)
        if (answers.some((answer) => answer.status < 300)) return attempt
        // The seeds' senders wait minutes; scaled down to keep the test short.
        await sleep(15 + random() * 25)
      }
      throw new Error(`${id} never acknowledged`)
    }

    const attempts = await Promise.all([...plan.keys()].map(sendUntilAcknowledged))

    expect(attempts.every((count) => count >= 1)).toBe(true)
    for (const [id, entry] of ledger) {
      expect({ id, completed: entry.completed }).toEqual({ id, completed: 1 })
      expect({ id, maxAlive: entry.maxAlive }).toEqual({ id, maxAlive: 1 })
    }
    expect(ledger.size).toBe(EVENTS)
    // The mix really exercised every fault path.
    for (const code of ['handler_failed', 'handler_timeout', 'delivery_in_progress', '200']) expect(codes.get(code)).toBeGreaterThan(0)
    // Acknowledged deliveries are remembered: a late resend of each is a duplicate and runs nothing.
    for (const id of plan.keys()) {
      const again = await receiver.handle(await signContractDelivery({ id }))
      expect(JSON.parse(again.body)).toMatchObject({ ok: true, duplicate: true })
    }
    expect([...ledger.values()].every((entry) => entry.completed === 1)).toBe(true)
  })

  it('a handler that outlives its lease cannot complete the newer attempt’s claim', async () => {
    const finishers: Array<(outcome: 'ok' | 'fail') => void> = []
    let completions = 0
    const receiver = createReceiver({
      provider: contractProvider,
      secret: CONTRACT_SECRET,
      handlerTimeoutMs: HANDLER_TIMEOUT_MS,
      lockTtlMs: 100,
    }).on('record.updated', () => {
      // Attempts 1 and 2 settle when the test says; attempt 3 succeeds at once.
      if (finishers.length === 2) {
        completions += 1
        return
      }
      return new Promise<void>((resolve, reject) =>
        finishers.push((outcome) => {
          if (outcome === 'fail') return reject(new Error('failed late'))
          completions += 1
          resolve()
        }),
      )
    })
    const request = await signContractDelivery({ id: 'evt_outlived' })

    expect(codeOf(await receiver.handle(request))).toBe('handler_timeout') // attempt 1 keeps running
    await sleep(130) // its lease ends: the worker is presumed dead
    expect(codeOf(await receiver.handle(request))).toBe('handler_timeout') // attempt 2 takes a new claim
    finishers[0]!('ok') // attempt 1 finishes after all: its claim is gone, it must not complete attempt 2's
    await vi.waitFor(() => expect(completions).toBe(1))
    expect(codeOf(await receiver.handle(request))).toBe('delivery_in_progress')
    finishers[1]!('fail') // attempt 2 fails: its claim is released, so the sender's retry runs again
    const third = await vi.waitFor(async () => {
      const answer = await receiver.handle(request)
      if (answer.status !== 200) throw new Error(`not released yet: ${codeOf(answer)}`)
      return answer
    })
    expect(JSON.parse(third.body)).toMatchObject({ duplicate: false })
    expect(JSON.parse((await receiver.handle(request)).body)).toMatchObject({ duplicate: true })
    expect(finishers).toHaveLength(2)
    expect(completions).toBe(2) // attempt 1's late success (a presumed-dead worker's effect) and attempt 3's
  })
})
