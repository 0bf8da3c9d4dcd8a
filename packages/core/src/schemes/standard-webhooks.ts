/**
 * Standard Webhooks (https://www.standardwebhooks.com, spec section "Signature scheme"): the sender signs
 * `${webhook-id}.${webhook-timestamp}.${body}` with HMAC-SHA256 and sends `webhook-signature` as
 * space-separated `v1,<base64>` entries, so a rotating sender can sign with several keys at once.
 *
 * Choices where the spec leaves room:
 * - A secret is `whsec_<base64>`; one without the prefix is decoded as base64 too, as the reference
 *   libraries do. Bytes (`Uint8Array`) are used as the key as they are. Base64 must be canonical; its
 *   `=` padding may be left off (a secret copied without it), as the reference libraries take it. Anything
 *   else is a `TypeError` at configuration time. (Signatures must be padded: one spelling each.)
 * - A timestamp that is not a plain run of decimal digits (NaN, a float, a sign, spaces) is
 *   `invalid_signature`; one outside the tolerance, in either direction, is `timestamp_out_of_tolerance`.
 *   The timestamp is checked before any HMAC is computed, so replays cost nothing.
 * - Entries of other versions (`v1a`, ...) and malformed `v1` entries are skipped; at most
 *   `maxSignatures` `v1` entries are examined, the rest ignored, so a huge header costs bounded work.
 *   A `webhook-signature` header sent twice is read as one list (the copies arrive joined by `, `).
 * - The tolerance is measured in milliseconds against `nowMs`: exactly `toleranceSeconds` away is
 *   accepted, in either direction, and anything further is not.
 *
 * @module
 */
import { SignatureVerificationError } from '../errors.js'
import type { MaybePromise, SecretInput, SignInput, SignatureScheme, SignedRequest, VerifyOptions, VerifyResult } from '../types.js'
import { type CryptoEngine, createHmacKey, getDefaultCryptoEngine } from './crypto.js'
import { decodeBase64, encodeBase64 } from './encoding.js'
import { type PreparedHmacSecret, matchDigest } from './hmac-sha256.js'
import { isThenable, mapMaybePromise } from './maybe-promise.js'
import { normalizeSecrets } from './secrets.js'

/** Options of {@link createStandardWebhooksScheme}. */
export interface StandardWebhooksSchemeOptions {
  /** Crypto primitives; default node:crypto where available, else Web Crypto. */
  engine?: CryptoEngine
  /** How many `v1` entries of `webhook-signature` are examined at most; default 8. */
  maxSignatures?: number
}

/**
 * The default bound on examined `v1` signatures: rotation needs two; a sender never sends dozens.
 *
 * @example
 * ```ts
 * createStandardWebhooksScheme({ maxSignatures: DEFAULT_MAX_SIGNATURES / 2 })
 * ```
 */
export const DEFAULT_MAX_SIGNATURES = 8

const ID_HEADER = 'webhook-id'
const TIMESTAMP_HEADER = 'webhook-timestamp'
const SIGNATURE_HEADER = 'webhook-signature'
const SECRET_PREFIX = 'whsec_'
const SHA256_BYTES = 32
// Unix seconds as decimal digits only: rejects '', ' 1', '1.5', '1e9', '-1', 'NaN' and absurd lengths.
const TIMESTAMP_PATTERN = /^[0-9]{1,15}$/

// The prefix as bytes: a `whsec_` secret read from a file as a Buffer is text to decode, not a raw key.
const SECRET_PREFIX_BYTES = new TextEncoder().encode(SECRET_PREFIX)

function decodeStandardSecret(value: string | Uint8Array, index: number): Uint8Array {
  if (value instanceof Uint8Array) {
    if (SECRET_PREFIX_BYTES.every((byte, at) => value[at] === byte)) {
      throw new TypeError(`crm-webhooks: Standard Webhooks secret #${index} is the bytes of a whsec_ text: pass the text (bytes are the raw key)`)
    }
    return value
  }
  const encoded = value.startsWith(SECRET_PREFIX) ? value.slice(SECRET_PREFIX.length) : value
  const key = decodeBase64(encoded.length % 4 === 0 ? encoded : encoded + '='.repeat(4 - (encoded.length % 4)))
  if (key === undefined || key.length === 0) {
    throw new TypeError(`crm-webhooks: Standard Webhooks secret #${index} is not whsec_ followed by base64`)
  }
  return key
}

function prepareStandardSecrets(secrets: readonly SecretInput[]): PreparedHmacSecret[] {
  return normalizeSecrets(secrets).map((secret) => ({
    key: createHmacKey(decodeStandardSecret(secret.value, secret.index)),
    label: secret.label,
  }))
}

function requireHeader(request: SignedRequest, name: string): string {
  const value = request.header(name)
  if (value === undefined || value === '') {
    throw new SignatureVerificationError('missing_signature', `missing ${name} header`)
  }
  return value
}

function checkTimestamp(text: string, options: VerifyOptions): number {
  if (!TIMESTAMP_PATTERN.test(text)) {
    throw new SignatureVerificationError('invalid_signature', `${TIMESTAMP_HEADER} is not an integer number of Unix seconds`)
  }
  const seconds = Number(text)
  const distanceMs = options.nowMs - seconds * 1000
  const toleranceMs = options.toleranceSeconds * 1000
  if (distanceMs > toleranceMs) {
    throw new SignatureVerificationError('timestamp_out_of_tolerance', `${TIMESTAMP_HEADER} is older than the tolerance`)
  }
  if (-distanceMs > toleranceMs) {
    throw new SignatureVerificationError('timestamp_out_of_tolerance', `${TIMESTAMP_HEADER} is further in the future than the tolerance`)
  }
  return seconds
}

