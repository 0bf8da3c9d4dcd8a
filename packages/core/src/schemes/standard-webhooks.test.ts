import { describe, expect, it } from 'vitest'
import { createHmac } from 'node:crypto'
import type { SecretInput, VerifyResult } from '../types.js'
import { cryptoEngines } from './__fixtures__/crypto-engines.js'
import { expectRejection } from './__fixtures__/expect-rejection.js'
import { signedRequest } from './__fixtures__/signed-request.js'
import {
  standardWebhooksReference as REFERENCE,
  standardWebhooksReferenceHeaders as referenceHeaders,
} from './__fixtures__/standard-webhooks-reference.js'
import { encodeBase64 } from './encoding.js'
import { MAX_SECRETS } from './secrets.js'
import { DEFAULT_MAX_SIGNATURES, createStandardWebhooksScheme } from './standard-webhooks.js'

const TOLERANCE = 300
const T = REFERENCE.timestamp
const wrongSignature = (fill: number) => `v1,${encodeBase64(new Uint8Array(32).fill(fill))}`

describe.each(cryptoEngines)('createStandardWebhooksScheme on $name', ({ engine }) => {
  const scheme = createStandardWebhooksScheme({ engine })
  const reference = scheme.prepareSecrets([REFERENCE.secret])

  function verify(headers: Record<string, string>, { body = REFERENCE.body as Uint8Array | string, secrets = reference, nowMs = T * 1000, using = scheme } = {}) {
    return async (): Promise<VerifyResult> => using.verify(signedRequest(headers, body), secrets, { toleranceSeconds: TOLERANCE, nowMs })
  }
  async function expectCode(run: () => unknown, code: string) {
    const error = await expectRejection(run)
    expect(error.code).toBe(code)
    expect(error.status).toBe(401)
  }

  it('describes itself', () => {
    expect(scheme.kind).toBe('standard-webhooks')
    expect(scheme.signatureHeader).toBe('webhook-signature')
    expect(scheme.signedHeaders).toEqual(['webhook-id', 'webhook-timestamp'])
    expect(scheme.checksTimestamp).toBe(true)
  })

  it('reads the three headers in any casing and reports the signed id and timestamp', async () => {
    const shouted = Object.fromEntries(Object.entries(referenceHeaders()).map(([name, value]) => [name.toUpperCase(), value]))
    await expect(verify(shouted)()).resolves.toEqual({ secretIndex: 0, secretLabel: undefined, signedId: REFERENCE.id, signedTimestamp: T })
  })

  it.each([['webhook-id'], ['webhook-timestamp'], ['webhook-signature']])('a missing or empty %s is missing_signature', async (name) => {
    const without = referenceHeaders()
    delete without[name]
    await expectCode(verify(without), 'missing_signature')
    await expectCode(verify(referenceHeaders({ [name]: '' })), 'missing_signature')
  })

  it('a different id, timestamp or body is invalid_signature', async () => {
    await expectCode(verify(referenceHeaders({ 'webhook-id': 'msg_other' })), 'invalid_signature')
    await expectCode(verify(referenceHeaders({ 'webhook-timestamp': String(T + 1) })), 'invalid_signature')
    await expectCode(verify(referenceHeaders(), { body: '{"test":2432232314}' }), 'invalid_signature')
  })

  describe('webhook-timestamp', () => {
    it.each(['NaN', 'abc', '1614265330.0', '1614265330.5', '1.6e9', '-1614265330', '+1614265330', ' 1614265330', '1614265330 ', '0x6037ED72', 'Infinity', '١٦١٤٢٦٥٣٣٠', '9'.repeat(16), '1614265330, 1614265330'])(
      '%j is a 401 invalid_signature, never a thrown TypeError',
      async (timestamp) => {
        await expectCode(verify(referenceHeaders({ 'webhook-timestamp': timestamp })), 'invalid_signature')
      },
    )

    it('is accepted exactly at the tolerance, in the past and in the future', async () => {
      await expect(verify(referenceHeaders(), { nowMs: (T + TOLERANCE) * 1000 })()).resolves.toMatchObject({ signedTimestamp: T })
      await expect(verify(referenceHeaders(), { nowMs: (T - TOLERANCE) * 1000 })()).resolves.toMatchObject({ signedTimestamp: T })
    })

    it('is timestamp_out_of_tolerance one second beyond it, stale or future', async () => {
      await expectCode(verify(referenceHeaders(), { nowMs: (T + TOLERANCE + 1) * 1000 }), 'timestamp_out_of_tolerance')
      await expectCode(verify(referenceHeaders(), { nowMs: (T - TOLERANCE - 1) * 1000 }), 'timestamp_out_of_tolerance')
    })

    it('is checked before the signature, so a replayed delivery costs no HMAC', async () => {
      const replay = referenceHeaders({ 'webhook-signature': wrongSignature(1) })
      await expectCode(verify(replay, { nowMs: (T + 86_400) * 1000 }), 'timestamp_out_of_tolerance')
    })
  })

  describe('webhook-signature entries', () => {
    it.each([
      ['not base64', 'v1,not base64!'],
      ['unpadded base64', REFERENCE.signature.slice(0, -1)],
      ['URL-safe base64', 'v1,g0hM9SsE-OTPJTGt_tmIKtSyZlE3uFJELVlNIOLJ1OE='],
      ['16 bytes', `v1,${encodeBase64(new Uint8Array(16))}`],
      ['33 bytes', `v1,${encodeBase64(new Uint8Array(33))}`],
      ['hex instead of base64', `v1,${'ab'.repeat(32)}`],
      ['no version', REFERENCE.signature.slice(3)],
      ['an empty version', REFERENCE.signature.slice(2)],
      ['version v2', REFERENCE.signature.replace('v1,', 'v2,')],
      ['version v1a (asymmetric)', REFERENCE.signature.replace('v1,', 'v1a,')],
      ['upper-case V1', REFERENCE.signature.replace('v1,', 'V1,')],
      ['only separators', '   '],
    ])('%s is a 401 invalid_signature', async (_name, signature) => {
      await expectCode(verify(referenceHeaders({ 'webhook-signature': signature })), 'invalid_signature')
    })

    it.each([
      ['after a wrong v1 signature', `${wrongSignature(1)} ${REFERENCE.signature}`],
      ['before a wrong one', `${REFERENCE.signature} ${wrongSignature(1)}`],
      ['after other versions and malformed entries', `v1a,AAAA v2,xyz v1,### ${REFERENCE.signature}`],
      ['with extra spaces around', `  ${wrongSignature(2)}   ${REFERENCE.signature}  `],
      ['in the first copy of a duplicated header', `${REFERENCE.signature}, ${wrongSignature(3)}`],
      ['in the second copy of a duplicated header', `${wrongSignature(3)}, ${REFERENCE.signature}`],
    ])('the right one is found %s', async (_name, signature) => {
      await expect(verify(referenceHeaders({ 'webhook-signature': signature }))()).resolves.toMatchObject({ secretIndex: 0 })
    })

    it(`examines at most ${DEFAULT_MAX_SIGNATURES} v1 entries by default and ignores the rest`, async () => {
      const wrong = (count: number) => Array.from({ length: count }, (_, index) => wrongSignature(index + 1))
      const lastExamined = [...wrong(DEFAULT_MAX_SIGNATURES - 1), REFERENCE.signature].join(' ')
      await expect(verify(referenceHeaders({ 'webhook-signature': lastExamined }))()).resolves.toMatchObject({ secretIndex: 0 })
      const beyond = [...wrong(DEFAULT_MAX_SIGNATURES), REFERENCE.signature].join(' ')
      await expectCode(verify(referenceHeaders({ 'webhook-signature': beyond })), 'invalid_signature')
    })

    it('honours a smaller maxSignatures, counting only v1 entries', async () => {
      const strict = createStandardWebhooksScheme({ engine, maxSignatures: 1 })
      const secrets = strict.prepareSecrets([REFERENCE.secret])
      const otherVersionsFirst = `v1a,AAAA v2,BBBB ${REFERENCE.signature}`
      await expect(verify(referenceHeaders({ 'webhook-signature': otherVersionsFirst }), { using: strict, secrets })()).resolves.toMatchObject({ secretIndex: 0 })
      const second = `${wrongSignature(1)} ${REFERENCE.signature}`
      await expectCode(verify(referenceHeaders({ 'webhook-signature': second }), { using: strict, secrets }), 'invalid_signature')
    })

    it('refuses a maxSignatures that is not a positive integer (TypeError)', () => {
      expect(DEFAULT_MAX_SIGNATURES).toBe(8)
      for (const maxSignatures of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => createStandardWebhooksScheme({ engine, maxSignatures })).toThrow(TypeError)
      }
    })
  })

  describe('secrets', () => {
    it('reads a secret without the whsec_ prefix as base64, as the reference libraries do', async () => {
      const unprefixed = scheme.prepareSecrets([REFERENCE.secret.slice('whsec_'.length)])
      await expect(verify(referenceHeaders(), { secrets: unprefixed })()).resolves.toMatchObject({ secretIndex: 0 })
    })

    it('reads a secret whose = padding was left off as the padded one, as the reference libraries do', async () => {
      const key = new Uint8Array(32).fill(9)
      const padded = `whsec_${encodeBase64(key)}`
      expect(padded.endsWith('=')).toBe(true)
      const signed = await scheme.sign({ body: REFERENCE.body, id: REFERENCE.id, timestampSeconds: T }, padded)
      const unpadded = scheme.prepareSecrets([padded.replace(/=+$/, '')])
      await expect(verify(signed, { secrets: unpadded })()).resolves.toMatchObject({ secretIndex: 0 })
    })

    it('uses a secret given as bytes as the key itself', async () => {
      const key = new Uint8Array(Buffer.from(REFERENCE.secret.slice('whsec_'.length), 'base64'))
      await expect(verify(referenceHeaders(), { secrets: scheme.prepareSecrets([key]) })()).resolves.toMatchObject({ secretIndex: 0 })
    })

    it('accepts old and new secret during rotation and names the one that matched', async () => {
      const secrets: SecretInput[] = [{ value: `whsec_${encodeBase64(new Uint8Array(32).fill(7))}`, label: 'new' }, { value: REFERENCE.secret, label: 'old' }]
      const prepared = scheme.prepareSecrets(secrets)
      await expect(verify(referenceHeaders(), { secrets: prepared })()).resolves.toMatchObject({ secretIndex: 1, secretLabel: 'old' })
      const signedWithNew = await scheme.sign({ body: REFERENCE.body, id: REFERENCE.id, timestampSeconds: T }, secrets[0]!)
      await expect(verify(signedWithNew, { secrets: prepared })()).resolves.toMatchObject({ secretIndex: 0, secretLabel: 'new' })
      // A rotating sender signs with both keys in one header; the receiver names the first configured match.
      const both = `${signedWithNew['webhook-signature']} ${REFERENCE.signature}`
      await expect(verify(referenceHeaders({ 'webhook-signature': both }), { secrets: prepared })()).resolves.toMatchObject({ secretIndex: 0 })
    })

    it("signs with each secret of a rotation at once (signWithEach): in order, each signature its own secret's", async () => {
      const newer = `whsec_${encodeBase64(new Uint8Array(32).fill(7))}`
      const input = { body: REFERENCE.body, id: REFERENCE.id, timestampSeconds: T }
      const [oldOnly, newOnly] = [await scheme.sign(input, REFERENCE.secret), await scheme.sign(input, newer)]
      const both = await scheme.signWithEach!(input, [REFERENCE.secret, newer])
      expect(both).toEqual({ ...oldOnly, 'webhook-signature': `${oldOnly['webhook-signature']} ${newOnly['webhook-signature']}` })
      // A receiver holding only the old secret, and one holding only the new, both accept; neither a changed body.
      await expect(verify(both)()).resolves.toMatchObject({ secretIndex: 0 })
      await expect(verify(both, { secrets: scheme.prepareSecrets([newer]) })()).resolves.toMatchObject({ secretIndex: 0 })
      await expectCode(verify(both, { body: `${REFERENCE.body} ` }), 'invalid_signature')
    })

    it('signs with 1 to maxSignatures secrets at once, as many as its verify examines (TypeError past them)', () => {
      const input = { body: '{}', id: 'msg_1', timestampSeconds: T }
      expect(scheme.maxSignatures).toBe(DEFAULT_MAX_SIGNATURES)
      const small = createStandardWebhooksScheme({ engine, maxSignatures: 2 })
      expect(small.maxSignatures).toBe(2)
      expect(() => small.signWithEach!(input, [REFERENCE.secret, REFERENCE.secret])).not.toThrow()
      expect(() => small.signWithEach!(input, [REFERENCE.secret, REFERENCE.secret, REFERENCE.secret])).toThrow(/1 to 2 secrets/)
      expect(() => small.signWithEach!(input, [])).toThrow(TypeError)
    })

    it.each([
      ['no secret', []],
      ['an empty secret', ['']],
      ['a leading space', [` ${REFERENCE.secret}`]],
      ['a trailing newline', [`${REFERENCE.secret}\n`]],
      ['a bare prefix', ['whsec_']],
      ['non-base64 text', ['whsec_not base64!']],
      ['base64 one character short of a byte', ['whsec_AAAAA']],
      ['base64 with a padding bit set', ['whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB']],
      ['empty bytes', [new Uint8Array()]],
      // Bytes are the raw key: these are the text of a whsec_ secret (a Buffer read from a file), never decoded.
      ['the bytes of a whsec_ text', [new TextEncoder().encode(REFERENCE.secret)]],
      ['more than MAX_SECRETS', Array.from({ length: MAX_SECRETS + 1 }, () => REFERENCE.secret)],
    ])('refuses %s at configuration time (TypeError)', (_name, secrets) => {
      expect(() => scheme.prepareSecrets(secrets)).toThrow(TypeError)
    })
  })

  it('refuses to sign an id holding a "." (the specification forbids it), and still verifies one a sender signed', async () => {
    expect(() => scheme.sign({ body: '{}', id: 'msg.1', timestampSeconds: T }, REFERENCE.secret)).toThrow(/must not contain "\."/)
    const key = Buffer.from(REFERENCE.secret.slice('whsec_'.length), 'base64')
    const signature = createHmac('sha256', key).update(`msg.1.${T}.{}`).digest('base64')
    const headers = { 'webhook-id': 'msg.1', 'webhook-timestamp': String(T), 'webhook-signature': `v1,${signature}` }
    await expect(verify(headers, { body: '{}' })()).resolves.toMatchObject({ signedId: 'msg.1' })
  })

  it('refuses to sign without an id or an integer timestamp (TypeError)', () => {
    const body = '{}'
    for (const input of [{ body, timestampSeconds: T }, { body, id: 'msg_1' }, { body, id: '', timestampSeconds: T }, { body, id: 'msg_1', timestampSeconds: 1.5 }, { body, id: 'msg_1', timestampSeconds: Number.NaN }, { body, id: 'msg_1', timestampSeconds: -1 }]) {
      expect(() => scheme.sign(input, REFERENCE.secret)).toThrow(TypeError)
    }
  })
})
