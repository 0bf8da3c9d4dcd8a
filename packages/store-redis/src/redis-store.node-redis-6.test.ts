/**
 * A client of your own made by node-redis 6 (`npm i redis` installs 6 now): the store takes it as it takes
 * a node-redis 5 one (the same `isOpen`, `isReady` and `sendCommand`), and every store contract holds on it,
 * the delivery contract through a receiver included. The store's own client, from `url`, stays node-redis 5.
 */
import { batchedStoreContract, deliveryContract, idempotencyStoreContract, orderingGuardContract } from '@crm-webhooks/core/testing'
import { createClient } from 'redis-6'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REDIS_URL, deleteKeysUnder, redisAvailable, sleep, uniqueKeyPrefix } from './__fixtures__/redis-test-env.js'
import { createRedisStore } from './index.js'

const available = await redisAvailable()
const prefix = uniqueKeyPrefix('node-redis-6')

describe.skipIf(!available)('redis store on a node-redis 6 client', () => {
  const client = createClient({ url: REDIS_URL })
  // node-redis emits connection errors as events: without a listener one would crash the test process.
  client.on('error', () => {})
  let store: ReturnType<typeof createRedisStore>

  beforeAll(async () => {
    await client.connect()
    store = createRedisStore({ client, keyPrefix: prefix })
  })
  afterAll(async () => {
    await store?.close()
    await deleteKeysUnder(prefix)
    client.destroy()
  })

  it('is the major version this file means to test', async () => {
    const { version } = (await import('redis-6/package.json', { with: { type: 'json' } })).default
    expect(version).toMatch(/^6\./)
  })

  describe('the store contract', () => {
    for (const contractCase of [...idempotencyStoreContract, ...orderingGuardContract, ...batchedStoreContract, ...deliveryContract]) {
      it(contractCase.name, () => contractCase.run({ store, advance: sleep }))
    }
  })

  it('writes the same keys as on a node-redis 5 client, and leaves the client open on close()', async () => {
    const own = createRedisStore({ client, keyPrefix: prefix })
    await own.claim('acme:evt_6', 'owner', 60_000)
    expect(await client.get(`${prefix}claim:acme:evt_6`)).toBe('p:owner')
    await own.close()
    expect(client.isReady).toBe(true)
  })
})
