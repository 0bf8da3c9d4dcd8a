/**
 * The vectors `scripts/generate-vectors.py` computed with Python's hmac/hashlib/base64, typed, with each
 * hex body decoded by Node's `Buffer` (not by the decoder under test). Test-only.
 *
 * @module
 */
import vectors from '../__vectors__/python-vectors.json' with { type: 'json' }

/** One HMAC-SHA256 vector: the UTF-8 secret, the body bytes and the digest in both encodings. */
export interface HmacVector {
  readonly name: string
  readonly secret: string
  readonly body: Uint8Array
  readonly hex: string
  readonly base64: string
}

/** One Standard Webhooks vector: what was signed and the `webhook-signature` Python produced. */
export interface StandardWebhooksVector {
  readonly name: string
  readonly secret: string
  readonly id: string
  readonly timestamp: number
  readonly body: Uint8Array
  readonly signature: string
}

/** One static-secret vector: the configured secret and the header bytes a sender puts on the wire. */
export interface StaticSecretVector {
  readonly secret: string
  readonly header: Uint8Array
}

function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

/**
 * The committed Python vectors, per scheme.
 *
 * @example
 * ```ts
 * for (const vector of pythonVectors.hmacSha256) expect(sign(vector.body, vector.secret)).toBe(vector.hex)
 * ```
 */
export const pythonVectors: {
  readonly hmacSha256: readonly HmacVector[]
  readonly standardWebhooks: readonly StandardWebhooksVector[]
  readonly staticSecret: readonly StaticSecretVector[]
} = {
  hmacSha256: vectors.hmacSha256.map(({ bodyHex, ...rest }) => ({ ...rest, body: fromHex(bodyHex) })),
  standardWebhooks: vectors.standardWebhooks.map(({ bodyHex, ...rest }) => ({ ...rest, body: fromHex(bodyHex) })),
  staticSecret: vectors.staticSecret.map(({ secret, headerHex }) => ({ secret, header: fromHex(headerHex) })),
}

/**
 * What a body parser plus `JSON.stringify` would hand a careless verifier: the body decoded as UTF-8,
 * parsed and re-serialized, as bytes; `undefined` when the body is not JSON.
 *
 * @example
 * ```ts
 * reserializeJson(new TextEncoder().encode('{"a":1.0}')) // bytes of '{"a":1}'
 * ```
 */
export function reserializeJson(body: Uint8Array): Uint8Array | undefined {
  try {
    return new TextEncoder().encode(JSON.stringify(JSON.parse(new TextDecoder().decode(body))))
  } catch {
    return undefined
  }
}
