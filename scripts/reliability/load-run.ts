/**
 * One bounded load run: a receiver on the Redis store served through one entry point, mixed traffic in
 * rounds, the invariants checked after each round, and the heap measured after a forced collection
 * before the first measured round and after the last.
 *
 * @module
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createReceiver } from '@crm-webhooks/core'
import { CONTRACT_SECRET, contractProvider } from '@crm-webhooks/core/testing'
import { createRedisStore } from '@crm-webhooks/store-redis'
import { type DeliveryResult, checkDeliveryInvariants, planTraffic, sendTraffic } from './delivery-traffic.js'
import { type EntryKind, startEntryServer } from './entry-servers.js'

/** Options of {@link runLoad}. */
export interface LoadOptions {
  redisUrl: string
  /** Prefix of every key and event id of the run. */
  keyPrefix: string
  valid: number
  duplicates: number
  forged: number
  concurrency: number
  /** Measured rounds after the warm-up round (at least 1); each round sends a fresh plan. Default 1. */
  rounds?: number
}

/** The figures of one run. */
export interface LoadFigures {
  entry: EntryKind
  requests: number
  seconds: number
  requestsPerSecond: number
  /** First-attempt latency percentiles, ms. */
  p50Ms: number
  p99Ms: number
  /** Final statuses by delivery kind, e.g. `{ valid: { 200: 1000 }, forged: { 401: 200 } }`. */
  statuses: Record<string, Record<number, number>>
  /** Requests the sender had to retry (409 while a duplicate was in flight). */
  retried: number
  /** Heap after a forced collection, MB: after the warm-up round and after the last round. */
  heapBeforeMb: number
  heapAfterMb: number
  /** Heap after a forced collection after each measured round, MB: flat means no trend. */
  heapByRoundMb: number[]
  violations: string[]
}

// A forced collection, so heap figures compare live memory rather than garbage not yet collected.
setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as () => void

function heapMb(): number {
  collectGarbage()
  collectGarbage()
  return process.memoryUsage().heapUsed / 2 ** 20
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0
}

/**
 * Runs the load against one entry point and returns its figures (violations empty when every invariant
 * held).
 *
 * @example
 * ```ts
 * const figures = await runLoad('express', { redisUrl, keyPrefix: 'load:', valid: 2000, duplicates: 500, forged: 500, concurrency: 32 })
 * ```
 */
export async function runLoad(entry: EntryKind, options: LoadOptions): Promise<LoadFigures> {
  const store = createRedisStore({ url: options.redisUrl, keyPrefix: options.keyPrefix })
  const runs = new Map<string, number>()
  const receiver = createReceiver({ provider: contractProvider, secret: CONTRACT_SECRET, store }).on('record.updated', (event) => {
    runs.set(event.id!, (runs.get(event.id!) ?? 0) + 1)
  })
  const started = await startEntryServer(entry, receiver)
  const rounds = options.rounds ?? 1
  // Only compact tallies outlive a round (no results, bodies or plans), so the heap figures are the
  // receiver's, not the run's own bookkeeping growing with every round.
  const firstLatencies = new Float64Array(rounds * (options.valid + options.duplicates + options.forged))
  let measured = 0
  let requests = 0
  let retried = 0
  const statuses: LoadFigures['statuses'] = {}
  const violations: string[] = []
  let heapBeforeMb = 0
  const heapByRoundMb: number[] = []
  let seconds = 0
  try {
    for (let round = 0; round <= rounds; round++) {
      let plan = await planTraffic({ ...options, idPrefix: `${options.keyPrefix}${entry}-r${round}-`, seed: round + 1 })
      if (round === 1) heapBeforeMb = heapMb()
      const startedAt = performance.now()
      // Resends cross their originals: a 409 is retried, as a sender would after Retry-After.
      let results: DeliveryResult[] = await sendTraffic(started.url, plan, { concurrency: options.concurrency, maxAttempts: 20, retryDelayMs: 20 })
      if (round > 0) {
        seconds += (performance.now() - startedAt) / 1000
        for (const { delivery, statuses: seen, latenciesMs } of results) {
          firstLatencies[measured++] = latenciesMs[0]!
          requests += seen.length
          if (seen.length > 1) retried++
          const byStatus = (statuses[delivery.kind] ??= {})
          byStatus[seen.at(-1)!] = (byStatus[seen.at(-1)!] ?? 0) + 1
        }
      }
      violations.push(...checkDeliveryInvariants(results, runs).map((violation) => `round ${round}: ${violation}`))
      runs.clear()
      results = []
      plan = []
      if (round > 0) heapByRoundMb.push(heapMb())
    }
  } finally {
    await started.close()
    await store.close()
  }
  const heapAfterMb = heapByRoundMb.at(-1) ?? heapMb()
  const sortedLatencies = [...firstLatencies.subarray(0, measured)].sort((left, right) => left - right)
  return {
    entry,
    requests,
    seconds,
    requestsPerSecond: requests / seconds,
    p50Ms: percentile(sortedLatencies, 0.5),
    p99Ms: percentile(sortedLatencies, 0.99),
    statuses,
    retried,
    heapBeforeMb,
    heapAfterMb,
    heapByRoundMb,
    violations,
  }
}
