import * as nodeCrypto from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SignatureVerificationError, WebhookError } from '../errors.js'
import { createHeaderReader } from '../pipeline/headers.js'
import {
  PROPERTY_RUNS,
  arbitraryBodyBytes,
  arbitraryCasing,
  arbitraryHeaderNoise,
  arbitrarySecret,
  flipByte,
  replaceChar,
} from '../reliability/request-arbitraries.js'
import type { HeaderInput, VerifyResult } from '../types.js'
import { cryptoEngines } from './__fixtures__/crypto-engines.js'
import { createHmacSha256Scheme } from './hmac-sha256.js'

const HEADER = 'X-Webhook-Signature'
const VERIFY_OPTIONS = { toleranceSeconds: 300, nowMs: Date.now() }

// An oracle independent of the scheme: node:crypto's HMAC over the key bytes.
function expectedDigest(secret: string | Uint8Array, body: Uint8Array): Buffer {
  return nodeCrypto.createHmac('sha256', typeof secret === 'string' ? new TextEncoder().encode(secret) : secret)
    .update(body)
    .digest()
}

function sameKey(left: string | Uint8Array, right: string | Uint8Array): boolean {
  const bytes = (secret: string | Uint8Array) => (typeof secret === 'string' ? new TextEncoder().encode(secret) : secret)
  return Buffer.compare(bytes(left), bytes(right)) === 0
}

type Outcome = { accepted: VerifyResult } | { rejected: unknown }

async function outcomeOf(run: () => unknown): Promise<Outcome> {
  try {
    return { accepted: (await run()) as VerifyResult }
  } catch (error) {
    return { rejected: error }
  }
}

const encodings = [
  { encoding: 'hex' as const, prefix: '' },
  { encoding: 'hex' as const, prefix: 'sha256=' },
  { encoding: 'base64' as const, prefix: '' },
]

