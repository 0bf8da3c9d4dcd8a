/**
 * Where the Redis tests find their server (REDIS_URL, default the machine's 127.0.0.1:6379), whether it
 * answers, and a key prefix of their own so parallel runs never see each other's keys.
 *
 * @module
 */
import { requireService } from '@crm-webhooks/core/testing'
import { createClient } from 'redis'

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/** Resolves whether the server answers a PING; throws under CI=true when it does not. */
export function redisAvailable(): Promise<boolean> {
  return requireService({
    name: 'Redis',
    url: REDIS_URL,
    envVar: 'REDIS_URL',
    probe: async () => {
      const client = createClient({ url: REDIS_URL, socket: { connectTimeout: 1_000, reconnectStrategy: false } })
      client.on('error', () => {})
      try {
        await client.connect()
        await client.ping()
      } finally {
        if (client.isOpen) client.destroy()
      }
    },
  })
}

/** A prefix no other test run uses. */
export function uniqueKeyPrefix(label: string): string {
  return `crm-webhooks-test:${label}:${process.pid}:${globalThis.crypto.randomUUID().slice(0, 8)}:`
}

/** Real time, for stores on a server clock. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Deletes every key under `prefix`, so the shared server keeps nothing of the run. */
export async function deleteKeysUnder(prefix: string): Promise<void> {
  const client = createClient({ url: REDIS_URL })
  client.on('error', () => {})
  await client.connect()
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await client.del(keys)
    }
  } finally {
    client.destroy()
  }
}
