/**
 * `createRedisStore`: the idempotency store for receivers that run as several instances, on Redis.
 * One round trip per claim (the ordering guard's version recorded in it) and one per completion, each an
 * atomic Lua script; owner-checked completion and release; every call bounded in time.
 *
 * @module
 */
import type { ClaimResult, IdempotencyStore } from '@crm-webhooks/core'
import { type RedisStoreClient, openRedisConnection } from './redis-connection.js'
import { CLAIM, COMPLETE, RECORD_VERSION, RELEASE, runScript } from './redis-scripts.js'

/** Options of {@link createRedisStore}: give either `client` or `url`. */
export interface RedisStoreOptions {
  /** A node-redis 5 client of your own (connected or not). The store never closes it: you do. */
  client?: RedisStoreClient
  /** Or a URL (`redis://`, `rediss://` for TLS, credentials and database included): the store creates, connects and closes its client. */
  url?: string
  /** Prefix of every key the store writes; default `crm-webhooks:`. Give each application its own. */
  keyPrefix?: string
  /** Longest wait for one call, connection included, before it rejects with `store_unavailable`; default 2000 ms. */
  commandTimeoutMs?: number
  /** Connect timeout of the client the store creates from `url`; default 2000 ms. */
  connectTimeoutMs?: number
  /** Connection errors of the client the store creates (each failed call also rejects on its own); default ignored. */
  onConnectionError?: (error: Error) => void
}

/** The Redis store. */
export interface RedisStore extends IdempotencyStore {
  recordVersion(record: string, version: number, retentionMs: number): Promise<{ stale: boolean }>
  /** Closes the client the store created from `url`; a client you passed stays open. Later calls reject. */
  close(): Promise<void>
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`crm-webhooks: ${name} must be a positive number`)
  }
  return value
}

/** Redis takes whole milliseconds, at least one. */
function wholeMs(ms: number): string {
  return String(Math.max(1, Math.ceil(ms)))
}

function isOne(reply: unknown): boolean {
  return reply === 1
}

/** CLAIM's reply: {0} or {0, stale} claimed, {1} completed, {2, ms left} in progress. */
function claimResult(reply: unknown): ClaimResult {
  const [state, detail] = reply as [number, number?]
  if (state === 0) return detail === undefined ? { state: 'claimed' } : { state: 'claimed', stale: detail === 1 }
  if (state === 1) return { state: 'completed' }
  return { state: 'in_progress', retryAfterMs: Number(detail) }
}

/**
 * Creates the Redis store.
 *
 * @example
 * ```ts
 * import { createReceiver } from '@crm-webhooks/core'
 * import { createRedisStore } from '@crm-webhooks/store-redis'
 *
 * const store = createRedisStore({ url: process.env.REDIS_URL!, keyPrefix: 'billing-webhooks:' })
 * const receiver = createReceiver({ provider: automatenexus, secret, store })
 * process.on('SIGTERM', () => void store.close())
 * ```
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  if ((options.client === undefined) === (options.url === undefined)) {
    throw new TypeError('crm-webhooks: createRedisStore needs either `client` or `url`, not both')
  }
  const keyPrefix = options.keyPrefix ?? 'crm-webhooks:'
  if (typeof keyPrefix !== 'string') throw new TypeError('crm-webhooks: keyPrefix must be a string')
  const connection = openRedisConnection({
    client: options.client,
    url: options.url,
    commandTimeoutMs: positive('commandTimeoutMs', options.commandTimeoutMs, 2_000),
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, 2_000),
    onError: options.onConnectionError,
  })
  const { client } = connection
  // Separate namespaces, so no idempotency key can ever name a version key.
  const claimKey = (key: string) => `${keyPrefix}claim:${key}`
  const versionKey = (record: string) => `${keyPrefix}version:${record}`

  return {
    claim(key, owner, lockTtlMs, version) {
      const keys = version ? [claimKey(key), versionKey(version.record)] : [claimKey(key)]
      const args = version
        ? [owner, wholeMs(lockTtlMs), String(version.version), wholeMs(version.retentionMs)]
        : [owner, wholeMs(lockTtlMs)]
      return connection.run(
        'claim',
        () => runScript(client, CLAIM, keys, args).then(claimResult),
        // A claim that landed after the receiver already answered 503: give it back, or the sender's retry
        // would meet 409 until the lease ends.
        (late) => {
          if (late.state === 'claimed') runScript(client, RELEASE, [keys[0]!], [owner]).catch(() => undefined)
        },
      )
    },
    complete(key, owner, retentionMs) {
      return connection.run('complete', () => runScript(client, COMPLETE, [claimKey(key)], [owner, wholeMs(retentionMs)]).then(isOne))
    },
    release(key, owner) {
      return connection.run('release', () => runScript(client, RELEASE, [claimKey(key)], [owner]).then(isOne))
    },
    async recordVersion(record, version, retentionMs) {
      // A version that cannot be compared (NaN from a malformed date) can be neither stale nor the newest.
      if (!Number.isFinite(version)) return { stale: false }
      return connection.run('recordVersion', () =>
        runScript(client, RECORD_VERSION, [versionKey(record)], [String(version), wholeMs(retentionMs)]).then((reply) => ({
          stale: reply === 1,
        })),
      )
    },
    close: () => connection.close(),
  }
}
