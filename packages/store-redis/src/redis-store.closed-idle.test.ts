import { once } from 'node:events'
import net from 'node:net'
import { createClient } from 'redis'
import { describe, expect, it } from 'vitest'
import { REDIS_URL, redisAvailable } from './__fixtures__/redis-test-env.js'
import { createRedisStore } from './index.js'

const available = await redisAvailable()

// A connection the server closed while idle (its `timeout`, a proxy's idle cut), whose close the process has not
// read when the next claim is written: a busy loop, or a Lambda environment thawed with its next event and the
// close at once. Here the loop is held (Atomics.wait) while the server kills the store's connection, then the claim
// goes out. The kill goes through a raw socket, which writes at once: node-redis writes in a setImmediate, which
// would send it only after the hold, and the test would pass or fail by a race.
const holdTheLoop = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

async function rawRedisConnection(): Promise<net.Socket> {
  const url = new URL(REDIS_URL)
  const socket = net.connect(Number(url.port || 6379), url.hostname)
  await once(socket, 'connect')
  const password = decodeURIComponent(url.password)
  if (password) socket.write(`AUTH ${decodeURIComponent(url.username) || 'default'} ${password}\r\n`)
  return socket
}

describe.skipIf(!available)('redis store: a connection the server closed before the process noticed', () => {
  it('the call is sent again on the reconnected client instead of failing (503)', async () => {
    const keyPrefix = `crm-webhooks-test:closed-idle:${globalThis.crypto.randomUUID()}:`
    // A client of the test's own, so that only its connection is killed (by its id) on a shared server.
    const client = createClient({ url: REDIS_URL, disableOfflineQueue: true })
    client.on('error', () => {})
    await client.connect()
    const store = createRedisStore({ client, keyPrefix })
    const admin = await rawRedisConnection()
    try {
      await store.claim('warm', 'owner-w', 60_000)
      const id = String(await client.sendCommand(['CLIENT', 'ID']))
      admin.write(`CLIENT KILL ID ${id}\r\n`)
      holdTheLoop(200)
      await expect(store.claim('after-close', 'owner-a', 60_000)).resolves.toEqual({ state: 'claimed' })
    } finally {
      await store.close()
      if (client.isOpen) await client.quit().catch(() => client.destroy())
      admin.destroy()
    }
  })
})