function parseSignatures(headerValue: string, maxSignatures: number): Uint8Array[] {
  const signatures: Uint8Array[] = []
  let examined = 0
  for (const token of headerValue.split(' ')) {
    if (examined >= maxSignatures) break
    // A header sent twice arrives joined by ', ' (see createHeaderReader); base64 never ends in a comma.
    const entry = token.endsWith(',') ? token.slice(0, -1) : token
    const comma = entry.indexOf(',')
    if (comma === -1 || entry.slice(0, comma) !== 'v1') continue
    examined++
    const signature = decodeBase64(entry.slice(comma + 1))
    if (signature !== undefined && signature.length === SHA256_BYTES) signatures.push(signature)
  }
  return signatures
}

/**
 * Creates the Standard Webhooks scheme (headers `webhook-id`, `webhook-timestamp`, `webhook-signature`).
 * The result carries the signed id and timestamp, so the id can serve as the idempotency key.
 *
 * @example
 * ```ts
 * const scheme = createStandardWebhooksScheme()
 * const headers = await scheme.sign(
 *   { body: '{"type":"contact.created"}', id: 'msg_2b3c', timestampSeconds: Math.floor(Date.now() / 1000) },
 *   'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
 * )
 * // headers['webhook-signature'] === 'v1,<base64 HMAC>'
 * // Rotating: both signatures, space-separated, so a receiver holding either secret accepts.
 * const rotating = await scheme.signWithEach!({ body, id: 'msg_2b3c', timestampSeconds }, [oldSecret, newSecret])
 * // rotating['webhook-signature'] === 'v1,<old secret's> v1,<new secret's>'
 * ```
 */
export function createStandardWebhooksScheme(
  options: StandardWebhooksSchemeOptions = {},
): SignatureScheme<PreparedHmacSecret[]> {
  const maxSignatures = options.maxSignatures ?? DEFAULT_MAX_SIGNATURES
  if (!Number.isSafeInteger(maxSignatures) || maxSignatures < 1) {
    throw new TypeError(`crm-webhooks: maxSignatures must be a positive integer (got ${String(maxSignatures)})`)
  }
  const engineOption = options.engine

  // One signature per secret, space-separated in the one header: the specification's zero-downtime rotation.
  // At most `maxSignatures`, as many as a receiver of the same options examines: one signed past them would
  // never be checked.
  function signWithEach(input: SignInput, secrets: readonly SecretInput[]): MaybePromise<Record<string, string>> {
    const { id, timestampSeconds } = input
    if (typeof id !== 'string' || id.length === 0) {
      throw new TypeError('crm-webhooks: Standard Webhooks signing needs input.id (the webhook-id)')
    }
    // The signed content is `id.timestamp.body`: the specification says the id must never hold a `.`,
    // which would let one id and timestamp pass for another. The receiver stays lenient.
    if (id.includes('.')) throw new TypeError('crm-webhooks: a Standard Webhooks webhook-id must not contain "."')
    if (typeof timestampSeconds !== 'number' || !Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
      throw new TypeError('crm-webhooks: Standard Webhooks signing needs input.timestampSeconds as integer Unix seconds')
    }
    if (!Array.isArray(secrets) || secrets.length < 1 || secrets.length > maxSignatures) {
      throw new TypeError(
        `crm-webhooks: Standard Webhooks signs with 1 to ${maxSignatures} secrets at once, as many signatures as a receiver examines (got ${Array.isArray(secrets) ? secrets.length : 'no list'})`,
      )
    }
    const prepared = prepareStandardSecrets(secrets)
    const timestampText = String(timestampSeconds)
    const engine = engineOption ?? getDefaultCryptoEngine()
    const digests = prepared.map((secret) => engine.hmacSha256(secret.key, [`${id}.${timestampText}.`, input.body]))
    const headers = (each: readonly Uint8Array[]): Record<string, string> => ({
      [ID_HEADER]: id,
      [TIMESTAMP_HEADER]: timestampText,
      [SIGNATURE_HEADER]: each.map((bytes) => `v1,${encodeBase64(bytes)}`).join(' '),
    })
    return digests.some(isThenable) ? Promise.all(digests).then(headers) : headers(digests as Uint8Array[])
  }

  return {
    kind: 'standard-webhooks',
    signatureHeader: SIGNATURE_HEADER,
    signedHeaders: [ID_HEADER, TIMESTAMP_HEADER],
    checksTimestamp: true,
    maxSignatures,
    prepareSecrets: prepareStandardSecrets,
    verify(request: SignedRequest, secrets: PreparedHmacSecret[], verifyOptions: VerifyOptions) {
      const id = requireHeader(request, ID_HEADER)
      const timestampText = requireHeader(request, TIMESTAMP_HEADER)
      const signatureHeader = requireHeader(request, SIGNATURE_HEADER)
      const signedTimestamp = checkTimestamp(timestampText, verifyOptions)
      const signatures = parseSignatures(signatureHeader, maxSignatures)
      if (signatures.length === 0) {
        throw new SignatureVerificationError('invalid_signature', `${SIGNATURE_HEADER} holds no well-formed v1 signature`)
      }
      // The prefix is the exact header text; the body stays bytes, never decoded.
      const parts = [`${id}.${timestampText}.`, request.body]
      const matched = matchDigest(engineOption ?? getDefaultCryptoEngine(), secrets, parts, signatures, SIGNATURE_HEADER)
      // Spelled out: on Node 20's V8, `{ ...result, more }` costs over a microsecond per call.
      return mapMaybePromise(
        matched,
        (result): VerifyResult => ({ secretIndex: result.secretIndex, secretLabel: result.secretLabel, signedId: id, signedTimestamp }),
      )
    },
    sign: (input, secret) => signWithEach(input, [secret]),
    signWithEach,
  }
}
