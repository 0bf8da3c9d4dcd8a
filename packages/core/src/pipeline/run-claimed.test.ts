/**
 * The claim around a handler, through a receiver: the edges of claimOnce and runClaimed that need a store
 * failing one call and not another (an outage that comes and goes), on a clock the test moves.
 */
import { describe, expect, it, vi } from 'vitest'
import { CONTRACT_SECRET, contractProvider, signContractDelivery } from '../idempotency/contract-provider.js'
import { createMemoryStore } from '../idempotency/memory-store.js'
import { createReceiver } from '../receiver.js'
import type { IdempotencyStore } from '../idempotency/idempotency-store.js'
import { monotonicNow } from '../monotonic-now.js'

/** A clock the test moves by hand, shared by the receiver and the memory store. */
function manualClock() {
  let at = Date.now()
  return { now: () => at, advance: (ms: number) => (at += ms) }
}

/** The memory store, with each call able to fail on its own as a networked store's would. */
function flakyStore(now: () => number) {
  const inner = createMemoryStore({ now })
  const down = { claim: false, complete: false, release: false, recordVersion: false }
  const calls: string[] = []
  const guard =
    <A extends unknown[], R>(name: keyof typeof down, call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      calls.push(`${name}${down[name] ? ' (down)' : ''}`)
      return down[name] ? Promise.reject(new Error('ECONNRESET')) : call(...args)
    }
  const store = {
    claim: guard('claim', inner.claim),
    complete: guard('complete', inner.complete),
    release: guard('release', inner.release),
    recordVersion: guard('recordVersion', inner.recordVersion!),
  } satisfies IdempotencyStore
  return { store, down, calls }
}

const LOCK_TTL_MS = 1_500

describe('a completion the receiver still owes its store', () => {
  it('a resend is answered 503 while the owed completion cannot be recorded, even once its lease has ended: never a second run', async () => {
    const clock = manualClock()
    const { store, down } = flakyStore(clock.now)
    let runs = 0
    const receiver = createReceiver({
      provider: contractProvider,
      secret: CONTRACT_SECRET,
      store,
      now: clock.now,
      lockTtlMs: LOCK_TTL_MS,
      handlerTimeoutMs: 200,
    }).on('record.updated', () => {
      runs += 1
      down.complete = true // the store drops the completion: the receiver owes it
    })
    const request = await signContractDelivery({ id: 'evt_owed_flapping' })
    expect((await receiver.handle(request)).status).toBe(200)
    clock.advance(LOCK_TTL_MS + 500) // the lease has ended; the store answers claims again, not completions
    const resend = await receiver.handle(request)
    expect(resend.status).toBe(503)
    expect(JSON.parse(resend.body)).toMatchObject({ ok: false, error: { code: 'store_unavailable' } })
    expect(resend.headers['retry-after']).toBe('5')
    expect(runs).toBe(1)
    down.complete = false
    expect(JSON.parse((await receiver.handle(request)).body)).toMatchObject({ ok: true, duplicate: true })
    expect(runs).toBe(1)
  })
})

describe('the clock of leases and retry budgets, when none is injected', () => {
  it('is monotonic: a wall clock stepping forward hours mid-outage does not end the retries of an owed completion', async () => {
    // The wall clock, stepped by hand below (NTP, a resumed VM); set up before the receiver, which reads it.
    let stepMs = 0
    const wallClock = Date.now
    const wall = vi.spyOn(Date, 'now').mockImplementation(() => wallClock() + stepMs)
    try {
      const { store, down } = flakyStore(monotonicNow)
      let runs = 0
      const receiver = createReceiver({ provider: contractProvider, secret: CONTRACT_SECRET, store, lockTtlMs: LOCK_TTL_MS, handlerTimeoutMs: 200 }).on(
        'record.updated',
        () => {
          runs += 1
          down.complete = true // the store drops the completion: the receiver owes it and retries it
        },
      )
      expect((await receiver.handle(await signContractDelivery({ id: 'evt_owed_clock_step' }))).status).toBe(200)
      stepMs = 3 * 60 * 60_000
      await new Promise((resolve) => setTimeout(resolve, 250)) // a retry or two fail while the store is away
      down.complete = false
      const key = 'contract:evt_owed_clock_step'
      await expect.poll(() => store.claim(key, 'another-instance', LOCK_TTL_MS), { timeout: 3_000 }).toEqual({ state: 'completed' })
      expect(runs).toBe(1)
    } finally {
      wall.mockRestore()
    }
  })
})

describe('a claim taken by a store that records versions apart from it', () => {
  it('whose version could not be recorded is released in the background when the release fails too: the retry runs, no 409 for the lease', async () => {
    const clock = manualClock()
    const { store, down, calls } = flakyStore(clock.now)
    // A store of your own written before claims carried the version: the receiver records it after the claim.
    const { claim } = store
    const withoutVersions = { ...store, claim: (key: string, owner: string, lockTtlMs: number) => claim(key, owner, lockTtlMs) }
    let runs = 0
    const receiver = createReceiver({
      provider: contractProvider,
      secret: CONTRACT_SECRET,
      store: withoutVersions,
      now: clock.now,
      lockTtlMs: LOCK_TTL_MS,
      handlerTimeoutMs: 200,
    }).on('record.updated', () => {
      runs += 1
    })
    const request = await signContractDelivery({ id: 'evt_version_blip' })
    down.recordVersion = down.release = true // the store drops out right after the claim
    expect((await receiver.handle(request)).status).toBe(503)
    down.recordVersion = down.release = false // and is back at once, well inside the lease
    await expect.poll(() => calls.filter((call) => call === 'release').length, { timeout: 1_000 }).toBe(1)
    clock.advance(200)
    expect((await receiver.handle(request)).status).toBe(200)
    expect(runs).toBe(1)
  })
})

