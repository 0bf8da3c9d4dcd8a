import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type RedisStoreClient, openRedisConnection } from './redis-connection.js'

// A client of yours that is open but never ready (its server gone), and never says it is: no socket, no server.
function neverReadyClient(): RedisStoreClient {
  return {
    isOpen: true,
    isReady: false,
    connect: async () => undefined,
    close: async () => undefined,
    destroy: () => undefined,
    once: () => undefined,
    on: () => undefined,
    sendCommand: () => new Promise(() => undefined),
  } as unknown as RedisStoreClient
}

// A client of yours whose readiness the test sets, and says so as node-redis does ('ready').
function switchableClient() {
  const events = new EventEmitter()
  const client = {
    isOpen: true,
    isReady: false,
    connect: async () => undefined,
    close: async () => undefined,
    destroy: () => undefined,
    once: (event: string, listener: () => void) => events.once(event, listener),
    on: (event: string, listener: () => void) => events.on(event, listener),
    sendCommand: async () => 'cluster_enabled:0',
    becomeReady() {
      client.isReady = true
      events.emit('ready')
    },
  }
  return client
}

const failureOf = (call: Promise<unknown>) =>
  call.then(
    () => 'resolved',
    (error: { message?: string }) => String(error.message),
  )

describe('redis connection: a server gone a whole deadline', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('fails the next call at once after one waited out its deadline, even when the deadline passed early by this clock', async () => {
    const connection = openRedisConnection({ client: neverReadyClient(), commandTimeoutMs: 50, connectTimeoutMs: 50 })
    // Node starts a timer from the event loop's cached time, which lags a busy process's clock: here the clock
    // stands still while the 50 ms timer runs, the furthest that lag can go.
    vi.spyOn(performance, 'now').mockReturnValue(performance.now())
    const waited = await failureOf(connection.run('claim', async () => 'answer'))
    expect(waited).toMatch(/claim: no answer within 50 ms/)
    // The answer without a wait: the message of the fail-fast path, not of a second deadline.
    expect(await failureOf(connection.run('claim', async () => 'answer'))).toMatch(/claim: not connected for 50 ms/)
    await connection.close()
  })

  it('a call whose connection came, then dropped again under its command, does not make the next call fail at once', async () => {
    const client = switchableClient()
    const connection = openRedisConnection({ client: client as unknown as RedisStoreClient, commandTimeoutMs: 1_000, connectTimeoutMs: 1_000 })
    let dropUnderCommand!: (error: Error) => void
    // A waits for the connection, which comes after a blip; its command is then cut by a second drop.
    const first = failureOf(connection.run('claim', () => new Promise((_, reject) => (dropUnderCommand = reject))))
    await new Promise((resolve) => setTimeout(resolve, 10))
    client.becomeReady()
    await new Promise((resolve) => setTimeout(resolve, 5))
    client.isReady = false
    const waiting = connection.run('claim', async () => 'answer')
    dropUnderCommand(new Error('Socket closed unexpectedly'))
    expect(await first).toMatch(/Socket closed unexpectedly/)
    // This outage is a few ms old: a call waits for the reconnect rather than fail as if it were a deadline old.
    const next = connection.run('claim', async () => 'answer')
    client.becomeReady()
    expect([await waiting, await next]).toEqual(['answer', 'answer'])
    await connection.close()
  })
})
