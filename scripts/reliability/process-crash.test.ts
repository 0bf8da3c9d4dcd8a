/**
 * A receiver process killed in the middle of its handlers during a load run: three instances share the
 * Redis store behind a round-robin sender; one is stuck inside every handler it starts and is killed
 * (SIGKILL) while it holds claims. Its claims expire after the short lease, the sender's retries are
 * handled by the other two, and every event finishes exactly once. (The store's multi-process contract
 * checks one crashed delivery at a time; this is the same crash under concurrent traffic.)
 */
import { fileURLToPath } from 'node:url'
import { startReceiverWorkers } from '@crm-webhooks/core/testing'
import { createClient } from 'redis'
import { describe, expect, it } from 'vitest'
import { REDIS_URL, deleteKeysUnder, redisAvailable, uniqueKeyPrefix } from '../../packages/store-redis/src/__fixtures__/redis-test-env.js'
import { checkDeliveryInvariants, planTraffic, sendTraffic } from './delivery-traffic.js'

const available = await redisAvailable()
const LOCK_TTL_MS = 2_000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(!available)('a receiver process killed mid-handler during a load run', () => {
  it('its claims expire, the retries are handled by the other instances, each event finishes once', async () => {
    const prefix = uniqueKeyPrefix('crash')
    const script = fileURLToPath(new URL('./crash-worker.ts', import.meta.url))
    const env = { REDIS_URL, KEY_PREFIX: prefix, LOCK_TTL_MS: String(LOCK_TTL_MS), HANDLER_TIMEOUT_MS: '400' }
    const counters = createClient({ url: REDIS_URL })
    await counters.connect()
    const [stuck, healthy] = await Promise.all([
      startReceiverWorkers({ script, count: 1, env: { ...env, WORKER_ROLE: 'stuck' } }),
      startReceiverWorkers({ script, count: 2, env: { ...env, WORKER_ROLE: 'healthy' } }),
    ])
    try {
      const plan = await planTraffic({ valid: 150, duplicates: 30, forged: 20, idPrefix: prefix })
      const traffic = sendTraffic([stuck.urls[0]!, ...healthy.urls], plan, {
        concurrency: 12,
        maxAttempts: 10_000,
        retryDelayMs: 50,
        deadlineMs: 90_000,
      })
      // Kill it once it is inside several handlers, each holding a claim.
      while (Number((await counters.get(`${prefix}stuck-started`)) ?? 0) < 8) await sleep(20)
      await stuck.crash(0)
      const results = await traffic

      const ids = [...new Set(plan.filter((delivery) => delivery.kind !== 'forged').map((delivery) => delivery.id))]
      const finished = await counters.mGet(ids.map((id) => `${prefix}finished:${id}`))
      const started = await counters.mGet(ids.map((id) => `${prefix}started:${id}`))
      const runs = new Map(ids.flatMap((id, index) => (finished[index] ? [[id, Number(finished[index])] as const] : [])))
      expect(checkDeliveryInvariants(results, runs)).toEqual([])
      // Every claim the killed process held was taken over after its lease and handled elsewhere.
      const takenOver = started.filter((count) => Number(count) >= 2).length
      expect(takenOver).toBeGreaterThanOrEqual(8)
      console.info(
        `process crash: ${results.length} deliveries over 3 instances, one killed while inside ${takenOver} handlers; ` +
          `all taken over after the ${LOCK_TTL_MS} ms lease, ${runs.size} events finished once each`,
      )
    } finally {
      await Promise.all([stuck.stop(), healthy.stop()])
      counters.destroy()
      await deleteKeysUnder(prefix)
    }
  }, 120_000)
})
