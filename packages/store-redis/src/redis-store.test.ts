import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { type IdempotencyStore, createReceiver } from '@crm-webhooks/core'
import { automatenexus, automatenexusFixtures, buildSampleDelivery } from '@crm-webhooks/core/providers'
import { batchedStoreContract, closingContract, deliveryContract, idempotencyStoreContract, orderingGuardContract } from '@crm-webhooks/core/testing'
import { type RedisClientType, createClient, createClientPool, createCluster, createSentinel } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REDIS_URL, deleteKeysUnder, redisAvailable, sleep, uniqueKeyPrefix } from './__fixtures__/redis-test-env.js'
import { createRedisStore } from './index.js'

const available = await redisAvailable()
const prefix = uniqueKeyPrefix('store')

describe('createRedisStore: configuration mistakes throw TypeError', () => {
  it.each([
    ['neither client nor url', {} as never],
    ['both client and url', { url: REDIS_URL, client: {} as never }],
    ['a zero command timeout', { url: REDIS_URL, commandTimeoutMs: 0 }],
    ['a NaN connect timeout', { url: REDIS_URL, connectTimeoutMs: Number.NaN }],
    ['a key prefix that is not a string', { url: REDIS_URL, keyPrefix: 42 as never }],
    // It would have become a client of node-redis's defaults that the store never closes.
    ['a null client', { client: null as never }],
    // node-redis would have connected to localhost:6379 instead.
    ['an empty url', { url: '' }],
    ['a blank url', { url: '  ' }],
  ])('%s', (_, options) => {
    expect(() => createRedisStore(options)).toThrow(TypeError)
  })

  // Neither is connected here: made, they already have the shape the store would have taken for a client.
  it.each([
    ['a Sentinel client', () => createSentinel({ name: 'mymaster', sentinelRootNodes: [{ host: '127.0.0.1', port: 26379 }] })],
    ['a Cluster client', () => createCluster({ rootNodes: [{ url: REDIS_URL }] })],
    ['a client pool', () => createClientPool({ url: REDIS_URL })],
  ])('%s: every call would have been a 503', (_, make) => {
    expect(() => createRedisStore({ client: make() as never })).toThrow(/createClient\(\) client, not a pool, Sentinel or Cluster/)
  })

  it('an ioredis client (status, not isReady): the TypeError names ioredis and the url option', () => {
    const ioredisLike = { status: 'ready', duplicate() {}, call() {}, connect() {}, quit() {}, on() {}, once() {} }
    expect(() => createRedisStore({ client: ioredisLike as never })).toThrow(/not an ioredis one: pass `url` instead/)
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
    for (const contractCase of [...idempotencyStoreContract, ...orderingGuardContract, ...batchedStoreContract, ...deliveryContract]) {
      it(contractCase.name, () => contractCase.run({ store, advance: sleep }))
    }
  })

  describe('closing', () => {
    for (const contractCase of closingContract) {
      it(contractCase.name, () => contractCase.run({ createStore: () => createRedisStore({ url: REDIS_URL, keyPrefix: prefix }), observer: store }))
    }
  })

  /** The shared client, each command's name recorded in `sent`; a command `refuse` answers an error for fails with it, unsent. */
  function recordingClient(sent: string[], refuse: (name: string) => Error | undefined = () => undefined): RedisClientType {
    return new Proxy(client, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown
        if (property !== 'sendCommand') return typeof value === 'function' ? value.bind(target) : value
        return (args: string[]) => {
          sent.push(args[0]!)
          const refused = refuse(args[0]!)
          return refused ? Promise.reject(refused) : (value as (a: string[]) => unknown).call(target, args)
        }
      },
    })
  }

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

  it('costs two round trips per delivery: the claim, ordering guard included, and the completion', async () => {
    const commands: string[] = []
    const counted = new Proxy(client, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          commands.push(property === 'sendCommand' ? String((args[0] as string[])[0]) : String(property))
          return (value as (...a: unknown[]) => unknown).apply(target, args)
        }
      },
    })
    const countedStore = createRedisStore({ client: counted, keyPrefix: prefix })
    const secret = 'round-trip-secret'
    let stale: boolean | undefined
    const receiver = createReceiver({ provider: automatenexus, secret, store: countedStore }).onAny((event) => {
      stale = event.stale
    })
    const deliver = async (id: string, now: number) => {
      const data = { ...automatenexusFixtures['deal.stage_changed'], id }
      const sample = await buildSampleDelivery('automatenexus', 'deal.stage_changed', { secret, now, data })
      return { method: sample.method, headers: sample.headers, rawBody: sample.body }
    }
    const deal = `deal_${globalThis.crypto.randomUUID()}`
    await receiver.handle(await deliver(deal, Date.now() - 1_000)) // may load the scripts first (EVAL) on a fresh server
    commands.length = 0
    const newer = await deliver(deal, Date.now())
    expect((await receiver.handle(newer)).status).toBe(200)
    expect(commands).toEqual(['EVALSHA', 'EVALSHA'])
    expect(stale).toBe(false)
    commands.length = 0
    expect(JSON.parse((await receiver.handle(newer)).body)).toMatchObject({ duplicate: true })
    expect(commands).toEqual(['EVALSHA'])
    commands.length = 0
    await receiver.handle(await deliver(deal, Date.now() - 2_000))
    expect(commands).toEqual(['EVALSHA', 'EVALSHA'])
    expect(stale).toBe(true)
  })

  describe('calls made in one turn share one script call, each answered as if alone', () => {
    function countingStore() {
      const scripts: string[] = []
      return { scripts, store: createRedisStore({ client: recordingClient(scripts), keyPrefix: prefix }) }
    }

    it('claims: fresh, completed, held, the same key twice, with and without the ordering guard', async () => {
      const { scripts, store: batched } = countingStore()
      const id = globalThis.crypto.randomUUID()
      const retentionMs = 60_000
      await batched.claim(`done:${id}`, 'earlier', 60_000)
      await batched.complete(`done:${id}`, 'earlier', retentionMs)
      await batched.claim(`held:${id}`, 'earlier', 30_000)
      await batched.recordVersion(`deal:${id}`, 2_000, retentionMs)
      scripts.length = 0

      const results = await Promise.all([
        batched.claim(`fresh:${id}`, 'a', 60_000),
        batched.claim(`done:${id}`, 'b', 60_000),
        batched.claim(`held:${id}`, 'c', 60_000),
        batched.claim(`twice:${id}`, 'd', 60_000),
        batched.claim(`twice:${id}`, 'e', 60_000),
        batched.claim(`older:${id}`, 'f', 60_000, { record: `deal:${id}`, version: 1_000, retentionMs }),
        batched.claim(`newer:${id}`, 'g', 60_000, { record: `deal:${id}`, version: 3_000, retentionMs }),
        batched.claim(`oldest:${id}`, 'h', 60_000, { record: `deal:${id}`, version: 2_500, retentionMs }),
      ])
      expect(scripts).toEqual(['EVALSHA'])
      const [fresh, done, held, first, second, older, newer, afterNewer] = results
      expect(fresh).toEqual({ state: 'claimed' })
      expect(done).toEqual({ state: 'completed' })
      expect(held).toMatchObject({ state: 'in_progress' })
      expect((held as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(25_000)
      expect((held as { retryAfterMs: number }).retryAfterMs).toBeLessThanOrEqual(30_000)
      expect(first).toEqual({ state: 'claimed' })
      expect(second).toMatchObject({ state: 'in_progress' })
      expect(older).toEqual({ state: 'claimed', stale: true })
      expect(newer).toEqual({ state: 'claimed', stale: false })
      // In call order: 3 000 was recorded before 2 500 came.
      expect(afterNewer).toEqual({ state: 'claimed', stale: true })
      expect(await client.get(`${prefix}version:deal:${id}`)).toBe('3000')
      expect(await client.get(`${prefix}claim:twice:${id}`)).toBe('p:d')
    })

    it('completions: only each claim owner completes it, or anyone a free key (a lapsed lease leaves none)', async () => {
      const { scripts, store: batched } = countingStore()
      const id = globalThis.crypto.randomUUID()
      await Promise.all([batched.claim(`one:${id}`, 'owner-1', 60_000), batched.claim(`two:${id}`, 'owner-2', 60_000)])
      scripts.length = 0
      const completed = await Promise.all([
        batched.complete(`one:${id}`, 'owner-1', 60_000),
        batched.complete(`two:${id}`, 'somebody-else', 60_000),
        batched.complete(`free:${id}`, 'owner-3', 60_000),
      ])
      expect(completed).toEqual([true, false, true])
      expect(scripts).toEqual(['EVALSHA'])
      expect(await client.get(`${prefix}claim:one:${id}`)).toBe('c')
      expect(await client.get(`${prefix}claim:two:${id}`)).toBe('p:owner-2')
      expect(await client.get(`${prefix}claim:free:${id}`)).toBe('c')
    })

    // Redis does not undo a script that fails: a key of another type (WRONGTYPE) failed the whole call after
    // the claims before it were taken, so every delivery of the batch got a 503 and its retries a 409 for the
    // lease. Now that key fails its own call alone, and takes nothing.
    it('claims: a claim or version key of another type fails that claim alone; the others are answered, and it takes no key', async () => {
      const { scripts, store: batched } = countingStore()
      const id = globalThis.crypto.randomUUID()
      const retentionMs = 60_000
      await client.hSet(`${prefix}claim:hash:${id}`, 'field', 'value')
      await client.rPush(`${prefix}version:list:${id}`, 'value')
      await batched.claim(`warm:${id}`, 'warm', 60_000) // loads the script on a fresh server
      scripts.length = 0

      const results = await Promise.allSettled([
        batched.claim(`before:${id}`, 'a', 60_000),
        batched.claim(`hash:${id}`, 'b', 60_000),
        batched.claim(`listed:${id}`, 'c', 60_000, { record: `list:${id}`, version: 1_000, retentionMs }),
        batched.claim(`versioned:${id}`, 'd', 60_000, { record: `deal:${id}`, version: 1_000, retentionMs }),
        batched.claim(`listed:${id}`, 'e', 60_000),
      ])
      expect(scripts).toEqual(['EVALSHA'])
      const [before, hash, listed, versioned, listedAgain] = results
      expect(before).toEqual({ status: 'fulfilled', value: { state: 'claimed' } })
      expect(versioned).toEqual({ status: 'fulfilled', value: { state: 'claimed', stale: false } })
      for (const [failed, key] of [
        [hash, `${prefix}claim:hash:${id}`],
        [listed, `${prefix}version:list:${id}`],
      ] as const) {
        expect(failed.status).toBe('rejected')
        const error = (failed as PromiseRejectedResult).reason as { code: string; status: number; message: string }
        expect(error).toMatchObject({ code: 'store_unavailable', status: 503 })
        expect(error.message).toContain('WRONGTYPE')
        expect(error.message).toContain(key)
      }
      // The failed claim gave its key back in the same step: the next claim of the batch found it free.
      expect(listedAgain).toEqual({ status: 'fulfilled', value: { state: 'claimed' } })
      expect(await client.get(`${prefix}claim:listed:${id}`)).toBe('p:e')
      expect(await client.type(`${prefix}claim:hash:${id}`)).toBe('hash')
      expect(await client.type(`${prefix}version:list:${id}`)).toBe('list')
      expect(await client.get(`${prefix}version:deal:${id}`)).toBe('1000')
      expect(await Promise.all([batched.complete(`before:${id}`, 'a', retentionMs), batched.complete(`versioned:${id}`, 'd', retentionMs)])).toEqual([true, true])
    })

    it('completions: a claim key of another type fails that completion alone; the others complete', async () => {
      const { scripts, store: batched } = countingStore()
      const id = globalThis.crypto.randomUUID()
      await Promise.all([batched.claim(`one:${id}`, 'owner-1', 60_000), batched.claim(`two:${id}`, 'owner-2', 60_000)])
      await client.hSet(`${prefix}claim:hash:${id}`, 'field', 'value')
      await batched.complete(`warm:${id}`, 'warm', 60_000) // loads the script on a fresh server
      scripts.length = 0
      const [one, hash, two] = await Promise.allSettled([
        batched.complete(`one:${id}`, 'owner-1', 60_000),
        batched.complete(`hash:${id}`, 'owner-3', 60_000),
        batched.complete(`two:${id}`, 'owner-2', 60_000),
      ])
      expect(scripts).toEqual(['EVALSHA'])
      expect([one, two]).toEqual([
        { status: 'fulfilled', value: true },
        { status: 'fulfilled', value: true },
      ])
      expect(hash).toMatchObject({ status: 'rejected', reason: { code: 'store_unavailable', status: 503, message: expect.stringContaining('WRONGTYPE') } })
      expect(await client.get(`${prefix}claim:one:${id}`)).toBe('c')
      expect(await client.get(`${prefix}claim:two:${id}`)).toBe('c')
      expect(await client.type(`${prefix}claim:hash:${id}`)).toBe('hash')
    })

    it('release and recordVersion, one key per call, fail on a key of another type before writing anything', async () => {
      const id = globalThis.crypto.randomUUID()
      await client.hSet(`${prefix}claim:hash:${id}`, 'field', 'value')
      await client.hSet(`${prefix}version:hash:${id}`, 'field', 'value')
      await expect(store.release(`hash:${id}`, 'owner')).rejects.toMatchObject({ code: 'store_unavailable', message: expect.stringContaining('WRONGTYPE') })
      await expect(store.recordVersion(`hash:${id}`, 1_000, 60_000)).rejects.toMatchObject({ code: 'store_unavailable' })
      expect(await client.type(`${prefix}claim:hash:${id}`)).toBe('hash')
      expect(await client.type(`${prefix}version:hash:${id}`)).toBe('hash')
    })

    it('through a receiver: the delivery whose version key has another type gets a 503, its batch a 200, and no claim is left for a retry to meet', async () => {
      const ownPrefix = `${prefix}poisoned:`
      const secret = 'poisoned-batch-secret'
      const receiver = (store: IdempotencyStore) => createReceiver({ provider: automatenexus, secret, store }).onAny(() => {})
      const deliver = async (id: string, now: number) => {
        const data = { ...automatenexusFixtures['deal.stage_changed'], id }
        const sample = await buildSampleDelivery('automatenexus', 'deal.stage_changed', { secret, now, data })
        return { method: sample.method, headers: sample.headers, rawBody: sample.body }
      }
      const first = receiver(createRedisStore({ client, keyPrefix: ownPrefix }))
      const deals = ['a', 'b', 'c'].map((name) => `deal_${name}_${globalThis.crypto.randomUUID()}`)
      // An earlier update writes deal b's version key, which then becomes a list.
      expect((await first.handle(await deliver(deals[1]!, Date.now() - 60_000))).status).toBe(200)
      const [versionKey] = await client.keys(`${ownPrefix}version:*${deals[1]}*`)
      await client.del(versionKey!)
      await client.rPush(versionKey!, 'value')

      const deliveries = await Promise.all(deals.map((deal) => deliver(deal, Date.now())))
      const statuses = await Promise.all(deliveries.map(async (delivery) => (await first.handle(delivery)).status))
      expect(statuses).toEqual([200, 503, 200])
      // The sender retries at another instance once the key is fixed: nothing holds its claim.
      await client.del(versionKey!)
      const second = receiver(createRedisStore({ client, keyPrefix: ownPrefix }))
      expect((await second.handle(deliveries[1]!)).status).toBe(200)
    })

    it('a burst larger than a batch goes in several script calls, every claim answered', async () => {
      const { scripts, store: batched } = countingStore()
      const id = globalThis.crypto.randomUUID()
      const results = await Promise.all(Array.from({ length: 300 }, (_, index) => batched.claim(`burst:${id}:${index % 250}`, `o${index}`, 60_000)))
      expect(results.filter((each) => each.state === 'claimed')).toHaveLength(250)
      expect(results.filter((each) => each.state === 'in_progress')).toHaveLength(50)
      // INFO: a new store's one question before its first command (is the server a Cluster node?).
      expect(scripts).toEqual(['INFO', 'EVALSHA', 'EVALSHA', 'EVALSHA'])
    })
  })

  it('asks a server that refuses INFO (renamed on a managed service) once, then takes it for no cluster', async () => {
    const sent: string[] = []
    const refusingInfo = recordingClient(sent, (name) => (name === 'INFO' ? new Error("ERR unknown command 'INFO'") : undefined))
    const store = createRedisStore({ client: refusingInfo, keyPrefix: prefix })
    const id = globalThis.crypto.randomUUID()
    expect(await store.claim(`no-info:${id}:1`, 'owner', 60_000)).toEqual({ state: 'claimed' })
    expect(await store.claim(`no-info:${id}:2`, 'owner', 60_000)).toEqual({ state: 'claimed' })
    expect(sent).toEqual(['INFO', 'EVALSHA', 'EVALSHA'])
  })

  it('reloads its scripts after the server forgot them (SCRIPT FLUSH, restart)', async () => {
    await client.scriptFlush()
    const key = `flushed:${globalThis.crypto.randomUUID()}`
    expect(await store.claim(key, 'owner', 60_000)).toEqual({ state: 'claimed' })
    await client.scriptFlush()
    expect(await store.complete(key, 'owner', 60_000)).toBe(true)
  })

  it('names why it cannot connect in its 503 (a database number the server does not have), not only that it waited', async () => {
    const misconfigured = createRedisStore({ url: `${REDIS_URL.replace(/\/\d*$/, '')}/99999`, commandTimeoutMs: 500 })
    try {
      const failure = (call: Promise<unknown>) => call.then(() => 'resolved', (error: { code: string; message: string }) => `${error.code}: ${error.message}`)
      expect(await failure(misconfigured.claim('k', 'o', 1_000))).toMatch(/^store_unavailable: .*\(connection: .*DB index is out of range\)/)
      expect(await failure(misconfigured.claim('k', 'o', 1_000))).toMatch(/^store_unavailable: .*not connected .*DB index is out of range/)
    } finally {
      await misconfigured.close()
    }
  })

  it('contains an onConnectionError that throws or rejects: the store still answers 503 and nothing escapes', async () => {
    const seen: Error[] = []
    const reporters = [
      (error: Error) => {
        seen.push(error)
        throw new Error('reporter threw')
      },
      async (error: Error) => {
        seen.push(error)
        throw new Error('reporter rejected')
      },
    ]
    for (const onConnectionError of reporters) {
      const misconfigured = createRedisStore({ url: `${REDIS_URL.replace(/\/\d*$/, '')}/99999`, commandTimeoutMs: 500, onConnectionError })
      try {
        const before = seen.length
        await expect(misconfigured.claim('k', 'o', 1_000)).rejects.toMatchObject({ code: 'store_unavailable' })
        expect(seen.length, 'the reporter was called').toBeGreaterThan(before)
      } finally {
        await misconfigured.close()
      }
    }
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

  it.each([
    ['connected before the store was made', true],
    ['connected by you after the store was made', false],
  ])('a client you passed (%s) and then closed yourself is not opened again by a later call (its socket would keep the process alive)', async (_, before) => {
    const yours = createClient({ url: REDIS_URL })
    yours.on('error', () => {})
    if (before) await yours.connect()
    const borrowed = createRedisStore({ client: yours, keyPrefix: prefix, commandTimeoutMs: 300 })
    if (!before) await yours.connect()
    try {
      const key = `reopened:${globalThis.crypto.randomUUID()}`
      expect(await borrowed.claim(key, 'owner', 1_000)).toEqual({ state: 'claimed' })
      await yours.close()
      // A completion retried in the background after the application closed its client on SIGTERM.
      await expect(borrowed.complete(key, 'owner', 1_000)).rejects.toMatchObject({ code: 'store_unavailable' })
      expect(yours.isOpen).toBe(false)
    } finally {
      await borrowed.close()
      if (yours.isOpen) yours.destroy()
    }
  })

  it('a store closed while its first connect is under way lets the process exit (node-redis finished the connect after destroy())', async () => {
    const script = fileURLToPath(new URL('./__fixtures__/closed-at-once.ts', import.meta.url))
    const child = fork(script, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      // Its socket left open, it would never exit: given 10 s (it takes well under one), then killed.
      const exit = await new Promise((resolve) => {
        child.once('exit', (code) => resolve(code))
        timer = setTimeout(() => resolve('still running after 10 s'), 10_000)
      })
      expect(exit).toBe(0)
    } finally {
      clearTimeout(timer)
      child.kill('SIGKILL')
    }
  }, 20_000)
})
