import { describe, expectTypeOf, it } from 'vitest'
import { HandlerError, IdempotencyError, SignatureVerificationError, WebhookError, type WebhookErrorCode } from './errors.js'

describe('error classes', () => {
  it('narrow code to their own codes once instanceof has told them apart', () => {
    const error = new WebhookError('internal_error', 'x') as unknown
    if (error instanceof SignatureVerificationError) {
      expectTypeOf(error.code).toEqualTypeOf<'missing_signature' | 'invalid_signature' | 'timestamp_out_of_tolerance'>()
    } else if (error instanceof IdempotencyError) {
      expectTypeOf(error.code).toEqualTypeOf<'delivery_in_progress' | 'store_unavailable'>()
    } else if (error instanceof HandlerError) {
      expectTypeOf(error.code).toEqualTypeOf<'handler_failed' | 'handler_timeout'>()
    } else if (error instanceof WebhookError) {
      expectTypeOf(error.code).toEqualTypeOf<WebhookErrorCode>()
    }
  })

  it('refuse a code of another class', () => {
    // @ts-expect-error: store_unavailable is an IdempotencyError's
    new SignatureVerificationError('store_unavailable', 'x')
  })
})
