/**
 * One receiver process of the crash test: the contract provider over node:http on the Redis store, its
 * handler counting starts and finishes in Redis where the parent reads them. A `stuck` worker's handlers
 * never finish (a dependency that hangs), so when the parent kills it, it dies mid-handler every time.
 *
 * @module
 */
import { serveReceiverWorker } from '@crm-webhooks/core/testing'
import { createRedisStore } from '@crm-webhooks/store-redis'
import { createClient } from 'redis'

const url = process.env.REDIS_URL!
const keyPrefix = process.env.KEY_PREFIX!
const stuck = process.env.WORKER_ROLE === 'stuck'
const counter = createClient({ url })
counter.on('error', () => {})
await counter.connect()

await serveReceiverWorker({
  store: createRedisStore({ url, keyPrefix }),
  lockTtlMs: Number(process.env.LOCK_TTL_MS),
  handlerTimeoutMs: Number(process.env.HANDLER_TIMEOUT_MS),
  async handle(event) {
    await counter.incr(`${keyPrefix}started:${event.id}`)
    if (stuck) {
      await counter.incr(`${keyPrefix}stuck-started`)
      await new Promise(() => {})
    }
    await counter.incr(`${keyPrefix}finished:${event.id}`)
  },
})
