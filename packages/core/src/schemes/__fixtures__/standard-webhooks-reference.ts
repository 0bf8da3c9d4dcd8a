/**
 * The published Standard Webhooks test vector: the reference libraries (standard-webhooks/libraries and
 * Svix's) all sign and verify exactly this in their own tests. Test-only.
 *
 * @module
 */

/**
 * Secret, id, timestamp, body and the expected `webhook-signature`.
 *
 * @example
 * ```ts
 * scheme.sign({ body: standardWebhooksReference.body, id: standardWebhooksReference.id, ... }, standardWebhooksReference.secret)
 * ```
 */
export const standardWebhooksReference = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
} as const

/**
 * The three headers of the reference delivery, with any of them replaced.
 *
 * @example
 * ```ts
 * standardWebhooksReferenceHeaders({ 'webhook-timestamp': 'NaN' })
 * ```
 */
export function standardWebhooksReferenceHeaders(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'webhook-id': standardWebhooksReference.id,
    'webhook-timestamp': String(standardWebhooksReference.timestamp),
    'webhook-signature': standardWebhooksReference.signature,
    ...overrides,
  }
}
