/**
 * `createRedisStore`: the idempotency store for receivers that run as several instances, on Redis.
 * One round trip per claim (the ordering guard's version recorded in it) and one per completion, each an
 * atomic Lua script; owner-checked completion and release; every call bounded in time. The claims (and the
 * completions) that fall due in the same turn of the event loop share one script call.
 *
 * @module
 */
import {
  type ClaimResult,
  type ClaimVersion,
  IdempotencyError,
  type IdempotencyStore,
  MAX_TIMER_MS,
  batchedMs,
  batchedText,
  callObserver,
  createCallBatcher,
  hasLoneSurrogate,
  positiveOption,
  storeUnavailableError,
} from '@crm-webhooks/core'
import { type RedisStoreClient, openRedisConnection } from './redis-connection.js'
import { CLAIM_BATCH, COMPLETE_BATCH, RECORD_VERSION, RELEASE, runScript } from './redis-scripts.js'

/** Options of {@link createRedisStore} whichever way it reaches Redis. */
export interface RedisStoreCommonOptions {
  /** Prefix of every key the store writes; default `crm-webhooks:`. Give each application its own. */
  keyPrefix?: string
  /** Longest wait for one call, connection included, before it rejects with `store_unavailable`; default 2000 ms. */
  commandTimeoutMs?: number
  /** Connect timeout of the client the store creates from `url`; default 2000 ms. */
  connectTimeoutMs?: number
  /** Connection errors of the client the store creates (each failed call also rejects on its own); default ignored. */
  onConnectionError?: (error: Error) => void
}

/** Options of {@link createRedisStore}: either `client` or `url` (both, or neither, does not compile). */
export type RedisStoreOptions = RedisStoreCommonOptions &
  (
    | {
        /** A node-redis 5 or 6 client of your own (connected or not). The store never closes it: you do. */
        client: RedisStoreClient
        url?: undefined
      }
    | {
        client?: undefined
        /** Or a URL (`redis://`, `rediss://` for TLS, credentials and database included): the store creates, connects and closes its client. */
        url: string
      }
  )

/** The Redis store. */
export interface RedisStore extends IdempotencyStore {
  recordVersion(record: string, version: number, retentionMs: number): Promise<{ stale: boolean }>
  /**
   * Refuses new calls at once, lets every earlier one finish (batched ones included), waits up to one more
   * `commandTimeoutMs` for commands unanswered past their deadline (a late claim is given back), then closes
   * the client the store created from `url` (destroys it if the server never answered); a client you passed
   * stays open.
   */
  close(): Promise<void>
}

/** Redis takes whole milliseconds, at least one; `batchedMs` has refused what is not a finite number. */
function wholeMs(name: string, ms: number): string {
  return String(Math.max(1, Math.ceil(batchedMs(name, ms))))
}

/**
 * The Redis key of a claim or version, one to one. node-redis sends strings as UTF-8, where a lone
 * surrogate (a JSON event id may carry `\ud800`) becomes U+FFFD, so two distinct ids would share one key.
 * Such a text is written as the hex of its UTF-16 code units in a namespace of its own (`claim16:`), which
 * no other text reaches; every other key is written as it is, as before.
 */
function redisKey(keyPrefix: string, namespace: 'claim' | 'version', text: string): string {
  if (!hasLoneSurrogate(text)) return `${keyPrefix}${namespace}:${text}`
  let hex = ''
  for (let index = 0; index < text.length; index++) hex += text.charCodeAt(index).toString(16).padStart(4, '0')
  return `${keyPrefix}${namespace}16:${hex}`
}

/** Most claims (or completions) in one script call: enough for any burst, short enough not to hold Redis up. */
const MAX_BATCH = 128

/**
 * A script's text reply for one call of its batch: a key of that call held another type (WRONGTYPE), so
 * that call alone fails, retryably, as a failed script call does, and the rest of the batch is answered.
 */
function keyError(what: string, reply: string): IdempotencyError {
  return storeUnavailableError(`redis store: ${what}: ${reply}`)
}

/** One call's answer from its batch: its result, or its own failure thrown. */
function ownAnswer<Result>(answer: Result | IdempotencyError): Result {
  if (answer instanceof IdempotencyError) throw answer
  return answer
}

