/**
 * Secret lists, checked once when a receiver is created: a secret that can never match is a
 * configuration mistake and throws a `TypeError` then, not a 401 on every delivery later.
 *
 * @module
 */
import type { SecretInput } from '../types.js'

/**
 * At most this many secrets per receiver: rotation needs two or three; more only costs HMACs per forgery.
 *
 * @example
 * ```ts
 * createReceiver({ provider, secret: [currentSecret, previousSecret] }) // up to MAX_SECRETS
 * ```
 */
export const MAX_SECRETS = 10

/** A configured secret after its checks. */
export interface NormalizedSecret {
  readonly value: string | Uint8Array
  readonly label: string | undefined
  readonly index: number
}

/**
 * Checks and normalizes a list of secrets.
 *
 * @example
 * ```ts
 * normalizeSecrets(['new-secret', { value: 'old-secret', label: 'before-2026-11' }])
 * ```
 */
export function normalizeSecrets(secrets: readonly SecretInput[]): NormalizedSecret[] {
  if (secrets.length === 0) throw new TypeError('crm-webhooks: at least one secret is required')
  if (secrets.length > MAX_SECRETS) {
    throw new TypeError(`crm-webhooks: at most ${MAX_SECRETS} secrets may be configured at once (got ${secrets.length})`)
  }
  return secrets.map((secret, index) => {
    // Checked before reading it: a missing secret (an unset environment variable) must not end in an engine
    // message about destructuring.
    if (secret === null || (typeof secret !== 'object' && typeof secret !== 'string')) {
      const got = secret === null ? 'null' : typeof secret
      throw new TypeError(`crm-webhooks: secret #${index} must be a string, bytes or { value, label } (got ${got})`)
    }
    const { value, label } =
      typeof secret === 'string' || secret instanceof Uint8Array ? { value: secret, label: undefined } : secret
    if (typeof value === 'string') {
      if (value.length === 0) throw new TypeError(`crm-webhooks: secret #${index} is empty`)
      // A pasted secret with a stray space or newline never matches what the sender signs with.
      if (value.trim() !== value) throw new TypeError(`crm-webhooks: secret #${index} has leading or trailing whitespace`)
    } else if (value instanceof Uint8Array) {
      if (value.length === 0) throw new TypeError(`crm-webhooks: secret #${index} is empty`)
      // A copy: bytes the app wipes or reuses after configuring (a pooled Buffer, `fill(0)` once read) would
      // otherwise change the key under the receiver, to all zeros, which anyone can sign with.
      return { value: new Uint8Array(value), label, index }
    } else {
      throw new TypeError(`crm-webhooks: secret #${index} must be a string or bytes`)
    }
    return { value, label, index }
  })
}

/**
 * Accepts one secret or a list, as receiver options do.
 *
 * @example
 * ```ts
 * secretList('s') // ['s']
 * ```
 */
export function secretList(secret: SecretInput | readonly SecretInput[]): readonly SecretInput[] {
  return Array.isArray(secret) ? secret : [secret as SecretInput]
}
