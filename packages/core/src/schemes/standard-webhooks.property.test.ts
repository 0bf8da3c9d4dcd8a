import * as nodeCrypto from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SignatureVerificationError } from '../errors.js'
import { createHeaderReader } from '../pipeline/headers.js'
import {
  PROPERTY_RUNS,
  arbitraryBodyBytes,
  arbitraryCasing,
  arbitraryHeaderNoise,
  flipByte,
  replaceChar,
} from '../reliability/request-arbitraries.js'
import type { VerifyResult } from '../types.js'
import { cryptoEngines } from './__fixtures__/crypto-engines.js'
import { DEFAULT_MAX_SIGNATURES, createStandardWebhooksScheme } from './standard-webhooks.js'

const ID = 'webhook-id'
const TIMESTAMP = 'webhook-timestamp'
const SIGNATURE = 'webhook-signature'

const arbitraryKey = fc.uint8Array({ minLength: 1, maxLength: 64 })
const arbitraryStandardSecret = fc.oneof(
  arbitraryKey.map((key) => `whsec_${Buffer.from(key).toString('base64')}`),
  arbitraryKey,
)
const arbitraryId = fc.stringMatching(/^[!-~]{1,40}$/)
// What the scheme signs: the specification forbids a `.` in the id (it separates the signed parts).
const arbitrarySignableId = fc.stringMatching(/^[!-\-/-~]{1,40}$/)
// Any Unix second from 1970 to 2100, and a tolerance from 1 s to a day.
const arbitrarySeconds = fc.integer({ min: 0, max: 4_102_444_800 })
const arbitraryTolerance = fc.integer({ min: 1, max: 86_400 })

function keyOf(secret: string | Uint8Array): Uint8Array {
  return typeof secret === 'string' ? Buffer.from(secret.slice('whsec_'.length), 'base64') : secret
}

// The spec's construction, computed independently of the scheme.
function expectedSignature(secret: string | Uint8Array, id: string, seconds: string, body: Uint8Array): string {
  const hmac = nodeCrypto.createHmac('sha256', keyOf(secret)).update(`${id}.${seconds}.`).update(body)
  return `v1,${hmac.digest('base64')}`
}

type Outcome = { accepted: VerifyResult } | { rejected: unknown }

