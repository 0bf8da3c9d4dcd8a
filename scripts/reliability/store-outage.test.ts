/**
 * The idempotency store's server stopped in the middle of a load run, then started again: while it is
 * down the receiver answers 503 and handles nothing; the sender keeps retrying; once it is back every
 * genuine delivery ends acknowledged, each event handled exactly once, and forgeries stay refused
 * throughout. Each server is the run's own (another port), stopped with its data kept: Redis by
 * SHUTDOWN SAVE, PostgreSQL by an immediate stop (crash recovery on start). The stores' own outage
 * contracts send one delivery at a time; this is the same outage under concurrent traffic.
 */
import { createReceiver } from '@crm-webhooks/core'
import type { IdempotencyStore } from '@crm-webhooks/core'
import { CONTRACT_SECRET, contractProvider } from '@crm-webhooks/core/testing'
import { createPostgresStore } from '@crm-webhooks/store-postgres'
import { createRedisStore } from '@crm-webhooks/store-redis'
import { describe, expect, it } from 'vitest'
import { postgresBinDir, startOwnPostgresServer } from '../../packages/store-postgres/src/__fixtures__/own-postgres-server.js'
import { postgresAvailable } from '../../packages/store-postgres/src/__fixtures__/postgres-test-env.js'
import { redisAvailable } from '../../packages/store-redis/src/__fixtures__/redis-test-env.js'
import { checkDeliveryInvariants, planTraffic, sendTraffic } from './delivery-traffic.js'
import { startEntryServer } from './entry-servers.js'
import { startOwnRedisServer } from './own-redis-server.js'

/** A store on a server of the run's own, and the controls of that server. */
interface OutageSubject {
  store: IdempotencyStore
  stop(): Promise<void>
  restart(): Promise<void>
  dispose(): Promise<void>
}

// The binaries for the run's own instances come with the shared servers the other tests use.
const subjects: Array<{ name: string; available: boolean; open(): Promise<OutageSubject> }> = [
  {
    name: 'Redis',
    available: await redisAvailable(),
    async open() {
      const server = await startOwnRedisServer()
      const store = createRedisStore({ url: server.url, commandTimeoutMs: 300, connectTimeoutMs: 300 })
      return { store, stop: server.stop, restart: server.start, dispose: async () => (await store.close(), await server.dispose()) }
    },
  },
  {
    name: 'PostgreSQL',
    available: (await postgresAvailable()) && postgresBinDir() !== undefined,
    async open() {
      const server = await startOwnPostgresServer()
      const store = createPostgresStore({ connectionString: server.connectionString, autoMigrate: true, commandTimeoutMs: 500, connectTimeoutMs: 500 })
      return { store, stop: server.stop, restart: server.start, dispose: async () => (await store.close(), await server.destroy()) }
    },
  },
]

/** Longer than the outage and the restart together, so completions retried through the outage land in time. */
const LOCK_TTL_MS = 8_000
const OUTAGE_MS = 1_500
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.each(subjects)('store outage in the middle of a load run: $name', ({ name, available, open }) => {
  it.skipIf(!available)('503 while down, recovery when back, every event handled once and none lost', async () => {
    const subject = await open()
    const runs = new Map<string, number>()
    const receiver = createReceiver({
      provider: contractProvider,
      secret: CONTRACT_SECRET,
      store: subject.store,
      lockTtlMs: LOCK_TTL_MS,
      handlerTimeoutMs: 1_000,
    }).on('record.updated', async (event) => {
      runs.set(event.id!, (runs.get(event.id!) ?? 0) + 1)
      await sleep(5) // a handler that takes a moment, so some are mid-flight when the server stops
    })
    const started = await startEntryServer('node:http', receiver)
    try {
      const plan = await planTraffic({ valid: 300, duplicates: 100, forged: 40, idPrefix: `outage-${name}-` })
      // A sender that retries every 50 ms (the seeds wait minutes) for as long as the run may take.
      const traffic = sendTraffic(started.url, plan, { concurrency: 16, maxAttempts: 10_000, retryDelayMs: 50, deadlineMs: 90_000 })
      while (runs.size < 60) await sleep(5)
      await subject.stop()
      const handledAtStop = runs.size
      await sleep(OUTAGE_MS)
      // Nothing is handled without the store (at most the few already past their claim when it stopped).
      expect(runs.size - handledAtStop).toBeLessThanOrEqual(16)
      await subject.restart()
      const results = await traffic

      expect(checkDeliveryInvariants(results, runs)).toEqual([])
      const sawOutage = results.filter((result) => result.statuses.includes(503))
      expect(sawOutage.length).toBeGreaterThan(0)
      console.info(
        `store outage (${name}, ${OUTAGE_MS} ms down + restart): ${results.length} deliveries, ${sawOutage.length} met a 503 and were ` +
          `retried through it, ${results.reduce((sum, result) => sum + result.statuses.length, 0)} requests, ${runs.size} events handled once each`,
      )
    } finally {
      await started.close()
      await subject.dispose()
    }
  }, 120_000)
})
