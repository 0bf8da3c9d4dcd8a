/**
 * A clock that only moves when told to: tests drive a whole retry schedule (1 m ... 24 h) without
 * sleeping, and without patching the global timers.
 *
 * @module
 */
import type { Clock, TimerHandle } from './clock.js'

interface PendingTimer {
  readonly id: number
  readonly at: number
  readonly callback: () => void
}

/** A {@link Clock} whose time advances only through its methods. */
export interface ManualClock extends Clock {
  /** Timers scheduled and not yet fired or cleared. */
  readonly pendingTimers: number
  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void
  /**
   * Lets pending promise work settle, then jumps to the next timer and fires it, repeatedly, until
   * `work` settles; resolves with its result. With no timer left it waits in real time, as real I/O
   * (the default transport's fetch) may still be in flight, and rejects if neither `work` settles nor a
   * timer is scheduled within `idleMs` (default 60 000, the longest per-attempt timeout), or after
   * `maxTimers` timers (a runaway loop).
   */
  runUntilSettled<T>(work: Promise<T>, options?: { maxTimers?: number; idleMs?: number }): Promise<T>
}

/** Lets other promise chains and I/O callbacks of the same process run before time moves. */
function settleMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/**
 * Creates a manual clock starting at `startMs` (default 2026-01-01T00:00:00Z, so logged times are the same
 * on every run). Attempts are signed at its time: a real receiver of a provider that signs a timestamp
 * (Standard Webhooks) refuses them as `timestamp_out_of_tolerance`, every one from the default start, and
 * the retries the clock jumped to even from `Date.now()`; drive those on the system clock.
 *
 * @example
 * ```ts
 * const clock = createManualClock()
 * const sender = createSender({ provider, secret, url, clock, transport })
 * const result = await clock.runUntilSettled(sender.send({ type: 'contact.created', data }))
 * ```
 */
export function createManualClock(startMs = Date.UTC(2026, 0, 1)): ManualClock {
  let current = startMs
  let nextId = 1
  const timers: PendingTimer[] = []
  // Wakes a runUntilSettled waiting in real time when work in flight schedules a timer.
  const onTimerScheduled = new Set<() => void>()

  /** Resolves `true` when `work` settles or a timer is scheduled, `false` after `idleMs` of real time. */
  function realProgress(work: Promise<unknown>, idleMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (progress: boolean) => {
        globalThis.clearTimeout(idle)
        onTimerScheduled.delete(wake)
        resolve(progress)
      }
      const wake = () => done(true)
      const idle = globalThis.setTimeout(() => done(false), idleMs)
      onTimerScheduled.add(wake)
      work.then(wake, wake)
    })
  }

  function fireNext(limit: number): boolean {
    let earliest: PendingTimer | undefined
    for (const timer of timers) {
      if (timer.at <= limit && (!earliest || timer.at < earliest.at || (timer.at === earliest.at && timer.id < earliest.id))) {
        earliest = timer
      }
    }
    if (!earliest) return false
    timers.splice(timers.indexOf(earliest), 1)
    current = Math.max(current, earliest.at)
    earliest.callback()
    return true
  }

  return {
    now: () => current,
    setTimeout(callback: () => void, ms: number): TimerHandle {
      const timer = { id: nextId++, at: current + Math.max(0, ms), callback }
      timers.push(timer)
      for (const wake of onTimerScheduled) wake()
      return timer.id
    },
    clearTimeout(handle: TimerHandle) {
      const index = timers.findIndex((timer) => timer.id === handle)
      if (index >= 0) timers.splice(index, 1)
    },
    get pendingTimers() {
      return timers.length
    },
    advance(ms: number) {
      const target = current + ms
      while (fireNext(target));
      current = target
    },
    async runUntilSettled<T>(work: Promise<T>, options: { maxTimers?: number; idleMs?: number } = {}): Promise<T> {
      const maxTimers = options.maxTimers ?? 10_000
      const idleMs = options.idleMs ?? 60_000
      let settled = false
      const tracked = work.finally(() => {
        settled = true
      })
      tracked.catch(() => {}) // observed below; avoid an unhandled rejection while time moves
      for (let fired = 0; ; ) {
        // A few turns, so fetch mocks and response-body reads resolve before the next timer fires.
        for (let turn = 0; turn < 5 && !settled; turn++) await settleMicrotasks()
        if (settled) return tracked
        if (fired >= maxTimers) throw new Error(`manual clock: still pending after ${maxTimers} timers`)
        if (fireNext(Number.POSITIVE_INFINITY)) {
          fired++
          continue
        }
        // No timer to fire: a real request may be in flight (the default transport times it on real time).
        if (!(await realProgress(tracked, idleMs))) {
          throw new Error(`manual clock: work is pending but no timer is scheduled (waited ${idleMs} ms of real time)`)
        }
      }
    },
  }
}
