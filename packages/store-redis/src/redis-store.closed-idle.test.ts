import { createClient } from 'redis'
import { describe, expect, it } from 'vitest'
import { REDIS_URL, redisAvailable } from './__fixtures__/redis-test-env.js'
import { createRedisStore } from './index.js'

const available = await redisAvailable()

// A Lambda environment thaws with its next event and the close of a connection the server ended while it was
// frozen (an idle timeout) at once: the claim is written before the close is read. Here the loop is held
// (Atomics.wait) while the server kills the store's connection, then the claim goes out in the same turn.
const holdTheLoop = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

describe.skipIf(!available)('redis store: a connection the server closed before the process noticed', () => {
  it('the call is sent again on the reconnected client instead of failing (503)', async () => {
    const keyPrefix = `crm-webhooks-test:closed-idle:${globalThis.crypto.randomUUID()}:`
    // A client of the test's own, so that only its connection is killed (by its id) on a shared server.
    const client = createClient({ url: REDIS_URL, disableOfflineQueue: true })
    client.on('error', () => {})
    await client.connect()
    const store = createRedisStore({ client, keyPrefix })
    const admin = createClient({ url: REDIS_URL })
    admin.on('error', () => {})
    await admin.connect()
    try {
      await store.claim('warm', 'owner-w', 60_000)
      const id = String(await client.sendCommand(['CLIENT', 'ID']))
      void admin.sendCommand(['CLIENT', 'KILL', 'ID', id])
      holdTheLoop(200)
      await expect(store.claim('after-close', 'owner-a', 60_000)).resolves.toEqual({ state: 'claimed' })
    } finally {
      await store.close()
      if (client.isOpen) await client.quit().catch(() => client.destroy())
      await admin.quit().catch(() => admin.destroy())
    }
  })
})
