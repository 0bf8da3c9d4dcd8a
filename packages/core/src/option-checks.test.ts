import { describe, expect, it } from 'vitest'
import { MAX_STORE_MS, MAX_TIMER_MS, positiveOption } from './option-checks.js'

describe('positiveOption', () => {
  it('gives the fallback when the option is left out, and the value when it is in range', () => {
    expect(positiveOption('lockTtlMs', undefined, 60_000)).toBe(60_000)
    expect(positiveOption('lockTtlMs', 1.5, 60_000, { max: MAX_STORE_MS })).toBe(1.5)
    expect(positiveOption('handlerTimeoutMs', MAX_TIMER_MS, 1, { max: MAX_TIMER_MS })).toBe(MAX_TIMER_MS)
    expect(positiveOption('purgeIntervalMs', 0, 1, { allowZero: true })).toBe(0)
  })

  it.each([
    [0, {}, 'must be a positive number'],
    [-1, { allowZero: true }, 'must be a non-negative number'],
    [Number.NaN, {}, 'must be a positive number'],
    [Number.POSITIVE_INFINITY, {}, 'must be a positive number'],
    ['5' as never, {}, 'must be a positive number'],
    [MAX_TIMER_MS + 1, { max: MAX_TIMER_MS }, `must be a positive number up to ${MAX_TIMER_MS}`],
  ])('refuses %s (%j) with a TypeError naming the option', (value, limits, message) => {
    expect(() => positiveOption('someMs', value, 1, limits)).toThrow(new TypeError(`crm-webhooks: someMs ${message}`))
  })
})
