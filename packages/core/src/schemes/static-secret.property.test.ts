import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SignatureVerificationError } from '../errors.js'
import { createHeaderReader } from '../pipeline/headers.js'
import {
  PROPERTY_RUNS,
  arbitraryBodyBytes,
  arbitraryCasing,
  arbitraryHeaderNoise,
  replaceChar,
} from '../reliability/request-arbitraries.js'
import type { VerifyResult } from '../types.js'
import { createStaticSecretScheme } from './static-secret.js'

const HEADER = 'X-Secret-Key'
const scheme = createStaticSecretScheme({ header: HEADER })
const VERIFY_OPTIONS = { toleranceSeconds: 300, nowMs: 0 }

// What Auto-Respond's card can hold: printable ASCII, no space at either end.
const arbitraryKey = fc
  .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 48 })
  .filter((key) => key.trim() === key && key.length > 0)

function verify(headers: Record<string, string | string[]>, body: Uint8Array, secrets: readonly string[]) {
  try {
    const prepared = scheme.prepareSecrets(secrets)
    return { accepted: scheme.verify({ header: createHeaderReader(headers), body }, prepared, VERIFY_OPTIONS) as VerifyResult }
  } catch (error) {
    return { rejected: error }
  }
}

describe('static secret (X-Secret-Key) properties', () => {
  it('accepts a header exactly when it equals a configured secret, naming the first equal one', () => {
    fc.assert(
      fc.property(
        arbitraryBodyBytes,
        fc.array(arbitraryKey, { minLength: 1, maxLength: 4 }),
        fc.oneof(arbitraryKey, fc.nat().map(String)),
        fc.option(fc.nat(), { nil: undefined }),
        arbitraryCasing(HEADER),
        arbitraryHeaderNoise,
        (body, secrets, other, pick, headerName, noise) => {
          const presented = pick === undefined ? other : secrets[pick % secrets.length]!
          const outcome = verify({ ...noise, [headerName]: presented }, body, secrets)
          const index = secrets.indexOf(presented)
          if (index === -1) expect(outcome).toEqual({ rejected: expect.objectContaining({ code: 'invalid_signature' }) })
          else expect(outcome).toEqual({ accepted: expect.objectContaining({ secretIndex: index }) })
        },
      ),
      { numRuns: PROPERTY_RUNS },
    )
  })

  it('rejects any single-character change, a missing character and an extra one', () => {
    fc.assert(
      fc.property(arbitraryKey, fc.nat(), fc.nat(), fc.constantFrom('replace', 'drop', 'append'), (secret, position, choice, change) => {
        const presented =
          change === 'replace'
            ? replaceChar(secret, position, choice)
            : change === 'drop'
              ? secret.slice(0, position % secret.length) + secret.slice((position % secret.length) + 1)
              : secret + String.fromCharCode(33 + (choice % 94))
        const outcome = verify({ [HEADER]: presented }, new Uint8Array(), [secret])
        expect(outcome).toEqual({ rejected: expect.any(SignatureVerificationError) })
      }),
      { numRuns: PROPERTY_RUNS },
    )
  })

  it('rejects the secret sent twice (a duplicated header) and throws nothing but a SignatureVerificationError', () => {
    fc.assert(
      fc.property(
        arbitraryKey,
        arbitraryCasing(HEADER),
        fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 })),
        fc.boolean(),
        (secret, headerName, junk, duplicated) => {
          const value = duplicated ? [secret, secret] : junk
          const outcome = verify({ [headerName]: value }, new Uint8Array(), [secret])
          if (duplicated) expect(outcome).toEqual({ rejected: expect.objectContaining({ code: 'invalid_signature' }) })
          if ('rejected' in outcome) expect(outcome.rejected).toBeInstanceOf(SignatureVerificationError)
        },
      ),
      { numRuns: PROPERTY_RUNS },
    )
  })
})
