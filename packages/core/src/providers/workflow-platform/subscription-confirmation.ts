/**
 * The API v2 subscription confirmation (seed 003: "Verify the subscription using the confirmation token
 * sent to your endpoint"). The seed names the step, not the exchange; this project defines it as an echo,
 * which needs no call back to the platform:
 *
 * 1. The platform POSTs a signed JSON body `{"event": "subscription.confirmation", "subscription_id": ...,
 *    "confirmation_token": ..., "timestamp": ...}` with `X-Hmac-Signature` like any delivery (the token may
 *    also sit in `data`, as an API v2 event's fields do: `{"event": "subscription.confirmation", "data":
 *    {"confirmation_token": ...}}`).
 * 2. After the signature verifies, the receiver answers `200 {"confirmation_token": "<the same token>"}`.
 * 3. The platform marks the subscription verified when the echoed token matches.
 *
 * An unsigned or wrongly signed confirmation is refused (401) before this runs, so nobody can confirm a
 * subscription on the endpoint's behalf without the secret.
 *
 * @module
 */
import { PayloadValidationError } from '../../errors.js'
import { jsonResponse } from '../../pipeline/respond.js'
import { ownField } from '../field-envelope.js'
import type { DeliveryContext, WebhookResponse } from '../../types.js'

/**
 * The `event` of a subscription confirmation request.
 *
 * @example
 * ```ts
 * const isConfirmation = payload.event === SUBSCRIPTION_CONFIRMATION_EVENT // answered by the receiver itself
 * ```
 */
export const SUBSCRIPTION_CONFIRMATION_EVENT = 'subscription.confirmation'

/**
 * Longest confirmation token echoed, generous for a signed token (a JWT); a longer one is refused rather
 * than reflected. The seed gives no format: any text is echoed, escaped as JSON, since only a body signed
 * with the secret is answered at all.
 *
 * @example
 * ```ts
 * token.length <= MAX_CONFIRMATION_TOKEN_LENGTH // otherwise 422 invalid_payload
 * ```
 */
export const MAX_CONFIRMATION_TOKEN_LENGTH = 8_192

/**
 * Answers a verified subscription confirmation with the echoed token, or returns `undefined` for any
 * other delivery. A confirmation without a usable token is `invalid_payload` (422).
 *
 * @example
 * ```ts
 * answerSubscriptionConfirmation(context) // { status: 200, body: '{"confirmation_token":"ct_9f2c"}', ... }
 * ```
 */
export function answerSubscriptionConfirmation(context: DeliveryContext): WebhookResponse | undefined {
  const { payload } = context
  if (ownField(payload, 'event') !== SUBSCRIPTION_CONFIRMATION_EVENT) return undefined
  // Top level, as defined above, or inside `data`, where the platform's API v2 events carry their fields: the seed
  // places the token nowhere, and a confirmation left unanswered is a subscription never verified.
  const token = ownField(payload, 'confirmation_token') ?? ownField(ownField(payload, 'data'), 'confirmation_token')
  if (typeof token !== 'string' || token === '' || token.length > MAX_CONFIRMATION_TOKEN_LENGTH) {
    throw new PayloadValidationError('invalid_payload', `a subscription confirmation needs confirmation_token: a text of 1 to ${MAX_CONFIRMATION_TOKEN_LENGTH} characters`)
  }
  return jsonResponse(200, { confirmation_token: token })
}
