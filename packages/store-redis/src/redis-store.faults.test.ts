import { outageContract } from '@crm-webhooks/core/testing'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { type OwnRedisServer, startOwnRedisServer } from './__fixtures__/own-redis-server.js'
import { redisAvailable } from './__fixtures__/redis-test-env.js'
import { type RedisStore, createRedisStore } from './index.js'

// redis-server must be installed for the test's own instance; the shared server's presence says it is.
const available = await redisAvailable()

describe.skipIf(!available)('redis store: fails closed while its server is unreachable, recovers when it is back', () => {
  let server: OwnRedisServer
  let store: RedisStore
  const createStore = () => createRedisStore({ url: server.url, commandTimeoutMs: 1_000, connectTimeoutMs: 1_000 })

  beforeAll(async () => {
    server = await startOwnRedisServer()
    store = createStore()
  })
  afterAll(async () => {
    await store?.close()
    await server?.stop()
  })

  for (const contractCase of outageContract) {
    it(contractCase.name, () => contractCase.run({ store, server, createStore }), 60_000)
  }
})
