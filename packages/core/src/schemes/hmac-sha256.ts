/**
 * HMAC-SHA256 of the raw body, carried in one header: AutomateNexus (`X-AutomateNexus-Signature`),
 * ConnectGain and Customermates (`X-Webhook-Signature`), the workflow platform (`X-Hmac-Signature`).
 * The seeds show lower-case hex digests; other encodings or a `sha256=` prefix are options for
 * providers that define them.
 *
 * @module
 */
import { SignatureVerificationError } from '../errors.js'
import type { SecretInput, SignatureScheme, SignedRequest, VerifyResult } from '../types.js'
import { type CryptoEngine, type HmacKey, createHmacKey, getDefaultCryptoEngine, timingSafeEqualBytes } from './crypto.js'
import { decodeBase64, decodeHex, encodeBase64, encodeHex } from './encoding.js'
import { isThenable, mapMaybePromise } from './maybe-promise.js'
import { normalizeSecrets } from './secrets.js'

const SPACE = 0x20
const TAB = 0x09

/**
 * The value without surrounding spaces and tabs (RFC 9110 OWS), and only those: `trim()` would also take
 * NBSP, VT and FF, giving one signature other accepted spellings. Two index scans, linear in the length
 * of the value: a regex's `[ \t]+$` backtracks over every run of spaces inside it, so an unsigned header
 * of 16 KB spaces (kept from `trim()` by a final NBSP) took a tenth of a second before any HMAC.
 */
function withoutOptionalWhitespace(value: string): string {
  let start = 0
  let end = value.length
  while (start < end && (value.charCodeAt(start) === SPACE || value.charCodeAt(start) === TAB)) start++
  while (end > start && (value.charCodeAt(end - 1) === SPACE || value.charCodeAt(end - 1) === TAB)) end--
  return start === 0 && end === value.length ? value : value.slice(start, end)
}

/** Options of {@link createHmacSha256Scheme}. */
export interface HmacSha256SchemeOptions {
  /** The header carrying the signature, e.g. `X-AutomateNexus-Signature`. */
  header: string
  /** How the digest is written; default `hex`. */
  encoding?: 'hex' | 'base64'
  /** A prefix before the digest, e.g. `sha256=`; default none. */
  prefix?: string
  /** Crypto primitives; default node:crypto where available, else Web Crypto. */
  engine?: CryptoEngine
}

/** Secrets prepared for HMAC: key material plus label. */
export interface PreparedHmacSecret {
  readonly key: HmacKey
  readonly label: string | undefined
}

const SHA256_BYTES = 32

/**
 * Creates an HMAC-SHA256 body-signature scheme.
 *
 * @example
 * ```ts
 * const scheme = createHmacSha256Scheme({ header: 'X-AutomateNexus-Signature' })
 * const headers = await scheme.sign({ body: '{"event":"contact.created"}' }, 'secret')
 * ```
 */
export function createHmacSha256Scheme(options: HmacSha256SchemeOptions): SignatureScheme<PreparedHmacSecret[]> {
  const encoding = options.encoding ?? 'hex'
  const prefix = options.prefix ?? ''
  const headerName = options.header
  // Header readers look names up in lower case: handing them one saves a toLowerCase copy per request.
  const headerKey = headerName.toLowerCase()
  const engineOption = options.engine

  function decodeSignature(value: string): Uint8Array | undefined {
    if (!value.startsWith(prefix)) return undefined
    // Lower- and upper-case hex both appear in the wild (Python's hexdigest is lower, some senders upper).
    return encoding === 'hex' ? decodeHex(value, prefix.length) : decodeBase64(value.slice(prefix.length))
  }

  function encodeSignature(digest: Uint8Array): string {
    return prefix + (encoding === 'hex' ? encodeHex(digest) : encodeBase64(digest))
  }

  return {
    kind: 'hmac-sha256',
    signatureHeader: headerName,
    signedHeaders: [],
    checksTimestamp: false,
    prepareSecrets(secrets: readonly SecretInput[]) {
      return normalizeSecrets(secrets).map((secret) => ({ key: createHmacKey(secret.value), label: secret.label }))
    },
    verify(request: SignedRequest, secrets: PreparedHmacSecret[]) {
      const headerValue = request.header(headerKey)
      if (headerValue === undefined || headerValue === '') {
        throw new SignatureVerificationError('missing_signature', `missing ${headerName} header`)
      }
      const signature = decodeSignature(withoutOptionalWhitespace(headerValue))
      if (signature === undefined || signature.length !== SHA256_BYTES) {
        throw new SignatureVerificationError('invalid_signature', `${headerName} is not a well-formed HMAC-SHA256 ${encoding} digest`)
      }
      return matchDigest(engineOption ?? getDefaultCryptoEngine(), secrets, [request.body], [signature], headerName)
    },
    sign(input, secret) {
      const [prepared] = normalizeSecrets([secret])
      const digest = (engineOption ?? getDefaultCryptoEngine()).hmacSha256(createHmacKey(prepared!.value), [input.body])
      return mapMaybePromise(digest, (bytes) => ({ [headerName]: encodeSignature(bytes) }))
    },
  }
}

/**
 * Computes the HMAC of `parts` under each secret and compares it, in constant time, with each candidate
 * signature. Synchronous when the engine is (node:crypto), a promise otherwise.
 *
 * @example
 * ```ts
 * matchDigest(engine, secrets, [body], [signatureBytes], 'X-Webhook-Signature') // { secretIndex: 0 }
 * ```
 */
export function matchDigest(
  engine: CryptoEngine,
  secrets: readonly PreparedHmacSecret[],
  parts: ReadonlyArray<Uint8Array | string>,
  signatures: readonly Uint8Array[],
  headerName: string,
): VerifyResult | Promise<VerifyResult> {
  if (secrets.length === 1) {
    // One secret, the common case: on a synchronous engine (node:crypto), no array, closure or promise.
    const digest = engine.hmacSha256(secrets[0]!.key, parts)
    if (isThenable(digest)) return Promise.resolve(digest).then((computed) => firstMatch([computed], secrets, signatures, headerName))
    if (matchesAnySignature(digest, signatures)) return { secretIndex: 0, secretLabel: secrets[0]!.label }
    throw noMatch(headerName)
  }
  const digests: Array<Uint8Array | Promise<Uint8Array>> = []
  let pending = false
  for (const secret of secrets) {
    const digest = engine.hmacSha256(secret.key, parts)
    pending ||= isThenable(digest)
    digests.push(digest)
  }
  if (pending) {
    return Promise.all(digests).then((computed) => firstMatch(computed, secrets, signatures, headerName))
  }
  return firstMatch(digests as Uint8Array[], secrets, signatures, headerName)
}

function matchesAnySignature(digest: Uint8Array, signatures: readonly Uint8Array[]): boolean {
  for (let index = 0; index < signatures.length; index++) {
    if (timingSafeEqualBytes(digest, signatures[index]!)) return true
  }
  return false
}

function noMatch(headerName: string): SignatureVerificationError {
  return new SignatureVerificationError('invalid_signature', `${headerName} does not match any configured secret`)
}

function firstMatch(
  computed: readonly Uint8Array[],
  secrets: readonly PreparedHmacSecret[],
  signatures: readonly Uint8Array[],
  headerName: string,
): VerifyResult {
  for (let secretIndex = 0; secretIndex < computed.length; secretIndex++) {
    if (matchesAnySignature(computed[secretIndex]!, signatures)) return { secretIndex, secretLabel: secrets[secretIndex]!.label }
  }
  throw noMatch(headerName)
}
