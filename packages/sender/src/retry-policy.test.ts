import { describe, expect, it } from 'vitest'
import { providers } from '@crm-webhooks/core/providers'
import {
  DEFAULT_RETRY_SCHEDULE,
  PROVIDER_RETRY_DEFAULTS,
  assertRetriesWithinRetention,
  createRetryPolicy,
  formatDuration,
  mostRetriesWithinRetention,
  parseDuration,
  parseRetrySchedule,
  providerRetryPolicy,
} from './retry-policy.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

describe('createRetryPolicy', () => {
  it("defaults to seed 000: 5 retries at 1m, 5m, 30m, 2h, 24h after the initial failure, 30 s timeout", () => {
    const policy = createRetryPolicy()
    expect(policy.maxRetries).toBe(5)
    expect(policy.timeoutMs).toBe(30_000)
    expect(policy.disableAfterConsecutiveFailures).toBeUndefined()
    expect([1, 2, 3, 4, 5].map((retry) => policy.retryOffsetMs(retry))).toEqual([MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 24 * HOUR])
    expect(DEFAULT_RETRY_SCHEDULE).toEqual(policy.schedule)
  })

  it('spaces retries past the schedule by its last offset', () => {
    const policy = createRetryPolicy({ maxRetries: 8 })
    expect([6, 7, 8].map((retry) => policy.retryOffsetMs(retry))).toEqual([48 * HOUR, 72 * HOUR, 96 * HOUR])
    expect(createRetryPolicy({ maxRetries: 3, schedule: [10] }).retryOffsetMs(3)).toBe(30)
  })

  it("enforces the seed's limits: 0-10 retries, 5-60 s timeout", () => {
    expect(createRetryPolicy({ maxRetries: 0 }).maxRetries).toBe(0)
    expect(createRetryPolicy({ maxRetries: 10 }).maxRetries).toBe(10)
    expect(() => createRetryPolicy({ maxRetries: 11 })).toThrow(TypeError)
    expect(() => createRetryPolicy({ maxRetries: -1 })).toThrow(TypeError)
    expect(() => createRetryPolicy({ maxRetries: 1.5 })).toThrow(TypeError)
    expect(createRetryPolicy({ timeoutMs: 5_000 }).timeoutMs).toBe(5_000)
    expect(createRetryPolicy({ timeoutMs: 60_000 }).timeoutMs).toBe(60_000)
    expect(() => createRetryPolicy({ timeoutMs: 4_999 })).toThrow(/timeoutMs/)
    expect(() => createRetryPolicy({ timeoutMs: 60_001 })).toThrow(/timeoutMs/)
    expect(() => createRetryPolicy({ disableAfterConsecutiveFailures: 0 })).toThrow(TypeError)
  })

  it('refuses an empty or non-ascending schedule and out-of-range retry numbers', () => {
    expect(() => createRetryPolicy({ schedule: [] })).toThrow(TypeError)
    expect(() => createRetryPolicy({ schedule: [5 * MINUTE, MINUTE] })).toThrow(/ascending/)
    expect(() => createRetryPolicy({ schedule: [-1] })).toThrow(/ascending/)
    expect(() => createRetryPolicy({ maxRetries: 2 }).retryOffsetMs(3)).toThrow(TypeError)
  })

  it('refuses options that are not an object (`retry: null`) with a TypeError of its own, not an engine message', () => {
    for (const options of [null, 'maxRetries=3']) {
      const given = options as unknown as Parameters<typeof createRetryPolicy>[0]
      expect(() => createRetryPolicy(given)).toThrow(TypeError)
      expect(() => createRetryPolicy(given)).toThrow(/^crm-webhooks: the retry options must be an object \(got (null|string)\)$/)
      expect(() => providerRetryPolicy('connectgain', given)).toThrow(/^crm-webhooks: the retry options must be an object/)
    }
  })
})

describe('providerRetryPolicy', () => {
  it('follows each seed: ConnectGain one 5 s attempt, Customermates and Auto-Respond one attempt, the rest seed 000', () => {
    const summary = (id: string) => {
      const policy = providerRetryPolicy(id)
      return { maxRetries: policy.maxRetries, timeoutMs: policy.timeoutMs }
    }
    expect(summary('connectgain')).toEqual({ maxRetries: 0, timeoutMs: 5_000 })
    expect(summary('customermates')).toEqual({ maxRetries: 0, timeoutMs: 30_000 })
    expect(summary('autorespond')).toEqual({ maxRetries: 0, timeoutMs: 30_000 })
    for (const id of ['automatenexus', 'workflow-platform', 'my-own-crm', 'constructor']) {
      expect(summary(id)).toEqual({ maxRetries: 5, timeoutMs: 30_000 })
      expect(providerRetryPolicy(id).disableOnGone).toBe(false)
    }
    // The specification's example schedule, its "Time since start" column: the last retry 75:35:05 after
    // the first failure.
    const standard = providerRetryPolicy('standard-webhooks')
    expect(summary('standard-webhooks')).toEqual({ maxRetries: 9, timeoutMs: 30_000 })
    expect(standard.disableOnGone).toBe(true)
    const timeSinceStart = ['00:00:05', '00:05:05', '00:35:05', '02:35:05', '07:35:05', '17:35:05', '31:35:05', '51:35:05', '75:35:05']
    expect(Array.from({ length: 9 }, (_, index) => standard.retryOffsetMs(index + 1))).toEqual(
      timeSinceStart.map((text) => {
        const [hours, minutes, seconds] = text.split(':').map(Number)
        return hours! * HOUR + minutes! * MINUTE + seconds! * 1_000
      }),
    )
    expect(providerRetryPolicy('standard-webhooks', { disableOnGone: false }).disableOnGone).toBe(false)
    expect(() => createRetryPolicy({ disableOnGone: 'yes' as never })).toThrow(/disableOnGone/)
    // Every entry names a provider that exists.
    for (const id of Object.keys(PROVIDER_RETRY_DEFAULTS)) expect(providers).toHaveProperty(id)
  })

  it("has every provider's receiver remember a delivery past its sender's last retry, at the provider's default policy", () => {
    for (const [id, provider] of Object.entries(providers)) {
      expect(() => assertRetriesWithinRetention(providerRetryPolicy(id), provider)).not.toThrow()
    }
  })

  it('lets each option given win, and an undefined one (a CLI flag left out) fall back', () => {
    const policy = providerRetryPolicy('customermates', { maxRetries: 3, schedule: undefined })
    expect(policy.maxRetries).toBe(3)
    expect(policy.retryOffsetMs(3)).toBe(30 * MINUTE)
    expect(providerRetryPolicy('connectgain', { timeoutMs: 20_000 })).toMatchObject({ maxRetries: 0, timeoutMs: 20_000 })
    expect(() => providerRetryPolicy('connectgain', { maxRetries: 11 })).toThrow(/maxRetries/)
  })
})

