/**
 * fast-check generators shared by the property tests: bodies (valid UTF-8 JSON, arbitrary bytes with
 * invalid UTF-8), secrets, header sets and single-byte mutations. Test support only; not exported by
 * the package.
 *
 * @module
 */
import fc from 'fast-check'

/**
 * How many runs each property gets. The machine is two shared cores: enough runs to find a broken
 * invariant (each run is one HMAC and a few allocations), few enough to keep the suite to seconds.
 * `FC_NUM_RUNS` raises it for a deliberate long fuzzing session.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbitraryBodyBytes, check), { numRuns: PROPERTY_RUNS })
 * ```
 */
export const PROPERTY_RUNS = Number(process.env.FC_NUM_RUNS ?? 150)

/**
 * Any body bytes, about half of them not valid UTF-8 (lone continuation bytes, truncated sequences).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbitraryBodyBytes, (body) => verifies(sign(body))))
 * ```
 */
export const arbitraryBodyBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 512 }),
  fc.string({ unit: 'binary', maxLength: 256 }).map((text) => new TextEncoder().encode(text)),
  // Valid UTF-8 with one byte forced into a continuation byte: invalid, yet close to real text.
  fc
    .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 128 }), fc.nat())
    .map(([text, at]) => {
      const bytes = new TextEncoder().encode(text)
      bytes[at % bytes.length] = 0x80 | (bytes[at % bytes.length]! & 0x3f)
      return bytes
    }),
)

/**
 * A string secret as a user configures it: any Unicode, non-empty, no leading or trailing whitespace.
 *
 * @example
 * ```ts
 * fc.property(arbitraryTextSecret, (secret) => ...)
 * ```
 */
export const arbitraryTextSecret: fc.Arbitrary<string> = fc
  .string({ unit: 'binary', minLength: 1, maxLength: 64 })
  .filter((secret) => secret.trim() === secret && secret.length > 0)

/**
 * A secret as a string or as raw key bytes.
 *
 * @example
 * ```ts
 * fc.property(arbitrarySecret, (secret) => scheme.prepareSecrets([secret]))
 * ```
 */
export const arbitrarySecret: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  arbitraryTextSecret,
  fc.uint8Array({ minLength: 1, maxLength: 64 }),
)

/**
 * A secret long and distinctive enough that finding it in a response can only mean it leaked, never
 * that a random response happened to contain a one-letter secret.
 *
 * @example
 * ```ts
 * fc.property(arbitraryLeakCanary, (secret) => !response.body.includes(secret))
 * ```
 */
export const arbitraryLeakCanary: fc.Arbitrary<string> = fc
  .string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), minLength: 24, maxLength: 40 })
  .map((tail) => `sk_canary_${tail}`)

/**
 * Header names that are valid HTTP tokens, in any case.
 *
 * @example
 * ```ts
 * fc.dictionary(arbitraryHeaderName, fc.string())
 * ```
 */
export const arbitraryHeaderName: fc.Arbitrary<string> = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,24}$/)

/**
 * Random headers besides the ones a test controls: noise the pipeline must ignore or reject cleanly.
 *
 * @example
 * ```ts
 * fc.property(arbitraryHeaderNoise, (noise) => ({ ...noise, ...signatureHeaders }))
 * ```
 */
export const arbitraryHeaderNoise: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  arbitraryHeaderName,
  fc.string({ unit: fc.constantFrom(...' !#$%&*+-.0123456789:;=?@ABCXYZ^_abcxyz|~,'), maxLength: 40 }),
  { maxKeys: 6 },
)

/**
 * Writes `name` in a random mix of upper and lower case: header names are case-insensitive.
 *
 * @example
 * ```ts
 * fc.property(arbitraryCasing('X-Webhook-Signature'), (name) => ...)
 * ```
 */
export function arbitraryCasing(name: string): fc.Arbitrary<string> {
  return fc
    .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
    .map((uppers) => [...name].map((char, index) => (uppers[index] ? char.toUpperCase() : char.toLowerCase())).join(''))
}

/**
 * Returns a copy of `bytes` with exactly one byte changed (a non-zero XOR at `position % length`).
 *
 * @example
 * ```ts
 * flipByte(new Uint8Array([1, 2]), 1, 0xff) // Uint8Array [1, 253]
 * ```
 */
export function flipByte(bytes: Uint8Array, position: number, xor: number): Uint8Array {
  const copy = new Uint8Array(bytes)
  const mask = xor & 0xff || 1
  copy[position % copy.length] = copy[position % copy.length]! ^ mask
  return copy
}

/**
 * Returns `text` with the character at `position % length` replaced by a different printable ASCII one.
 *
 * @example
 * ```ts
 * replaceChar('abc', 1, 0) // 'a c' (printable ASCII starts at the space, 0x20) — never 'abc'
 * ```
 */
export function replaceChar(text: string, position: number, choice: number): string {
  const at = position % text.length
  const printable = Array.from({ length: 95 }, (_, offset) => String.fromCharCode(32 + offset)).filter(
    (char) => char !== text[at],
  )
  return text.slice(0, at) + printable[choice % printable.length] + text.slice(at + 1)
}
