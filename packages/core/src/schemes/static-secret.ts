/**
 * A static shared secret carried verbatim in a header: Auto-Respond's REST Webhook sends the card's
 * "Secret key" as `X-Secret-Key` on every request, and the receiver compares it with the configured one
 * (seed 004, "What your endpoint should do"). Nothing is signed, so nothing about the body or the time is
 * proven; the comparison is still constant-time so the secret cannot be guessed byte by byte.
 *
 * @module
 */
import { SignatureVerificationError } from '../errors.js'
import type { SecretInput, SignatureScheme, SignedRequest, VerifyResult } from '../types.js'
import { timingSafeEqualSecret, toBytes } from './crypto.js'
import { normalizeSecrets } from './secrets.js'

/** Options of {@link createStaticSecretScheme}. */
export interface StaticSecretSchemeOptions {
  /** The header carrying the secret, e.g. `X-Secret-Key`. */
  header: string
}

/** A configured static secret: its text (what is sent), its bytes (what is compared) and its label. */
export interface PreparedStaticSecret {
  readonly text: string
  readonly bytes: Uint8Array
  readonly label: string | undefined
}

// Header values are byte strings that runtimes decode differently (Node as latin1, Fetch as a ByteString),
// so only printable ASCII reads back identically everywhere; any other secret could never match.
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

function prepareStaticSecret(value: string | Uint8Array, label: string | undefined, index: number): PreparedStaticSecret {
  let text: string
  try {
    text = typeof value === 'string' ? value : strictUtf8.decode(value)
  } catch {
    throw new TypeError(`crm-webhooks: static secret #${index} is not valid UTF-8 text`)
  }
  if (!PRINTABLE_ASCII.test(text)) {
    throw new TypeError(`crm-webhooks: static secret #${index} must be printable ASCII to travel in an HTTP header`)
  }
  // Checked for text already; bytes (a Buffer read from a file) come here: HTTP strips a header value's edges.
  if (text.trim() !== text) throw new TypeError(`crm-webhooks: static secret #${index} has leading or trailing whitespace`)
  return { text, bytes: toBytes(text), label }
}

/**
 * Creates a static shared-secret scheme: the request is genuine when the header equals a configured secret.
 * Every configured secret is compared, whatever matched first, and each comparison takes time that depends
 * only on the configured secret's length, so neither the secret's content, its length nor which one of
 * several matched leaks through timing. `checksTimestamp` is false: the sender signs no time.
 *
 * @example
 * ```ts
 * const scheme = createStaticSecretScheme({ header: 'X-Secret-Key' })
 * const secrets = scheme.prepareSecrets(['new-key', { value: 'old-key', label: 'before regenerate' }])
 * scheme.sign({ body: '{}' }, 'new-key') // { 'X-Secret-Key': 'new-key' }
 * ```
 */
export function createStaticSecretScheme(options: StaticSecretSchemeOptions): SignatureScheme<PreparedStaticSecret[]> {
  const headerName = options.header
  if (typeof headerName !== 'string' || headerName.length === 0) {
    throw new TypeError('crm-webhooks: createStaticSecretScheme needs a header name')
  }

  return {
    kind: 'static-secret',
    signatureHeader: headerName,
    signedHeaders: [],
    checksTimestamp: false,
    prepareSecrets(secrets: readonly SecretInput[]) {
      return normalizeSecrets(secrets).map((secret) => prepareStaticSecret(secret.value, secret.label, secret.index))
    },
    verify(request: SignedRequest, secrets: PreparedStaticSecret[]): VerifyResult {
      const headerValue = request.header(headerName)
      if (headerValue === undefined || headerValue === '') {
        throw new SignatureVerificationError('missing_signature', `missing ${headerName} header`)
      }
      const presented = toBytes(headerValue)
      let matchedIndex = -1
      // No early exit: every secret is compared even after a match.
      for (let index = 0; index < secrets.length; index++) {
        const equal = timingSafeEqualSecret(secrets[index]!.bytes, presented)
        if (equal && matchedIndex === -1) matchedIndex = index
      }
      if (matchedIndex === -1) {
        throw new SignatureVerificationError('invalid_signature', `${headerName} does not match any configured secret`)
      }
      return { secretIndex: matchedIndex, secretLabel: secrets[matchedIndex]!.label }
    },
    sign(_input, secret) {
      const [normalized] = normalizeSecrets([secret])
      return { [headerName]: prepareStaticSecret(normalized!.value, undefined, 0).text }
    },
  }
}