/** One CLAIM_BATCH reply: see the script for the encoding. */
function claimResult(reply: number | string): ClaimResult | IdempotencyError {
  if (typeof reply === 'string') return keyError('claim', reply)
  if (reply === 0) return { state: 'claimed' }
  if (reply === 1) return { state: 'claimed', stale: false }
  if (reply === 2) return { state: 'claimed', stale: true }
  if (reply === 3) return { state: 'completed' }
  return { state: 'in_progress', retryAfterMs: -reply }
}

/** A script's reply, one integer (or one key's error text) per call of the batch (the batcher checks that the count matches). */
function batchReplies(reply: unknown): Array<number | string> {
  if (!Array.isArray(reply) || !reply.every((each) => typeof each === 'number' || typeof each === 'string')) {
    throw new Error(`unexpected script reply ${JSON.stringify(reply)}`)
  }
  return reply as Array<number | string>
}

/** One claim of a batch: its keys and script arguments, and what to give back if it lands too late. */
interface ClaimEntry {
  keys: string[]
  args: string[]
  key: string
  owner: string
}

/** One completion of a batch. */
interface CompleteEntry {
  keys: [string]
  args: string[]
}

/**
 * A batch script's KEYS and ARGV: every entry's keys, then every entry's arguments, each in entry order.
 * Plain loops rather than `flatMap`, which is generic in V8 and cost ~2 us per delivery in the store
 * benchmark's profile, as much as the rest of this store's own code.
 */
function batchKeysAndArgs(entries: ReadonlyArray<{ keys: string[]; args: string[] }>): { keys: string[]; args: string[] } {
  const keys: string[] = []
  const args: string[] = []
  for (const entry of entries) {
    for (const key of entry.keys) keys.push(key)
    for (const arg of entry.args) args.push(arg)
  }
  return { keys, args }
}

