/**
 * Signing with several secrets at once, as a sender rotating its secret does where the wire format allows it.
 * Standard Webhooks ("Webhook headers"): "The signature header is a space delimited list of signatures [...]
 * to support zero downtime secret rotation": the sender signs "both using the current key, and using an old
 * key (for a set period of time)", and a receiver holding either one accepts the delivery.
 *
 * Every seed's own format holds one signature: AutomateNexus, ConnectGain, Customermates and the workflow
 * platform send one HMAC-SHA256 digest in their header (seeds 000-003: "an HMAC-SHA256 hash of the payload
 * body"), which the receiver reads whole; Auto-Respond sends the key itself in `X-Secret-Key`, and
 * regenerating it "invalidates the old key immediately" (seed 004). Those refuse a list of several secrets.
 *
 * Which formats carry several, how many and how they are joined is each scheme's to say (its `maxSignatures`
 * and `signWithEach`, beside the verify that reads them): this file only picks the call, for the reference
 * sender and anything else that signs.
 *
 * @module
 */
import type { SecretInput, SignInput, SignatureScheme } from '../types.js'
import { normalizeSecrets, secretList } from './secrets.js'

/**
 * Checks the secrets a sender signs with and returns them as a list: each must be one the receiver's scheme
 * accepts, and several are allowed only where the scheme's header carries several signatures (at most its
 * `maxSignatures`, as many as a receiver examines). Anything else is a `TypeError`.
 *
 * @example
 * ```ts
 * checkSigningSecrets(standardWebhooks.scheme, ['whsec_old...', 'whsec_new...']) // both, in order
 * checkSigningSecrets(automatenexus.scheme, ['old', 'new']) // TypeError: its header holds one signature
 * ```
 */
export function checkSigningSecrets(scheme: SignatureScheme, secret: SecretInput | readonly SecretInput[]): readonly SecretInput[] {
  // A copy, frozen: what was checked is what signs, whatever the caller does to its array afterwards.
  const secrets = Object.freeze([...secretList(secret)])
  // First, so a missing secret (an unset environment variable) is named as such, whatever the scheme.
  normalizeSecrets(secrets)
  const most = scheme.signWithEach ? (scheme.maxSignatures ?? 1) : 1
  if (secrets.length > most) {
    throw new TypeError(
      most === 1
        ? `crm-webhooks: ${scheme.signatureHeader} holds one signature (${scheme.kind}), so it is signed with one secret, not ${secrets.length}; ` +
            'signing with several at once is for formats that carry several (Standard Webhooks)'
        : `crm-webhooks: at most ${most} secrets may sign at once (got ${secrets.length}): a receiver examines no more signatures`,
    )
  }
  // A secret the receiver's scheme would refuse (a Standard Webhooks secret that is not base64) is refused here too.
  scheme.prepareSecrets(secrets)
  return secrets
}

/**
 * The signature headers for `input`, signed by `scheme` with `secret` or each of a list (checked by
 * {@link checkSigningSecrets}): one secret gives exactly what `scheme.sign` gives, several what its
 * `signWithEach` gives (a `TypeError` from a scheme without it).
 *
 * @example
 * ```ts
 * const headers = await signWithSecrets(standardWebhooks.scheme, { body, id: 'msg_1', timestampSeconds }, [oldSecret, newSecret])
 * headers['webhook-signature'] // 'v1,<old secret's> v1,<new secret's>'
 * ```
 */
export function signWithSecrets(
  scheme: SignatureScheme,
  input: SignInput,
  secret: SecretInput | readonly SecretInput[],
): ReturnType<SignatureScheme['sign']> {
  const secrets = secretList(secret)
  if (secrets.length === 1) return scheme.sign(input, secrets[0]!)
  if (!scheme.signWithEach) throw new TypeError(`crm-webhooks: the ${scheme.kind} scheme signs with one secret, not ${secrets.length}`)
  return scheme.signWithEach(input, secrets)
}