describe.each(cryptoEngines)('Standard Webhooks properties on $name', ({ engine }) => {
  const scheme = createStandardWebhooksScheme({ engine })

  async function verify(headers: Record<string, string>, body: Uint8Array, secrets: unknown, nowMs: number, toleranceSeconds = 300) {
    try {
      const result = await scheme.verify({ header: createHeaderReader(headers), body }, secrets as never, { nowMs, toleranceSeconds })
      return { accepted: result } as Outcome
    } catch (error) {
      return { rejected: error } as Outcome
    }
  }

  it('accepts exactly the timestamps within the tolerance, in both directions, when the signature is right', async () => {
    await fc.assert(
      fc.asyncProperty(
        arbitraryBodyBytes,
        arbitraryStandardSecret,
        arbitrarySignableId,
        arbitrarySeconds,
        arbitraryTolerance,
        fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 }),
        async (body, secret, id, seconds, tolerance, skewMs) => {
          const headers = await scheme.sign({ body, id, timestampSeconds: seconds }, secret)
          const nowMs = seconds * 1000 + skewMs
          const outcome = await verify(headers, body, scheme.prepareSecrets([secret]), nowMs, tolerance)
          if (Math.abs(skewMs) <= tolerance * 1000) {
            expect(outcome).toEqual({ accepted: expect.objectContaining({ secretIndex: 0, signedId: id, signedTimestamp: seconds }) })
          } else {
            expect(outcome).toEqual({ rejected: expect.objectContaining({ code: 'timestamp_out_of_tolerance' }) })
          }
        },
      ),
      { numRuns: PROPERTY_RUNS },
    )
  })

  it('accepts a signature header exactly when one of its first v1 entries is the HMAC of id.timestamp.body', async () => {
    const entry = (correct: string) =>
      fc.oneof(
        fc.constant(correct),
        fc.uint8Array({ minLength: 32, maxLength: 32 }).map((digest) => `v1,${Buffer.from(digest).toString('base64')}`),
        fc.constantFrom('v1a,', 'v2,', 'v1,', 'v1', ',').map((version) => version + correct.slice(3)),
        fc.string({ unit: 'grapheme-ascii', maxLength: 20 }).map((junk) => junk.replaceAll(' ', '')),
      )
    const delivery = fc.tuple(arbitraryBodyBytes, arbitraryStandardSecret, arbitraryId, arbitrarySeconds).chain(([body, secret, id, seconds]) => {
      const correct = expectedSignature(secret, id, String(seconds), body)
      return fc.record({
        body: fc.constant(body),
        secret: fc.constant(secret),
        id: fc.constant(id),
        seconds: fc.constant(seconds),
        correct: fc.constant(correct),
        entries: fc.array(entry(correct), { maxLength: 12 }),
      })
    })
    await fc.assert(
      fc.asyncProperty(delivery, async ({ body, secret, id, seconds, correct, entries }) => {
        const headers = { [ID]: id, [TIMESTAMP]: String(seconds), [SIGNATURE]: entries.join(' ') }
        const outcome = await verify(headers, body, scheme.prepareSecrets([secret]), seconds * 1000)
        // Oracle: only the first DEFAULT_MAX_SIGNATURES entries that say `v1` are examined.
        const examined = entries.filter((candidate) => candidate.startsWith('v1,')).slice(0, DEFAULT_MAX_SIGNATURES)
        expect('accepted' in outcome).toBe(examined.includes(correct))
      }),
      { numRuns: PROPERTY_RUNS },
    )
  })

  it('rejects a single-byte change of the body, or a single-character change of the id, timestamp or signature', async () => {
    const target = fc.constantFrom('body', ID, TIMESTAMP, SIGNATURE)
    await fc.assert(
      fc.asyncProperty(
        arbitraryBodyBytes.filter((body) => body.length > 0),
        arbitraryStandardSecret,
        arbitrarySignableId,
        arbitrarySeconds,
        target,
        fc.nat(),
        fc.nat(),
        async (body, secret, id, seconds, changed, position, choice) => {
          const headers = await scheme.sign({ body, id, timestampSeconds: seconds }, secret)
          const secrets = scheme.prepareSecrets([secret])
          // A tolerance wider than any timestamp, so a changed timestamp is judged by the signature alone.
          const wide = 10 ** 13
          const outcome =
            changed === 'body'
              ? await verify(headers, flipByte(body, position, choice), secrets, seconds * 1000, wide)
              : await verify({ ...headers, [changed]: replaceChar(headers[changed]!, position, choice) }, body, secrets, seconds * 1000, wide)
          expect(outcome).toEqual({ rejected: expect.any(SignatureVerificationError) })
        },
      ),
      { numRuns: PROPERTY_RUNS },
    )
  })

  it('throws nothing but a SignatureVerificationError, whatever the three headers hold', async () => {
    const headerValue = fc.oneof(fc.string({ maxLength: 60 }), fc.stringMatching(/^[0-9]{0,20}$/), fc.constant(''))
    await fc.assert(
      fc.asyncProperty(
        arbitraryBodyBytes,
        arbitraryStandardSecret,
        arbitraryHeaderNoise,
        fc.tuple(arbitraryCasing(ID), arbitraryCasing(TIMESTAMP), arbitraryCasing(SIGNATURE)),
        fc.tuple(fc.option(headerValue), fc.option(headerValue), fc.option(headerValue)),
        fc.integer({ min: -1e15, max: 1e15 }),
        async (body, secret, noise, names, values, nowMs) => {
          const headers: Record<string, string> = { ...noise }
          names.forEach((name, index) => {
            if (values[index] !== null) headers[name] = values[index]!
          })
          const outcome = await verify(headers, body, scheme.prepareSecrets([secret]), nowMs)
          if ('rejected' in outcome) expect(outcome.rejected).toBeInstanceOf(SignatureVerificationError)
        },
      ),
      { numRuns: PROPERTY_RUNS },
    )
  })
})