/**
 * Creates the Redis store.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { createNodeListener, createReceiver } from '@crm-webhooks/core'
 * import { createRedisStore } from '@crm-webhooks/store-redis'
 *
 * const store = createRedisStore({ url: process.env.REDIS_URL!, keyPrefix: 'billing-webhooks:' })
 * const receiver = createReceiver({ provider: automatenexus, secret, store })
 * const server = createServer(createNodeListener(receiver)).listen(3000)
 * // Stop taking requests, let every claim's outcome reach the store, then close it.
 * process.on('SIGTERM', () => server.close(async () => {
 *   await receiver.drain()
 *   await store.close()
 * }))
 * ```
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  // `null` counts as absent: a `client: null` passed the check, then became a client of node-redis's defaults
  // that the store took for yours, never closed and gave no error listener (a dropped socket crashed Node).
  if ((options.client == null) === (options.url == null)) {
    throw new TypeError('crm-webhooks: createRedisStore needs either `client` or `url`, not both')
  }
  // An empty URL is not "no URL": node-redis would quietly connect to localhost:6379.
  if (options.url != null && (typeof options.url !== 'string' || options.url.trim() === '')) {
    throw new TypeError('crm-webhooks: createRedisStore `url` must be a non-empty redis:// or rediss:// URL')
  }
  const given = options.client as Record<string, unknown> | null | undefined
  if (
    given != null &&
    (typeof given.isReady !== 'boolean' ||
      typeof given.isOpen !== 'boolean' ||
      typeof given.getSentinelNode === 'function' ||
      typeof given.nodeClient === 'function')
  ) {
    // createClientPool(), createSentinel() and createCluster() clients take commands another way or never
    // say they are ready: every call would time out as a 503. Only createClient() clients are supported.
    // ioredis clients say `status` where node-redis says isReady: name it, since an app with one at hand passes it.
    const isIoredis = typeof given.status === 'string' && typeof given.duplicate === 'function'
    throw new TypeError(
      isIoredis
        ? 'crm-webhooks: createRedisStore takes a node-redis createClient() client, not an ioredis one: pass `url` instead (the store then opens and closes its own connection)'
        : 'crm-webhooks: createRedisStore takes a createClient() client, not a pool, Sentinel or Cluster client',
    )
  }
  const keyPrefix = options.keyPrefix ?? 'crm-webhooks:'
  if (typeof keyPrefix !== 'string') throw new TypeError('crm-webhooks: keyPrefix must be a string')
  const connection = openRedisConnection({
    client: options.client ?? undefined,
    url: options.url ?? undefined,
    commandTimeoutMs: positiveOption('commandTimeoutMs', options.commandTimeoutMs, 2_000, { max: MAX_TIMER_MS }),
    connectTimeoutMs: positiveOption('connectTimeoutMs', options.connectTimeoutMs, 2_000, { max: MAX_TIMER_MS }),
    // What the option throws, or rejects with when async, goes nowhere: from the client's 'error' event it would
    // be an uncaught exception, and end every instance in the outage it reports instead of answering 503.
    onError: (error) => void callObserver(() => options.onConnectionError?.(error)),
  })
  // Separate namespaces, so no idempotency key can ever name a version key.
  const claimKey = (key: string) => redisKey(keyPrefix, 'claim', key)
  const versionKey = (record: string) => redisKey(keyPrefix, 'version', record)

  const claimBatch = createCallBatcher((entries: ClaimEntry[]) => {
    const { keys, args } = batchKeysAndArgs(entries)
    return connection.run(
      'claim',
      () => runScript(connection.client, CLAIM_BATCH, keys, args).then((reply) => batchReplies(reply).map(claimResult)),
      // Claims that landed after the receiver already answered 503: give them back, or the sender's retries
      // would meet 409 until the leases end. Returned, so close() waits for these releases before it lets go
      // of the client.
      (late) =>
        Promise.all(
          late.map((result, index) => {
            if (result instanceof IdempotencyError || result.state !== 'claimed') return undefined
            const { key, owner } = entries[index]!
            return runScript(connection.client, RELEASE, [claimKey(key)], [owner]).catch(() => undefined)
          }),
        ),
    )
  }, MAX_BATCH)

  const completeBatch = createCallBatcher((entries: CompleteEntry[]) => {
    const { keys, args } = batchKeysAndArgs(entries)
    return connection.run('complete', () =>
      runScript(connection.client, COMPLETE_BATCH, keys, args).then((reply) =>
        batchReplies(reply).map((each) => (typeof each === 'string' ? keyError('complete', each) : each === 1)),
      ),
    )
  }, MAX_BATCH)

  // Async, so a bad argument rejects this call alone, before it can join (and fail) a batch; the entry is
  // still queued in the same turn, since nothing is awaited before it.
  async function claim(key: string, owner: string, lockTtlMs: number, version?: ClaimVersion): Promise<ClaimResult> {
    connection.admit('claim')
    batchedText('key', key)
    batchedText('owner', owner)
    const lease = wholeMs('lockTtlMs', lockTtlMs)
    // A version that cannot be compared (NaN from a malformed date) can be neither stale nor the newest.
    if (version && !(typeof version.version === 'number' && Number.isFinite(version.version))) {
      const result = ownAnswer(await claimBatch({ keys: [claimKey(key)], args: [owner, lease, '', ''], key, owner }))
      return result.state === 'claimed' ? { state: 'claimed', stale: false } : result
    }
    const keys = version ? [claimKey(key), versionKey(batchedText('record', version.record))] : [claimKey(key)]
    const args = [owner, lease, version ? String(version.version) : '', version ? wholeMs('retentionMs', version.retentionMs) : '']
    return ownAnswer(await claimBatch({ keys, args, key, owner }))
  }

  return {
    claim,
    async complete(key, owner, retentionMs) {
      connection.admit('complete')
      return ownAnswer(
        await completeBatch({ keys: [claimKey(batchedText('key', key))], args: [batchedText('owner', owner), wholeMs('retentionMs', retentionMs)] }),
      )
    },
    async release(key, owner) {
      connection.admit('release')
      return connection.run('release', () => runScript(connection.client, RELEASE, [claimKey(key)], [owner]).then((reply) => reply === 1))
    },
    async recordVersion(record, version, retentionMs) {
      connection.admit('recordVersion')
      // A version that cannot be compared (NaN from a malformed date) can be neither stale nor the newest.
      if (!Number.isFinite(version)) return { stale: false }
      return connection.run('recordVersion', () =>
        runScript(connection.client, RECORD_VERSION, [versionKey(record)], [String(version), wholeMs('retentionMs', retentionMs)]).then((reply) => ({
          stale: reply === 1,
        })),
      )
    },
    close: () => connection.close(),
  }
}
