import { describe, expect, it } from 'vitest'
import { createInFlightCalls } from './in-flight-calls.js'

/** A promise that never settles and counts what waits on it. */
function neverSettling() {
  let waiting = 0
  const call = new Promise<never>(() => undefined)
  const then = call.then.bind(call)
  Object.defineProperty(call, 'then', {
    value: (...handlers: Parameters<typeof then>) => {
      waiting += 1
      return then(...handlers)
    },
  })
  return { call, waiting: () => waiting }
}

describe('createInFlightCalls', () => {
  it('drained() resolves true once every call has settled, the calls they made in turn included', async () => {
    const inFlight = createInFlightCalls()
    let release!: () => void
    inFlight.track(new Promise<void>((resolve) => (release = resolve)).then(() => void inFlight.track(new Promise((resolve) => setTimeout(resolve, 20)))))
    const drained = inFlight.drained()
    let done = false
    void drained.then(() => (done = true))
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(done).toBe(false)
    release()
    expect(await drained).toBe(true)
  })

  it('a drained() given up on holds nothing: a call that never settles keeps only its own entry, however often close() or a check asks', async () => {
    const inFlight = createInFlightCalls()
    const stuck = neverSettling()
    inFlight.track(stuck.call)
    const waitingWhenTracked = stuck.waiting()
    for (let round = 0; round < 5; round++) expect(await inFlight.drained(5)).toBe(false)
    // Before, each drained() waited on every call through Promise.allSettled, and kept waiting after it gave up.
    expect(stuck.waiting()).toBe(waitingWhenTracked)
  })

  it('wakes a drained() still waiting when the set empties, after an earlier one gave up', async () => {
    const inFlight = createInFlightCalls()
    let settle!: () => void
    inFlight.track(new Promise<void>((resolve) => (settle = resolve)))
    const givenUp = await inFlight.drained(5)
    const waiting = inFlight.drained(5_000)
    settle()
    expect([givenUp, await waiting]).toEqual([false, true])
  })
})
