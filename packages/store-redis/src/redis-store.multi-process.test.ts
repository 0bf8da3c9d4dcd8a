import { fileURLToPath } from 'node:url'
import { type ReceiverWorkers, multiProcessContract, startReceiverWorkers } from '@crm-webhooks/core/testing'
import { type RedisClientType, createClient } from 'redis'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { REDIS_URL, deleteKeysUnder, redisAvailable, uniqueKeyPrefix } from './__fixtures__/redis-test-env.js'

const available = await redisAvailable()
const prefix = uniqueKeyPrefix('processes')
const LOCK_TTL_MS = 3_000

describe.skipIf(!available)('redis store: three receiver processes share one store', () => {
  let workers: ReceiverWorkers
  let client: RedisClientType

  beforeAll(async () => {
    client = createClient({ url: REDIS_URL })
    await client.connect()
    workers = await startReceiverWorkers({
      script: fileURLToPath(new URL('./__fixtures__/redis-receiver-worker.ts', import.meta.url)),
      count: 3,
      env: { REDIS_URL, KEY_PREFIX: prefix, LOCK_TTL_MS: String(LOCK_TTL_MS), HANDLER_TIMEOUT_MS: '2000', HANDLER_DELAY_MS: '300' },
    })
  }, 90_000)
  afterAll(async () => {
    await workers?.stop()
    await deleteKeysUnder(prefix)
    client?.destroy()
  })

  for (const contractCase of multiProcessContract) {
    it(contractCase.name, () =>
      contractCase.run({
        workers,
        lockTtlMs: LOCK_TTL_MS,
        runsOf: async (id) => Number((await client.get(`${prefix}runs:${id}`)) ?? 0),
      }),
    )
  }
})
