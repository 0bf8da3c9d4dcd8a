import { describe, expect, it } from 'vitest'
import { createManualClock } from './manual-clock.js'

describe('createManualClock().runUntilSettled', () => {
  it('fires timers in order until the work settles', async () => {
    const clock = createManualClock()
    const start = clock.now()
    const work = new Promise<number>((resolve) => clock.setTimeout(() => clock.setTimeout(() => resolve(clock.now() - start), 5_000), 60_000))
    expect(await clock.runUntilSettled(work)).toBe(65_000)
  })

  // The default transport times a real request on real time: no manual timer is pending while it is in
  // flight, and the work it settles then schedules one (a retry) or finishes.
  it('waits in real time for work no timer moves, such as a real request in flight', async () => {
    const clock = createManualClock()
    const start = clock.now()
    const realThenManual = new Promise<number>((resolve) => {
      setTimeout(() => clock.setTimeout(() => resolve(clock.now() - start), 60_000), 30)
    })
    expect(await clock.runUntilSettled(realThenManual)).toBe(60_000)
    const real = new Promise<string>((resolve) => setTimeout(() => resolve('answered'), 30))
    expect(await clock.runUntilSettled(real)).toBe('answered')
  })

  it('rejects work that neither settles nor schedules a timer within idleMs of real time', async () => {
    const clock = createManualClock()
    await expect(clock.runUntilSettled(new Promise(() => {}), { idleMs: 20 })).rejects.toThrow(/no timer is scheduled \(waited 20 ms/)
  })
})
