import { describe, expect, it } from 'vitest'
import { IdempotencyError, WebhookError, toWebhookError } from './errors.js'

/** This module loaded a second time, as a CommonJS build loads beside the ESM one: classes of their own. */
async function anotherCopy(): Promise<typeof import('./errors.js')> {
  const path = './errors.js?another-copy'
  return import(/* @vite-ignore */ path)
}

describe('toWebhookError', () => {
  it("keeps the code, status and Retry-After of another copy's error (a scheme required as CommonJS into an ESM app)", async () => {
    const copy = await anotherCopy()
    const forged = new copy.SignatureVerificationError('invalid_signature', 'no configured secret matched')
    expect(forged instanceof WebhookError).toBe(false)
    const converted = toWebhookError(forged)
    expect([converted instanceof WebhookError, converted.code, converted.status, converted.message, converted.cause]).toEqual([
      true,
      'invalid_signature',
      401,
      'no configured secret matched',
      forged,
    ])
    const away = toWebhookError(new copy.IdempotencyError('store_unavailable', 'down', { retryAfterSeconds: 5 }))
    expect([away.code, away.status, away.retryAfterSeconds]).toEqual(['store_unavailable', 503, 5])
  })

  it('keeps one of this copy as it is, and makes anything else internal_error, a look-alike without the brand included', () => {
    const own = new IdempotencyError('delivery_in_progress', 'held')
    expect(toWebhookError(own)).toBe(own)
    const lookalike = Object.assign(new Error('no match'), { code: 'invalid_signature', status: 401 })
    for (const thrown of [lookalike, new Error('boom'), 'text', undefined]) expect(toWebhookError(thrown).code).toBe('internal_error')
  })
})
