import { freeLoopbackPort, outageContract } from '@crm-webhooks/core/testing'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type OwnRedisServer, redisServerBinaryAvailable, startOwnRedisServer } from './__fixtures__/own-redis-server.js'
import { redisAvailable } from './__fixtures__/redis-test-env.js'
import { type RedisStore, createRedisStore } from './index.js'

// The test's own instance needs the redis-server binary, not only a server to talk to: without it the
// tests skip with a notice, or fail under CI=true, as for a missing server.
const available = (await redisAvailable()) && (await redisServerBinaryAvailable())

describe.skipIf(!available)('redis store: fails closed while its server is unreachable, recovers when it is back', () => {
  let server: OwnRedisServer
  let store: RedisStore
  const createStore = () => createRedisStore({ url: server.url, commandTimeoutMs: 1_000, connectTimeoutMs: 1_000 })

  beforeAll(async () => {
    server = await startOwnRedisServer()
    store = createStore()
  })
  afterAll(async () => {
    await store?.close()
    await server?.stop()
  })

  for (const contractCase of outageContract) {
    it(contractCase.name, () => contractCase.run({ store, server, createStore }), 60_000)
  }

  it('close() while the server is frozen with a call unanswered still ends, within about a command timeout', async () => {
    const ownStore = createStore()
    try {
      await ownStore.claim(`warm-${globalThis.crypto.randomUUID()}`, 'owner', 1_000)
      server.freeze()
      await expect(ownStore.claim(`frozen-${globalThis.crypto.randomUUID()}`, 'owner', 1_000)).rejects.toMatchObject({ code: 'store_unavailable' })
      // The claim's command is still unanswered in the client: a close() waiting for its reply would wait for
      // as long as the server stays frozen, and a SIGTERM handler awaiting it would never let the process exit.
      let timer: ReturnType<typeof setTimeout> | undefined
      const ending = await Promise.race([
        ownStore.close().then(() => 'closed'),
        new Promise((resolve) => (timer = setTimeout(() => resolve('still closing after 5 s'), 5_000))),
      ])
      clearTimeout(timer)
      expect(ending).toBe('closed')
    } finally {
      server.thaw()
      await ownStore.close()
    }
  }, 30_000)

  it('a claim that lands after its deadline while close() waits is still given back before the client closes', async () => {
    const ownStore = createStore()
    const observer = createClient({ url: server.url })
    observer.on('error', () => {})
    const key = `late-${globalThis.crypto.randomUUID()}`
    try {
      await ownStore.claim(`warm-${globalThis.crypto.randomUUID()}`, 'owner', 1_000)
      server.freeze()
      await expect(ownStore.claim(key, 'owner', 60_000)).rejects.toMatchObject({ code: 'store_unavailable' })
      const closing = ownStore.close()
      await new Promise((resolve) => setTimeout(resolve, 200))
      server.thaw()
      await closing
      // Held, it would meet the sender's retries with 409 for the whole lease.
      await observer.connect()
      expect(await observer.get(`crm-webhooks:claim:${key}`)).toBeNull()
    } finally {
      server.thaw()
      await ownStore.close()
      if (observer.isOpen) observer.destroy()
    }
  }, 30_000)

  it('a connection gone silent (frozen server) is dropped once a command outlives its deadline by another, so commands stop piling up on it', async () => {
    // node-redis keeps every command written to a connection until its reply comes: on a frozen server (or a
    // route that black-holes) each delivery's claim stayed in memory (~0.9 KB) for as long as the socket
    // stayed open. A client the store created drops such a connection and reconnects, as the PostgreSQL
    // store's read timeout does: the claims after the drop fail on a client that is not ready, not on a
    // connection that takes commands and never answers.
    const ownStore = createRedisStore({ url: server.url, commandTimeoutMs: 200, connectTimeoutMs: 200 })
    const failureOf = (call: Promise<unknown>) =>
      call.then(
        () => 'resolved',
        (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
      )
    try {
      await ownStore.claim(`warm-${globalThis.crypto.randomUUID()}`, 'owner', 1_000)
      server.freeze()
      expect(await failureOf(ownStore.claim(`frozen-${globalThis.crypto.randomUUID()}`, 'owner', 1_000))).toMatch(/no answer within 200 ms/)
      // Past a second deadline the connection is dropped; then a call waits for the reconnect (a deadline) and
      // the next fails at once, sending nothing. Before, every call was written and went unanswered. Polled, not
      // slept for: on a loaded machine the drop's timer may fire a little late.
      const givenUpAt = Date.now() + 5_000
      let failure = ''
      while (!/not connected for/.test(failure) && Date.now() < givenUpAt) failure = await failureOf(ownStore.claim(`frozen-${globalThis.crypto.randomUUID()}`, 'owner', 1_000))
      expect(failure).toMatch(/not connected for \d+ ms/)
      server.thaw()
      const deadline = Date.now() + 15_000
      let answer = 'not tried'
      while (answer !== 'resolved' && Date.now() < deadline) {
        answer = await failureOf(ownStore.claim(`back-${globalThis.crypto.randomUUID()}`, 'owner', 1_000))
        if (answer !== 'resolved') await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(answer).toBe('resolved')
    } finally {
      server.thaw()
      await ownStore.close()
    }
  }, 30_000)

  it('a client dropped for its silence is never reconnected beside a new one: one connection while open, none after close()', async () => {
    // The drop used to destroy() the client and connect() the same one again: node-redis's reconnect loop,
    // still running, went on beside the new one, and one of their sockets was left open for good.
    const connections = async () => {
      const admin = createClient({ url: server.url, socket: { reconnectStrategy: false } })
      admin.on('error', () => {})
      await admin.connect()
      try {
        const list = String(await admin.sendCommand(['CLIENT', 'LIST']))
        return list.trim().split('\n').filter((line) => !/cmd=client\|list/.test(line)).length
      } finally {
        admin.destroy()
      }
    }
    const before = await connections()
    const ownStore = createRedisStore({ url: server.url, commandTimeoutMs: 300, connectTimeoutMs: 300 })
    try {
      await ownStore.claim(`warm-${globalThis.crypto.randomUUID()}`, 'owner', 60_000)
      server.freeze()
      // Claims keep coming through several drops and reconnect attempts, as deliveries would.
      for (const startedAt = Date.now(); Date.now() - startedAt < 5_000; ) {
        void ownStore.claim(`frozen-${globalThis.crypto.randomUUID()}`, 'owner', 60_000).catch(() => undefined)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      server.thaw()
      await vi.waitFor(() => expect(ownStore.claim(`back-${globalThis.crypto.randomUUID()}`, 'owner', 60_000)).resolves.toEqual({ state: 'claimed' }), { timeout: 10_000, interval: 200 })
      // Any reconnect attempt still asleep (2 s at most) has run by now.
      await new Promise((resolve) => setTimeout(resolve, 2_500))
      expect((await connections()) - before, 'connections while open').toBe(1)
    } finally {
      server.thaw()
      await ownStore.close()
    }
    await vi.waitFor(async () => expect((await connections()) - before, 'connections after close()').toBe(0), { timeout: 3_000, interval: 100 })
  }, 40_000)

  it('calls waiting for a connection when it is dropped wait for the new one: after the outage nothing is left unsettled, so close() does not wait', async () => {
    // A frozen server accepts the new client's connection but never answers it, so that client is dropped in turn,
    // with calls waiting for it to be ready. They waited on the dropped client for good, and held their closures:
    // one more per outage, and close() then waited a whole command timeout for them before destroying the client.
    const commandTimeoutMs = 1_000
    const ownStore = createRedisStore({ url: server.url, commandTimeoutMs, connectTimeoutMs: commandTimeoutMs })
    try {
      await ownStore.claim(`warm-${globalThis.crypto.randomUUID()}`, 'owner', 60_000)
      server.freeze()
      for (const startedAt = Date.now(); Date.now() - startedAt < 5 * commandTimeoutMs; ) {
        void ownStore.claim(`frozen-${globalThis.crypto.randomUUID()}`, 'owner', 60_000).catch(() => undefined)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      server.thaw()
      await vi.waitFor(() => expect(ownStore.claim(`back-${globalThis.crypto.randomUUID()}`, 'owner', 60_000)).resolves.toEqual({ state: 'claimed' }), { timeout: 15_000, interval: 200 })
      // Any reconnect attempt still asleep (2 s at most) has run by now, and every late answer has come.
      await new Promise((resolve) => setTimeout(resolve, 2_500))
    } finally {
      server.thaw()
    }
    const closingAt = Date.now()
    await ownStore.close()
    expect(Date.now() - closingAt).toBeLessThan(commandTimeoutMs * 0.6)
  }, 40_000)

  it('once the server has been gone a whole command timeout, calls fail at once instead of each waiting one more', async () => {
    const failureOf = (call: Promise<unknown>) =>
      call.then(
        () => 'resolved',
        (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
      )
    const ownStore = createStore()
    try {
      await ownStore.claim(`warm-${globalThis.crypto.randomUUID()}`, 'owner', 1_000)
      await server.stop()
      // A call sent before the client noticed fails on the closed socket; the first after that waits for a
      // reconnect, up to the deadline (a blip would cost it nothing).
      let first = await failureOf(ownStore.claim('k', 'owner', 1_000))
      if (!/no answer within/.test(first)) first = await failureOf(ownStore.claim('k', 'owner', 1_000))
      expect(first).toMatch(/^store_unavailable: .*no answer within 1000 ms/)
      // The server has now been gone a whole deadline: no second wait.
      expect(await failureOf(ownStore.claim('k', 'owner', 1_000))).toMatch(/^store_unavailable: redis store: .*not connected for \d+ ms/)
      expect(await failureOf(ownStore.complete('k', 'owner', 1_000))).toMatch(/^store_unavailable: redis store: .*not connected/)
      await server.start()
      // The reconnect (backing off up to 2 s) ends it: a call then works again.
      const deadline = Date.now() + 15_000
      let answer = await failureOf(ownStore.claim(`back-${globalThis.crypto.randomUUID()}`, 'owner', 1_000))
      while (answer !== 'resolved' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        answer = await failureOf(ownStore.claim(`back-${globalThis.crypto.randomUUID()}`, 'owner', 1_000))
      }
      expect(answer).toBe('resolved')
    } finally {
      await ownStore.close()
    }
  }, 60_000)
})

describe('redis store: how long the server has been gone is measured on a monotonic clock', () => {
  it('a wall-clock step forward (NTP, a resumed VM) is not taken for the server having been gone that long: the next call still waits', async () => {
    // Nothing listens on this port: every call waits for a connection that never comes, up to its deadline.
    const ownStore = createRedisStore({ url: `redis://127.0.0.1:${await freeLoopbackPort()}`, commandTimeoutMs: 300, connectTimeoutMs: 300 })
    const wallClock = Date.now
    const failureOf = (call: Promise<unknown>) => call.then(() => 'resolved', (error: Error) => error.message)
    try {
      // The first call starts the count of how long the server has been gone, and waits out its deadline.
      const first = failureOf(ownStore.claim('k1', 'owner', 1_000))
      await new Promise((resolve) => setTimeout(resolve, 20))
      vi.spyOn(Date, 'now').mockImplementation(() => wallClock() + 3_600_000)
      // 20 ms later by the monotonic clock, an hour by the wall clock: read against the wall clock, this call
      // failed at once ("not connected for 3600020 ms"); it waits for the reconnect, as the first does.
      expect(await failureOf(ownStore.claim('k2', 'owner', 1_000))).not.toMatch(/not connected for/)
      expect(await first).not.toMatch(/not connected for/)
    } finally {
      vi.restoreAllMocks()
      await ownStore.close()
    }
  }, 10_000)
})

describe.skipIf(!available)('redis store: a Redis Cluster node is refused before any command, whatever the call', () => {
  let server: OwnRedisServer
  beforeAll(async () => {
    server = await startOwnRedisServer({ clusterEnabled: true })
    // Every slot on this one node: a lone key's command works, a script over keys of several slots is CROSSSLOT.
    const admin = createClient({ url: server.url })
    await admin.connect()
    await admin.sendCommand(['CLUSTER', 'ADDSLOTSRANGE', '0', '16383'])
    await vi.waitFor(async () => expect(String(await admin.sendCommand(['CLUSTER', 'INFO']))).toContain('cluster_state:ok'), { timeout: 10_000 })
    admin.destroy()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('a lone claim, one with a version and a burst all fail with the same store_unavailable naming the cluster', async () => {
    // Before, the lone claim was taken and the others failed CROSSSLOT: a smoke test passed, production did not.
    const store = createRedisStore({ url: server.url })
    const outcome = (call: Promise<unknown>) =>
      call.then(
        (value) => JSON.stringify(value),
        (error: { code: string; message: string }) => `${error.code}: ${error.message}`,
      )
    try {
      const id = globalThis.crypto.randomUUID()
      const lone = await outcome(store.claim(`lone:${id}`, 'owner', 60_000))
      const versioned = await outcome(store.claim(`versioned:${id}`, 'owner', 60_000, { record: 'deal:1', version: 1, retentionMs: 60_000 }))
      const burst = await Promise.all([0, 1, 2].map((index) => outcome(store.claim(`burst:${id}:${index}`, 'owner', 60_000))))
      for (const answer of [lone, versioned, ...burst]) expect(answer).toMatch(/^store_unavailable: .*Redis Cluster node/)
    } finally {
      await store.close()
    }
  })
})
