import type { IdempotencyStore } from '@crm-webhooks/core'
import { deliveryContract, idempotencyStoreContract, orderingGuardContract } from '@crm-webhooks/core/testing'
import { type RedisClientType, createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REDIS_URL, deleteKeysUnder, redisAvailable, sleep, uniqueKeyPrefix } from './__fixtures__/redis-test-env.js'
import { createRedisStore } from './index.js'

const available = await redisAvailable()
const prefix = uniqueKeyPrefix('store')

describe('createRedisStore: configuration mistakes throw TypeError', () => {
  it.each([
    ['neither client nor url', {}],
    ['both client and url', { url: REDIS_URL, client: {} as never }],
    ['a zero command timeout', { url: REDIS_URL, commandTimeoutMs: 0 }],
    ['a NaN connect timeout', { url: REDIS_URL, connectTimeoutMs: Number.NaN }],
    ['a key prefix that is not a string', { url: REDIS_URL, keyPrefix: 42 as never }],
  ])('%s', (_, options) => {
    expect(() => createRedisStore(options)).toThrow(TypeError)
  })
})

describe.skipIf(!available)('redis store against a real server', () => {
  let client: RedisClientType
  let store: ReturnType<typeof createRedisStore>

  beforeAll(async () => {
    client = createClient({ url: REDIS_URL })
    await client.connect()
    store = createRedisStore({ url: REDIS_URL, keyPrefix: prefix })
  })
  afterAll(async () => {
    await store?.close()
    await deleteKeysUnder(prefix)
    client?.destroy()
  })

  describe('the store contract', () => {
    for (const contractCase of [...idempotencyStoreContract, ...orderingGuardContract, ...deliveryContract]) {
      it(contractCase.name, () => contractCase.run({ store, advance: sleep }))
    }
  })

  it('writes under its prefix, in separate claim and version namespaces, each key with its TTL', async () => {
    await store.claim('acme:evt_1', 'owner', 60_000)
    expect(await client.get(`${prefix}claim:acme:evt_1`)).toBe('p:owner')
    expect(await client.pTTL(`${prefix}claim:acme:evt_1`)).toBeGreaterThan(50_000)
    await store.complete('acme:evt_1', 'owner', 72 * 3_600_000)
    expect(await client.get(`${prefix}claim:acme:evt_1`)).toBe('c')
    expect(await client.pTTL(`${prefix}claim:acme:evt_1`)).toBeGreaterThan(71 * 3_600_000)
    await store.recordVersion('acme:deal_1', 1_774_105_200_000, 72 * 3_600_000)
    expect(await client.get(`${prefix}version:acme:deal_1`)).toBe('1774105200000')
  })

  it('costs one round trip per claim and one per completion', async () => {
    const calls: string[] = []
    const counted = new Proxy(client, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          calls.push(String(property))
          return (value as (...a: unknown[]) => unknown).apply(target, args)
        }
      },
    })
    const countedStore = createRedisStore({ client: counted, keyPrefix: prefix })
    const key = `round-trips:${globalThis.crypto.randomUUID()}`
    await countedStore.claim(key, 'owner', 60_000) // may load the script first (EVAL) on a fresh server
    calls.length = 0
    await countedStore.claim(`${key}:2`, 'owner', 60_000)
    await countedStore.complete(`${key}:2`, 'owner', 60_000)
    expect(calls).toEqual(['evalSha', 'evalSha'])
  })

  it('reloads its scripts after the server forgot them (SCRIPT FLUSH, restart)', async () => {
    await client.scriptFlush()
    const key = `flushed:${globalThis.crypto.randomUUID()}`
    expect(await store.claim(key, 'owner', 60_000)).toEqual({ state: 'claimed' })
    await client.scriptFlush()
    expect(await store.complete(key, 'owner', 60_000)).toBe(true)
  })

  it('close() leaves a client you passed open; a closed store rejects with store_unavailable', async () => {
    const borrowed: IdempotencyStore = createRedisStore({ client, keyPrefix: prefix })
    await borrowed.close!()
    expect(client.isReady).toBe(true)
    await expect(borrowed.claim('after-close', 'owner', 1_000)).rejects.toMatchObject({ code: 'store_unavailable', status: 503 })
  })

  it('connects a client you passed that is not connected yet', async () => {
    const unconnected = createClient({ url: REDIS_URL })
    const borrowed = createRedisStore({ client: unconnected, keyPrefix: prefix })
    expect(await borrowed.claim(`lazy:${globalThis.crypto.randomUUID()}`, 'owner', 1_000)).toEqual({ state: 'claimed' })
    unconnected.destroy()
  })
})
