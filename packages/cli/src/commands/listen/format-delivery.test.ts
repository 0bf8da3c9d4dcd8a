import { describe, expect, it, vi } from 'vitest'
import type { DeliveryOutcome, WebhookEvent } from '@crm-webhooks/core'
import { RequestRejectedError, SignatureVerificationError } from '@crm-webhooks/core'
import { createPalette } from '../../palette.js'
import { deliveryJson, deliveryLine, keyFields } from './format-delivery.js'

const base: DeliveryOutcome = {
  status: 200,
  ok: true,
  code: undefined,
  error: undefined,
  eventType: 'deal.won',
  eventId: 'evt_1',
  idempotencyKey: 'acme:evt_1',
  duplicate: false,
  event: { type: 'deal.won', data: { id: 'deal_1', value: 10 }, stale: undefined } as WebhookEvent,
  verification: { secretIndex: 1 },
  handshake: undefined,
  durationMs: 3,
}
const plain = createPalette(false)
const at = new Date(2026, 2, 21, 14, 30, 0) // 14:30 local time, whatever the zone the tests run in

describe('deliveryJson', () => {
  it('reports a handled delivery, then its duplicate without the data', () => {
    expect(deliveryJson(base)).toEqual({ status: 200, event: 'deal.won', duplicate: false, id: 'evt_1', secret: 1, ms: 3, data: { id: 'deal_1', value: 10 } })
    expect(deliveryJson({ ...base, duplicate: true })).toEqual({ status: 200, event: 'deal.won', duplicate: true, id: 'evt_1', secret: 1, ms: 3 })
  })

  it('reports a rejection by its code, and an acknowledged unknown event as ignored', () => {
    const error = new SignatureVerificationError('invalid_signature', 'X-Acme-Signature does not match')
    const rejected = { ...base, status: 401, ok: false, code: error.code, error, eventType: undefined, event: undefined, verification: undefined }
    expect(deliveryJson(rejected)).toEqual({ status: 401, error: 'invalid_signature', message: 'X-Acme-Signature does not match', ms: 3 })
    expect(deliveryJson({ ...base, status: 202, code: 'unknown_event' })).toMatchObject({ status: 202, event: 'deal.won', ignored: 'unknown_event' })
  })

  // The receiver times deliveries on a monotonic clock: `"ms":14.22705078125` where the README shows whole ms.
  it('reports whole milliseconds, rounded, for a handled and a rejected delivery', () => {
    expect(deliveryJson({ ...base, durationMs: 14.22705078125 })).toMatchObject({ ms: 14 })
    expect(deliveryJson({ ...base, durationMs: 0.5 })).toMatchObject({ ms: 1 })
    const error = new SignatureVerificationError('invalid_signature', 'X-Acme-Signature does not match')
    const rejected = { ...base, status: 401, ok: false, code: error.code, error, durationMs: 2.71 }
    expect(deliveryJson(rejected)).toMatchObject({ ms: 3 })
    expect(JSON.stringify(deliveryJson({ ...base, durationMs: 14.22705078125 }))).toContain('"ms":14,')
  })

  it('reports a handshake', () => {
    expect(deliveryJson({ ...base, eventType: undefined, eventId: undefined, event: undefined, handshake: { payload: {} } })).toEqual({ status: 200, handshake: true })
  })
})

describe('deliveryLine and keyFields', () => {
  it('prints time, status, type, id and key fields; a rejection prints its code', () => {
    expect(deliveryLine(base, plain, at)).toBe('14:30:00  200  deal.won  evt_1  id=deal_1 value=10\n')
    expect(deliveryLine({ ...base, duplicate: true }, plain, at)).toBe('14:30:00  200  deal.won  evt_1  duplicate, not handled again\n')
    const error = new SignatureVerificationError('missing_signature', 'missing X-Acme-Signature header')
    expect(deliveryLine({ ...base, status: 401, ok: false, code: error.code, error, eventType: undefined }, plain, at)).toBe(
      '14:30:00  401  missing_signature  missing X-Acme-Signature header\n',
    )
  })

  it('prints the local time, as local dev tools do', () => {
    vi.stubEnv('TZ', 'Asia/Kolkata') // UTC+05:30 all year; Node applies a TZ set at run time
    try {
      expect(deliveryLine(base, plain, new Date('2026-03-21T09:00:00.000Z'))).toMatch(/^14:30:00 {2}200/)
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('keeps a delivery on one line: control characters from the request are escaped', () => {
    const error = new RequestRejectedError('invalid_body', `request body is not valid JSON: Unexpected token 'o', "oops\n{"ev"... is not valid JSON`)
    const rejected = { ...base, status: 400, ok: false, code: error.code, error, eventType: undefined }
    expect(deliveryLine(rejected, plain, at)).toBe(
      `14:30:00  400  invalid_body  request body is not valid JSON: Unexpected token 'o', "oops\\n{"ev"... is not valid JSON\n`,
    )
    const event = { ...base.event!, data: { id: 'deal\r\n1', title: 'a\u001b[2Jb' } } as WebhookEvent
    expect(deliveryLine({ ...base, eventType: 'deal.\nwon', eventId: 'evt\t1', event }, plain, at)).toBe(
      '14:30:00  200  deal.\\nwon  evt\\t1  id=deal\\r\\n1 title=a\\u001b[2Jb\n',
    )
  })

  it('colours the status when the palette is on', () => {
    expect(deliveryLine(base, createPalette(true), at)).toContain('\u001b[32m200\u001b[39m')
  })

  it('puts well-known fields first, looks into nested records, and cuts long values', () => {
    expect(keyFields({ zeta: 1, new_stage: 'Won', id: 'deal_1', previous_stage: 'Proposal' })).toBe('id=deal_1 previous_stage=Proposal new_stage=Won zeta=1')
    expect(keyFields({ userId: 'u1', payload: { id: 'c1', firstName: 'Max', tags: ['a'] } })).toBe('id=c1 firstName=Max userId=u1')
    expect(keyFields({ title: 'x'.repeat(60) })).toBe(`title=${'x'.repeat(39)}…`)
    expect(keyFields(['not', 'a', 'record'])).toBe('')
    expect(keyFields(null)).toBe('')
  })
})
