/**
 * HMAC-SHA256, SHA-256 and constant-time comparison, on node:crypto where the runtime has it and Web Crypto
 * elsewhere (Workers, browsers). node:crypto is reached through `process.getBuiltinModule`, so no bundler
 * or Web runtime ever sees a static `node:crypto` import; its synchronous HMAC is what keeps verification
 * near the cost of a bare `createHmac` (Web Crypto's awaited sign costs a thread-pool hand-off per call).
 *
 * @module
 */
import { loadNodeBuiltin } from '../node-builtin.js'
import type { MaybePromise } from '../types.js'
import { concatBytes, encodeHex } from './encoding.js'
import { mapMaybePromise } from './maybe-promise.js'

type NodeCrypto = typeof import('node:crypto')

/** A secret's key material, prepared once per receiver. */
export interface HmacKey {
  readonly bytes: Uint8Array
  /** Web Crypto key, imported on first use (typed from `globalThis.crypto`, which @types/node declares, not DOM's `CryptoKey`). */
  webKey?: ReturnType<typeof globalThis.crypto.subtle.importKey>
}

/** The primitives the schemes need. Injectable, so a test or a runtime can bring its own. */
export interface CryptoEngine {
  readonly name: string
  /** HMAC-SHA256 over the concatenation of `parts` (strings are UTF-8). */
  hmacSha256(key: HmacKey, parts: ReadonlyArray<Uint8Array | string>): MaybePromise<Uint8Array>
  sha256(data: Uint8Array): MaybePromise<Uint8Array>
  /**
   * Lower-case hex SHA-256, for keys built from a digest (a body's idempotency key). Optional: without
   * it, callers hex-encode `sha256`. node:crypto writes the hex itself, in a third of the time.
   */
  sha256Hex?(data: Uint8Array): MaybePromise<string>
}

const textEncoder = new TextEncoder()

/** UTF-8 bytes of a string; bytes pass through untouched. */
export function toBytes(value: Uint8Array | string): Uint8Array {
  return typeof value === 'string' ? textEncoder.encode(value) : value
}

/**
 * An engine on node:crypto: synchronous, no copies of the body.
 *
 * @example
 * ```ts
 * import * as nodeCrypto from 'node:crypto'
 * const scheme = createHmacSha256Scheme({ header: 'X-Signature', engine: createNodeCryptoEngine(nodeCrypto) })
 * ```
 */
export function createNodeCryptoEngine(nodeCrypto: NodeCrypto): CryptoEngine {
  // crypto.hash (Node 20.12+) digests in one call, without a Hash object: twice as fast on a small body.
  const hashOnce = typeof nodeCrypto.hash === 'function' ? nodeCrypto.hash : undefined
  return {
    name: 'node:crypto',
    hmacSha256(key, parts) {
      const hmac = nodeCrypto.createHmac('sha256', key.bytes)
      for (const part of parts) hmac.update(part)
      return hmac.digest()
    },
    sha256(data) {
      return hashOnce ? hashOnce('sha256', data, 'buffer') : nodeCrypto.createHash('sha256').update(data).digest()
    },
    sha256Hex(data) {
      return hashOnce ? hashOnce('sha256', data, 'hex') : nodeCrypto.createHash('sha256').update(data).digest('hex')
    },
  }
}

/**
 * An engine on Web Crypto (`crypto.subtle`), for runtimes without node:crypto. Its verifications are promises:
 * each awaits a `subtle.sign`.
 *
 * @example
 * ```ts
 * const scheme = createHmacSha256Scheme({ header: 'X-Signature', engine: createWebCryptoEngine() })
 * ```
 */
