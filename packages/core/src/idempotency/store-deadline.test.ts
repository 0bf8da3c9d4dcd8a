import { describe, expect, it, vi } from 'vitest'
import { IdempotencyError } from '../errors.js'
import { createInFlightCalls } from './in-flight-calls.js'
import { withStoreDeadline } from './store-deadline.js'

const options = { what: 'test store: claim', timeoutMs: 100 }

describe('withStoreDeadline', () => {
  it('resolves with the result that arrives in time', async () => {
    await expect(withStoreDeadline(options, async () => 'ok')).resolves.toBe('ok')
  })

  it('rejects with store_unavailable at the deadline; a late result goes to onAbandoned', async () => {
    vi.useFakeTimers()
    try {
      const onAbandoned = vi.fn()
      let finish!: (value: string) => void
      let abandonedSeen: () => boolean = () => false
      const call = withStoreDeadline({ ...options, onAbandoned }, (isAbandoned) => {
        abandonedSeen = isAbandoned
        return new Promise<string>((resolve) => (finish = resolve))
      })
      const settled = expect(call).rejects.toMatchObject({ name: 'IdempotencyError', code: 'store_unavailable', retryAfterSeconds: 5 })
      await vi.advanceTimersByTimeAsync(100)
      await settled
      expect(abandonedSeen()).toBe(true)
      finish('claimed late')
      await vi.advanceTimersByTimeAsync(0)
      expect(onAbandoned).toHaveBeenCalledWith('claimed late')
    } finally {
      vi.useRealTimers()
    }
  })

  it('an onAbandoned that throws or rejects leaves no unhandled error: nothing awaits a late result', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const throwing = () => {
        throw new Error('release failed')
      }
      const rejecting = async () => {
        throw new Error('release rejected')
      }
      for (const onAbandoned of [throwing, rejecting]) {
        let finish!: (value: string) => void
        const call = withStoreDeadline({ ...options, timeoutMs: 10, onAbandoned }, () => new Promise<string>((resolve) => (finish = resolve)))
        await expect(call).rejects.toMatchObject({ code: 'store_unavailable' })
        finish('claimed late')
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('takes a plain value from an operation of your own as its result, and its deadline timer ends with it', async () => {
    // In JavaScript an operation may answer synchronously: that answer is the call's result, not a TypeError.
    const plain = (() => 'claimed') as unknown as () => Promise<string>
    const timeouts = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length
    const before = timeouts()
    const call = withStoreDeadline(options, plain)
    await expect(call).resolves.toBe('claimed')
    // The deadline's timer was cleared with the answer: none is left to hold a process up.
    expect(timeouts()).toBe(before)
  })

  it('turns any failure, thrown or rejected, into store_unavailable with the cause kept', async () => {
    const cause = new Error('ECONNREFUSED 127.0.0.1:6379')
    for (const operation of [() => Promise.reject(cause), () => { throw cause }]) {
      const error = (await withStoreDeadline(options, operation as () => Promise<never>).catch((e: unknown) => e)) as IdempotencyError
      expect(error).toBeInstanceOf(IdempotencyError)
      expect(error.code).toBe('store_unavailable')
      expect(error.cause).toBe(cause)
      expect(error.message).toContain('test store: claim')
    }
  })

  it.each([
    ['whose prototype cannot be read (a Proxy)', () => { const unreadable: object = new Proxy({}, { getPrototypeOf: () => { throw unreadable } }); return unreadable }],
    ['whose message throws as it is read', () => Object.create(Error.prototype, { message: { get: () => { throw new Error('no message') } } }) as object],
  ])('settles with store_unavailable when the failure is a value %s: it was left pending for ever', async (_, failure) => {
    const unreadable = failure()
    const error = (await withStoreDeadline(options, () => Promise.reject(unreadable)).catch((e: unknown) => e)) as IdempotencyError
    expect(error.code).toBe('store_unavailable')
    expect(error.cause).toBe(unreadable)
  })

  it("keeps a call past its deadline in lateCalls until it settles and onAbandoned's own work is done", async () => {
    const lateCalls = createInFlightCalls()
    let answer!: (value: string) => void
    let releaseDone!: () => void
    const released = new Promise<void>((resolve) => (releaseDone = resolve))
    const call = withStoreDeadline({ what: 'test store: claim', timeoutMs: 20, lateCalls, onAbandoned: () => released }, () =>
      new Promise<string>((resolve) => (answer = resolve)),
    )
    await expect(call).rejects.toMatchObject({ code: 'store_unavailable' })
    expect(await lateCalls.drained(30)).toBe(false) // the command is still unanswered
    answer('claimed')
    expect(await lateCalls.drained(30)).toBe(false) // answered, but its release is still under way
    releaseDone()
    expect(await lateCalls.drained(1_000)).toBe(true)
  })

  it('passes an IdempotencyError through unchanged', async () => {
    const own = new IdempotencyError('store_unavailable', 'memory store full')
    await expect(withStoreDeadline(options, () => Promise.reject(own))).rejects.toBe(own)
  })
})
