import { afterEach, describe, expect, it } from 'vitest'
import type { WebhookEvent } from '../types.js'
import { eventTimeMs, recordVersionByOccurredAt } from './record-version.js'

const AT_15 = Date.parse('2026-03-21T15:00:00Z')

describe('eventTimeMs: the times CRMs send, as ms', () => {
  const zone = process.env.TZ
  afterEach(() => {
    if (zone === undefined) delete process.env.TZ
    else process.env.TZ = zone
  })

  it('reads ISO 8601 with a zone, an offset or a fraction', () => {
    expect(eventTimeMs('2026-03-21T15:00:00Z')).toBe(AT_15)
    expect(eventTimeMs('2026-03-21T15:00:00.344522Z')).toBe(AT_15 + 344)
    expect(eventTimeMs('2026-03-21T17:00:00+02:00')).toBe(AT_15)
  })

  it('reads a date-time without a zone as UTC, whatever the server time zone', () => {
    process.env.TZ = 'Asia/Tokyo'
    expect(eventTimeMs('2026-03-21T15:00:00')).toBe(AT_15)
    expect(eventTimeMs('2026-03-21 15:00:00')).toBe(AT_15)
  })

  it('reads Unix seconds and ms, as numbers or digits, on one scale', () => {
    for (const value of [AT_15 / 1000, AT_15, String(AT_15 / 1000), String(AT_15)]) expect(eventTimeMs(value)).toBe(AT_15)
  })

  it('is NaN for what only a lenient Date.parse would read (a bare "12" is not December 2001)', () => {
    for (const value of ['garbage', 'March 21', '21/03/2026', '', null, undefined, {}, Number.NaN]) expect(eventTimeMs(value)).toBeNaN()
    expect(eventTimeMs('12')).toBe(12_000) // digits are Unix seconds
  })

  it('is NaN past what a Date holds (8.64e15 ms), where toISOString would throw', () => {
    for (const value of [1e16, -1e16, '99999999999999999', 8.64e15 + 1]) expect(eventTimeMs(value)).toBeNaN()
    expect(eventTimeMs(8.64e15)).toBe(8.64e15)
  })
})

describe('recordVersionByOccurredAt', () => {
  const event = (occurredAt: unknown) => ({ type: 'deal.updated', data: { id: 'deal_1' }, occurredAt }) as unknown as WebhookEvent
  it('orders epoch seconds and ISO times of one record on one scale', () => {
    expect(recordVersionByOccurredAt(event('2026-03-21T15:00:00Z'))).toEqual({ record: 'deal:deal_1', version: AT_15 })
    expect(recordVersionByOccurredAt(event(AT_15 / 1000 + 300))!.version).toBeGreaterThan(AT_15)
    expect(recordVersionByOccurredAt(event('not a time'))).toBeUndefined()
  })
})
