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
})