describe('a claim whose answer never came (a store frozen past its deadline, a dropped connection)', () => {
  /**
   * The memory store, whose claims can be sent and lost: the claim lands (now, or when the test says) but the
   * call fails, as a command written to a socket the client then dropped does.
   */
  function answerLosingStore(now: () => number) {
    const inner = createMemoryStore({ now })
    const lost: Array<() => Promise<unknown>> = []
    const mode = { loseAnswers: false, landLater: false }
    const releases: boolean[] = []
    const store = {
      ...inner,
      claim: async (...args: Parameters<IdempotencyStore['claim']>) => {
        if (!mode.loseAnswers) return inner.claim(...args)
        const land = () => inner.claim(...args)
        if (mode.landLater) lost.push(land)
        else await land()
        throw new Error('the socket was destroyed with the command on it')
      },
      release: async (key: string, owner: string) => {
        const released = await inner.release(key, owner)
        releases.push(released)
        return released
      },
    } satisfies IdempotencyStore
    return { store, mode, releases, landLostClaims: () => Promise.all(lost.splice(0).map((land) => land())) }
  }

  /** A receiver over that store, on a clock the test moves, and one signed delivery; `onRun` gets each run's number. */
  async function lostClaimScenario(id: string, onRun: (run: number) => void = () => {}) {
    const clock = manualClock()
    const lost = answerLosingStore(clock.now)
    let runs = 0
    const receiver = createReceiver({
      provider: contractProvider,
      secret: CONTRACT_SECRET,
      store: lost.store,
      now: clock.now,
      lockTtlMs: LOCK_TTL_MS,
      handlerTimeoutMs: 200,
    }).on('record.updated', () => onRun(++runs))
    return { ...lost, receiver, request: await signContractDelivery({ id }), runs: () => runs }
  }

  it('is given back by the resend, which then runs the handler at once instead of meeting it with 409 for the lease', async () => {
    const { receiver, request, mode, releases, runs } = await lostClaimScenario('evt_claim_answer_lost')
    mode.loseAnswers = true
    expect((await receiver.handle(request)).status).toBe(503)
    mode.loseAnswers = false
    const resend = await receiver.handle(request)
    expect(resend.status).toBe(200)
    expect(releases).toEqual([true])
    expect(runs()).toBe(1)
    // Completed since: what was owed is settled, and a later resend is a duplicate without another release.
    expect(JSON.parse((await receiver.handle(request)).body)).toMatchObject({ ok: true, duplicate: true })
    expect(releases).toEqual([true])
    expect(runs()).toBe(1)
  })

  it('left by two resends that met the same outage are both owed: whichever landed is given back, never run twice', async () => {
    const { receiver, request, mode, releases, landLostClaims, runs } = await lostClaimScenario('evt_claims_land_late')
    Object.assign(mode, { loseAnswers: true, landLater: true })
    expect((await receiver.handle(request)).status).toBe(503)
    // The resend's own release finds nothing yet; its claim fails the same way, unlanded too.
    expect((await receiver.handle(request)).status).toBe(503)
    expect(releases).toEqual([false])
    Object.assign(mode, { loseAnswers: false, landLater: false })
    await landLostClaims() // the first one lands and takes the key; the second finds it taken
    const resend = await receiver.handle(request)
    expect(resend.status).toBe(200)
    expect(releases).toEqual([false, true, false])
    expect(runs()).toBe(1)
  })

  it('stays owed past a resend that took the key and failed: the claim landing after that release is given back too', async () => {
    const { receiver, request, mode, releases, landLostClaims, runs } = await lostClaimScenario('evt_owed_past_failure', (run) => {
      if (run === 1) throw new Error('the handler fails once')
    })
    Object.assign(mode, { loseAnswers: true, landLater: true })
    expect((await receiver.handle(request)).status).toBe(503)
    Object.assign(mode, { loseAnswers: false, landLater: false })
    expect((await receiver.handle(request)).status).toBe(500) // took the key, failed, released it
    await landLostClaims() // the first claim lands on the free key
    expect((await receiver.handle(request)).status).toBe(200)
    expect(releases.at(-1)).toBe(true)
    expect(runs()).toBe(2)
  })

  it('fails a resend closed at once when the owed release fails, without a claim waiting out the same store', async () => {
    const { receiver, request, store, mode } = await lostClaimScenario('evt_owed_store_away')
    mode.loseAnswers = true
    expect((await receiver.handle(request)).status).toBe(503)
    let claims = 0
    const { claim } = store
    store.claim = (...args) => ((claims += 1), claim(...args))
    store.release = async () => {
      throw new Error('ECONNREFUSED')
    }
    const resend = await receiver.handle(request)
    expect([resend.status, JSON.parse(resend.body).error.code, claims]).toEqual([503, 'store_unavailable', 0])
  })

  it('is kept owed while the store says no such claim is held yet, and released once it has landed', async () => {
    const { receiver, request, store, mode, releases, landLostClaims, runs } = await lostClaimScenario('evt_claim_in_flight')
    Object.assign(mode, { loseAnswers: true, landLater: true })
    expect((await receiver.handle(request)).status).toBe(503)
    Object.assign(mode, { loseAnswers: false, landLater: false })
    // The lost claim lands between the resend's release (nothing held yet) and its claim.
    const { release } = store
    store.release = async (key, owner) => {
      const released = await release(key, owner)
      await landLostClaims()
      return released
    }
    expect((await receiver.handle(request)).status).toBe(409)
    store.release = release
    expect((await receiver.handle(request)).status).toBe(200)
    expect(releases).toEqual([false, true])
    expect(runs()).toBe(1)
  })
})