describe('assertRetriesWithinRetention', () => {
  // The most retries each built-in provider's sender may make on its own schedule (seed 000's where it
  // names none) while its receiver still remembers the delivery (the provider's retentionMs, else 72 h).
  // Seed 000 allows 10: workflow-platform's receiver forgot the 7th (72 h) and later ones, and Standard
  // Webhooks' 10th (151 h) came after its 100 h.
  const MOST_RETRIES: Record<string, number> = {
    automatenexus: 10,
    connectgain: 6,
    customermates: 6,
    'workflow-platform': 6,
    autorespond: 6,
    'standard-webhooks': 9,
  }

  it.each(Object.entries(providers))('lets %s retry only while its receiver remembers the delivery', (id, provider) => {
    const accepted = Array.from({ length: 11 }, (_, maxRetries) => {
      try {
        assertRetriesWithinRetention(providerRetryPolicy(id, { maxRetries }), provider)
        return true
      } catch (error) {
        expect(error).toBeInstanceOf(TypeError)
        expect((error as TypeError).message).toMatch(new RegExp(`^crm-webhooks: ${maxRetries} retries put the last one .* but a ${id} receiver remembers a delivery`))
        return false
      }
    })
    const most = MOST_RETRIES[id]!
    expect(accepted).toEqual(Array.from({ length: 11 }, (_, maxRetries) => maxRetries <= most))
    expect(mostRetriesWithinRetention(providerRetryPolicy(id, { maxRetries: 10 }), provider)).toBe(most)
    expect(mostRetriesWithinRetention(providerRetryPolicy(id, { maxRetries: 3 }), provider), 'never more than the policy makes').toBe(3)
    // What is accepted lands, with an attempt's timeout, inside the retention; what is refused does not.
    const retentionMs = provider.retentionMs ?? 72 * HOUR
    const last = providerRetryPolicy(id, { maxRetries: most })
    expect(last.retryOffsetMs(most) + last.timeoutMs).toBeLessThan(retentionMs)
    if (most < 10) {
      const refused = providerRetryPolicy(id, { maxRetries: most + 1 })
      expect(refused.retryOffsetMs(most + 1) + refused.timeoutMs).toBeGreaterThanOrEqual(retentionMs)
    }
  })

  it('names the numbers: when the last retry runs and how long the receiver remembers', () => {
    const standard = providers['standard-webhooks']
    expect(() => assertRetriesWithinRetention(providerRetryPolicy('standard-webhooks', { maxRetries: 10 }), standard)).toThrow(
      "crm-webhooks: 10 retries put the last one 6d 7h after the first failure, but a standard-webhooks receiver remembers a delivery 4d 4h (the provider's retentionMs) and the retry must come an attempt's timeout (30s) before then, or it is handled again: use at most 9 retries on this schedule, or an earlier schedule",
    )
    // A receiver told to remember longer is reached through a provider that says so.
    expect(() => assertRetriesWithinRetention(providerRetryPolicy('standard-webhooks', { maxRetries: 10 }), { ...standard, retentionMs: 7 * 24 * HOUR })).not.toThrow()
  })
})

describe('parseDuration and parseRetrySchedule', () => {
  it('reads ms, s, m, h and d', () => {
    expect(['250ms', '30s', '1m', '2h', '1d', '1.5s'].map(parseDuration)).toEqual([250, 30_000, MINUTE, 2 * HOUR, 24 * HOUR, 1500])
    expect(parseDuration('5')).toBeUndefined()
    expect(parseDuration('1w')).toBeUndefined()
    expect(parseDuration('')).toBeUndefined()
  })

  it("parses the CLI's --schedule and names the bad part", () => {
    expect(parseRetrySchedule('1m,5m,30m,2h,24h')).toEqual([...DEFAULT_RETRY_SCHEDULE])
    expect(() => parseRetrySchedule('1m,soon')).toThrow(/"soon"/)
  })
})

describe('formatDuration', () => {
  it('writes durations as the schedule does, to two units', () => {
    expect([250, 30_000, MINUTE, 90 * MINUTE, 22 * HOUR, 26 * HOUR + 1000].map(formatDuration)).toEqual([
      '250ms',
      '30s',
      '1m',
      '1h 30m',
      '22h',
      '1d 2h',
    ])
  })
})