describe.each(cryptoEngines)('HMAC-SHA256 properties on $name', ({ engine }) => {
  describe.each(encodings)('$encoding digests, prefix "$prefix"', ({ encoding, prefix }) => {
    const scheme = createHmacSha256Scheme({ header: HEADER, encoding, prefix, engine })
    const encode = (digest: Buffer) => prefix + digest.toString(encoding)
    const verify = (headers: HeaderInput, body: Uint8Array, secrets: unknown) =>
      outcomeOf(() => scheme.verify({ header: createHeaderReader(headers), body }, secrets as never, VERIFY_OPTIONS))

    it('accepts a body signed with any configured secret, naming the first secret with that key', async () => {
      await fc.assert(
        fc.asyncProperty(
          arbitraryBodyBytes,
          fc.array(arbitrarySecret, { minLength: 1, maxLength: 4 }),
          fc.nat(),
          arbitraryCasing(HEADER),
          arbitraryHeaderNoise,
          async (body, secrets, pick, headerName, noise) => {
            const signer = secrets[pick % secrets.length]!
            const headers = { ...noise, [headerName]: (await scheme.sign({ body }, signer))[HEADER]! }
            const outcome = await verify(headers, body, scheme.prepareSecrets(secrets))
            expect(outcome).toEqual({
              accepted: expect.objectContaining({ secretIndex: secrets.findIndex((secret) => sameKey(secret, signer)) }),
            })
          },
        ),
        { numRuns: PROPERTY_RUNS },
      )
    })

    it('accepts a header value exactly when it encodes the HMAC of the body under a configured key', async () => {
      const signatureValue = fc.oneof(
        fc.string({ maxLength: 80 }),
        fc.stringMatching(encoding === 'hex' ? /^[0-9a-fA-F]{62,66}$/ : /^[A-Za-z0-9+/]{42,44}={0,2}$/),
      )
      await fc.assert(
        fc.asyncProperty(arbitraryBodyBytes, arbitrarySecret, signatureValue, fc.boolean(), async (body, secret, value, real) => {
          const correct = encode(expectedDigest(secret, body))
          const presented = real ? correct : prefix + value
          const outcome = await verify({ [HEADER]: presented }, body, scheme.prepareSecrets([secret]))
          // Hex is case-insensitive (senders differ); base64 is compared exactly.
          const oracle = encoding === 'hex' ? presented.trim().toLowerCase() === correct : presented.trim() === correct
          expect('accepted' in outcome).toBe(oracle)
        }),
        { numRuns: PROPERTY_RUNS },
      )
    })

    it('rejects any single-byte change of the body', async () => {
      await fc.assert(
        fc.asyncProperty(
          arbitraryBodyBytes.filter((body) => body.length > 0),
          arbitrarySecret,
          fc.nat(),
          fc.integer({ min: 1, max: 255 }),
          async (body, secret, position, xor) => {
            const headers = await scheme.sign({ body }, secret)
            const outcome = await verify(headers, flipByte(body, position, xor), scheme.prepareSecrets([secret]))
            expect(outcome).toEqual({ rejected: expect.objectContaining({ code: 'invalid_signature' }) })
          },
        ),
        { numRuns: PROPERTY_RUNS },
      )
    })

    it('rejects any single-character change of the signature header, except a hex digit changing case', async () => {
      await fc.assert(
        fc.asyncProperty(arbitraryBodyBytes, arbitrarySecret, fc.nat(), fc.nat(), async (body, secret, position, choice) => {
          const signature = (await scheme.sign({ body }, secret))[HEADER]!
          const mutated = replaceChar(signature, position, choice)
          const outcome = await verify({ [HEADER]: mutated }, body, scheme.prepareSecrets([secret]))
          const sameDigest =
            encoding === 'hex' &&
            mutated.startsWith(prefix) &&
            mutated.slice(prefix.length).toLowerCase() === signature.slice(prefix.length)
          expect('accepted' in outcome).toBe(sameDigest)
        }),
        { numRuns: PROPERTY_RUNS },
      )
    })

    it.runIf(engine.name === 'node:crypto')(
      'rejects every other printable character at every position of the signature (exhaustive neighbours)',
      async () => {
        // Random positions rarely hit base64's last data character, whose low bits are padding: a lenient
        // decoder accepts four spellings there. So every position and every character is tried.
        await fc.assert(
          fc.asyncProperty(arbitraryBodyBytes, arbitrarySecret, async (body, secret) => {
            const signature = (await scheme.sign({ body }, secret))[HEADER]!
            const secrets = scheme.prepareSecrets([secret])
            const acceptedSpellings: string[] = []
            for (let position = 0; position < signature.length; position++) {
              for (let choice = 0; choice < 94; choice++) {
                const mutated = replaceChar(signature, position, choice)
                if ('accepted' in (await verify({ [HEADER]: mutated }, body, secrets))) acceptedSpellings.push(mutated)
              }
            }
            const caseOnly = (spelling: string) =>
              encoding === 'hex' &&
              spelling.startsWith(prefix) &&
              spelling.slice(prefix.length).toLowerCase() === signature.slice(prefix.length)
            expect(acceptedSpellings.filter((spelling) => !caseOnly(spelling))).toEqual([])
          }),
          { numRuns: 4 },
        )
      },
    )

    it('rejects a signature sent twice (a duplicated header), never picking one copy', async () => {
      await fc.assert(
        fc.asyncProperty(arbitraryBodyBytes, arbitrarySecret, arbitraryCasing(HEADER), async (body, secret, headerName) => {
          const signature = (await scheme.sign({ body }, secret))[HEADER]!
          const outcome = await verify({ [headerName]: [signature, signature] }, body, scheme.prepareSecrets([secret]))
          expect(outcome).toEqual({ rejected: expect.objectContaining({ code: 'invalid_signature' }) })
        }),
        { numRuns: Math.ceil(PROPERTY_RUNS / 3) },
      )
    })

    it('throws nothing but a SignatureVerificationError, whatever the headers', async () => {
      const anyHeaders = fc.oneof(
        arbitraryHeaderNoise,
        fc.tuple(arbitraryHeaderNoise, arbitraryCasing(HEADER), fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }))).map(
          ([noise, name, value]) => ({ ...noise, [name]: value }) as Record<string, string | string[]>,
        ),
      )
      await fc.assert(
        fc.asyncProperty(arbitraryBodyBytes, arbitrarySecret, anyHeaders, async (body, secret, headers) => {
          const outcome = await verify(headers, body, scheme.prepareSecrets([secret]))
          if ('rejected' in outcome) {
            expect(outcome.rejected).toBeInstanceOf(SignatureVerificationError)
            expect(outcome.rejected).toBeInstanceOf(WebhookError)
            expect(['missing_signature', 'invalid_signature']).toContain((outcome.rejected as WebhookError).code)
          }
        }),
        { numRuns: PROPERTY_RUNS },
      )
    })
  })
})