export function createWebCryptoEngine(subtle: typeof globalThis.crypto.subtle = globalThis.crypto.subtle): CryptoEngine {
  return {
    name: 'webcrypto',
    async hmacSha256(key, parts) {
      key.webKey ??= subtle.importKey('raw', key.bytes as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
      const message = parts.length === 1 ? toBytes(parts[0]!) : concatBytes(parts.map(toBytes))
      return new Uint8Array(await subtle.sign('HMAC', await key.webKey, message as BufferSource))
    },
    async sha256(data) {
      return new Uint8Array(await subtle.digest('SHA-256', data as BufferSource))
    },
  }
}

let defaultEngine: CryptoEngine | undefined

/**
 * The fastest engine this runtime has: node:crypto (Node, Bun, Deno) or Web Crypto.
 *
 * @example
 * ```ts
 * const digest = await getDefaultCryptoEngine().hmacSha256(createHmacKey('secret'), ['body'])
 * ```
 */
export function getDefaultCryptoEngine(): CryptoEngine {
  if (defaultEngine) return defaultEngine
  const nodeCrypto = loadNodeBuiltin<NodeCrypto>('node:crypto')
  defaultEngine = nodeCrypto ? createNodeCryptoEngine(nodeCrypto) : createWebCryptoEngine()
  return defaultEngine
}

/**
 * Lower-case hex SHA-256 of `data` on the default engine: synchronous on node:crypto, a promise on Web Crypto.
 *
 * @example
 * ```ts
 * const hex = await sha256HexOf(new TextEncoder().encode('body'))
 * ```
 */
export function sha256HexOf(data: Uint8Array): MaybePromise<string> {
  const engine = getDefaultCryptoEngine()
  return engine.sha256Hex ? engine.sha256Hex(data) : mapMaybePromise(engine.sha256(data), encodeHex)
}

/**
 * Key material for a secret; strings are UTF-8, as every seed sender keys its HMAC with the secret's text.
 *
 * @example
 * ```ts
 * const key = createHmacKey('my-signing-secret')
 * ```
 */
export function createHmacKey(secret: Uint8Array | string): HmacKey {
  return { bytes: toBytes(secret) }
}

/**
 * Compares two byte strings in time that depends on `expected`'s length and on whether `actual` has the
 * same length, never on where they differ: for a digest, whose length is public, nothing leaks. (A static
 * secret's length is itself secret: timingSafeEqualSecret compares it without the same-length fast path.)
 *
 * @example
 * ```ts
 * timingSafeEqualBytes(computedDigest, signatureFromHeader) // boolean
 * ```
 */
export function timingSafeEqualBytes(expected: Uint8Array, actual: Uint8Array): boolean {
  const length = expected.length
  if (actual.length === length) {
    // The usual case, apart so its loop has no modulo (an integer division per byte costs more than the
    // rest of the comparison). Which branch runs reveals only whether the lengths match, which the caller
    // of a digest comparison knows already.
    let difference = 0
    for (let index = 0; index < length; index++) difference |= expected[index]! ^ actual[index]!
    return difference === 0
  }
  // The same work as any other length would cost: false, since the lengths differ.
  return timingSafeEqualSecret(expected, actual)
}

/**
 * Whether `presented` equals `secret`, in time that depends only on the secret's length. Unlike a digest's,
 * a secret's length is itself secret, so there is no fast path for a presented value of the same length
 * (timingSafeEqualBytes has one, which times "right length" apart from "wrong length").
 *
 * @example
 * ```ts
 * timingSafeEqualSecret(configuredKeyBytes, headerValueBytes) // boolean
 * ```
 */
export function timingSafeEqualSecret(secret: Uint8Array, presented: Uint8Array): boolean {
  const presentedLength = presented.length
  let difference = secret.length ^ presentedLength
  for (let index = 0; index < secret.length; index++) {
    difference |= secret[index]! ^ (presentedLength === 0 ? 0 : presented[index % presentedLength]!)
  }
  return difference === 0
}

/**
 * Compares two strings as their UTF-8 bytes through timingSafeEqualBytes: in time that depends on `expected`'s
 * length and on whether `actual` has the same length, never on where they differ. For values whose length is
 * public, like a hex or base64 digest. Not for a secret (a configured key against a header value): its
 * same-length fast path times a right-length guess apart from a wrong one; compare a secret's bytes with
 * timingSafeEqualSecret, as createStaticSecretScheme does.
 *
 * @example
 * ```ts
 * timingSafeEqualStrings(computedSignatureHex, signatureFromHeader) // boolean
 * // A secret: timingSafeEqualSecret(encoder.encode(configuredKey), encoder.encode(headerValue)), encoder a TextEncoder
 * ```
 */
export function timingSafeEqualStrings(expected: string, actual: string): boolean {
  return timingSafeEqualBytes(textEncoder.encode(expected), textEncoder.encode(actual))
}
