/**
 * One receiver process of the multi-process test: the contract provider over node:http, the Redis store
 * under test, and a handler that counts its runs in Redis where the parent reads them. The first run of
 * a delivery for record `hang-once` never finishes, so the parent can kill the worker mid-handler.
 *
 * @module
 */
import { serveReceiverWorker } from '@crm-webhooks/core/testing'
import { createClient } from 'redis'
import { createRedisStore } from '../index.js'

const url = process.env.REDIS_URL!
const keyPrefix = process.env.KEY_PREFIX!
const counter = createClient({ url })
counter.on('error', () => {})
await counter.connect()

await serveReceiverWorker({
  store: createRedisStore({ url, keyPrefix }),
  lockTtlMs: Number(process.env.LOCK_TTL_MS),
  handlerTimeoutMs: Number(process.env.HANDLER_TIMEOUT_MS),
  async handle(event) {
    const run = await counter.incr(`${keyPrefix}runs:${event.id}`)
    if (event.data.record === 'hang-once' && run === 1) await new Promise(() => {})
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.HANDLER_DELAY_MS)))
  },
})
