import { describe, expect, it, vi } from 'vitest'
import { expectRejection } from './__fixtures__/expect-rejection.js'
import { pythonVectors } from './__fixtures__/python-vectors.js'
import { signedRequest } from './__fixtures__/signed-request.js'
import { timingSafeEqualSecret } from './crypto.js'
import { MAX_SECRETS } from './secrets.js'
import { createStaticSecretScheme } from './static-secret.js'

// Wraps the real comparison so a test can count how many secrets were compared.
vi.mock('./crypto.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./crypto.js')>()
  return { ...actual, timingSafeEqualSecret: vi.fn(actual.timingSafeEqualSecret) }
})

// The static secret involves no hash, so unlike the HMAC schemes it has no crypto engine to vary.
const HEADER = 'X-Secret-Key'
const options = { toleranceSeconds: 300, nowMs: 0 }
const body = '{"lead_id":"lead_01HX7Q5W9J2E8K1M3YPABCDEFG","name":"Alex Rivera"}'

function verifyWith(secrets: Parameters<ReturnType<typeof createStaticSecretScheme>['prepareSecrets']>[0], headers: Record<string, string>) {
  const scheme = createStaticSecretScheme({ header: HEADER })
  return () => scheme.verify(signedRequest(headers, body), scheme.prepareSecrets(secrets), options)
}


describe('createStaticSecretScheme', () => {
  it('describes itself: the header, nothing signed, no timestamp', () => {
    const scheme = createStaticSecretScheme({ header: HEADER })
    expect(scheme.kind).toBe('static-secret')
    expect(scheme.signatureHeader).toBe(HEADER)
    expect(scheme.signedHeaders).toEqual([])
    expect(scheme.checksTimestamp).toBe(false)
  })

  it('signs by sending the secret itself, and verifies what it signed', () => {
    const scheme = createStaticSecretScheme({ header: HEADER })
    const headers = scheme.sign({ body }, 'ar_sk_9f2c1d') as Record<string, string>
    expect(headers).toEqual({ [HEADER]: 'ar_sk_9f2c1d' })
    expect(scheme.verify(signedRequest(headers, body), scheme.prepareSecrets(['ar_sk_9f2c1d']), options)).toEqual({
      secretIndex: 0,
      secretLabel: undefined,
    })
  })

  it.each(pythonVectors.staticSecret)('sends and accepts the header bytes of Python vector $secret', ({ secret, header }) => {
    const onTheWire = new TextDecoder('latin1').decode(header)
    expect(createStaticSecretScheme({ header: HEADER }).sign({ body }, secret)).toEqual({ [HEADER]: onTheWire })
    expect(verifyWith([secret], { [HEADER]: onTheWire })()).toMatchObject({ secretIndex: 0 })
  })

  it('reads the header in any casing', () => {
    expect(verifyWith(['k3y'], { 'x-secret-key': 'k3y' })()).toMatchObject({ secretIndex: 0 })
    expect(verifyWith(['k3y'], { 'X-SECRET-KEY': 'k3y' })()).toMatchObject({ secretIndex: 0 })
  })

  it('rejects a missing or empty header as missing_signature (401)', async () => {
    for (const headers of [{}, { [HEADER]: '' }, { 'X-Other': 'k3y' }] as Array<Record<string, string>>) {
      const error = await expectRejection(verifyWith(['k3y'], headers))
      expect(error.code).toBe('missing_signature')
      expect(error.status).toBe(401)
    }
  })

  it('rejects any value that is not exactly a configured secret as invalid_signature (401)', async () => {
    const secret = 'Ab3+/=_-secret'
    const wrong = ['k3y', secret.slice(0, -1), `${secret}x`, `x${secret}`, secret.toUpperCase(), ` ${secret}x`, `${secret}, ${secret}`]
    for (const value of wrong) {
      const error = await expectRejection(verifyWith([secret], { [HEADER]: value }))
      expect(error.code).toBe('invalid_signature')
      expect(error.status).toBe(401)
      expect(error.message).not.toContain(secret)
    }
  })

  it('rejects the secret with any single byte flipped, at every position', async () => {
    const secret = 'ar_sk_0123456789'
    for (let position = 0; position < secret.length; position++) {
      const flipped = secret.slice(0, position) + String.fromCharCode(secret.charCodeAt(position) ^ 1) + secret.slice(position + 1)
      expect((await expectRejection(verifyWith([secret], { [HEADER]: flipped }))).code).toBe('invalid_signature')
    }
  })

  it('accepts old and new secret during rotation and names the one that matched', async () => {
    const secrets = [{ value: 'new-key', label: 'regenerated 2026-04' }, { value: 'old-key', label: 'original' }]
    expect(verifyWith(secrets, { [HEADER]: 'new-key' })()).toEqual({ secretIndex: 0, secretLabel: 'regenerated 2026-04' })
    expect(verifyWith(secrets, { [HEADER]: 'old-key' })()).toEqual({ secretIndex: 1, secretLabel: 'original' })
    expect((await expectRejection(verifyWith(secrets, { [HEADER]: 'other-key' }))).code).toBe('invalid_signature')
  })

  it('compares every configured secret even after the first one matched (no early exit)', () => {
    const compare = vi.mocked(timingSafeEqualSecret)
    const run = verifyWith(['first', 'second', 'third'], { [HEADER]: 'first' })
    compare.mockClear()
    expect(run()).toMatchObject({ secretIndex: 0 })
    expect(compare).toHaveBeenCalledTimes(3)
  })

  it('accepts a secret given as bytes', () => {
    const secret = new TextEncoder().encode('bytes-key')
    expect(verifyWith([secret], { [HEADER]: 'bytes-key' })()).toMatchObject({ secretIndex: 0 })
    expect(createStaticSecretScheme({ header: HEADER }).sign({ body }, secret)).toEqual({ [HEADER]: 'bytes-key' })
  })

  it('verifies whatever the body is: the header alone proves the sender', () => {
    const scheme = createStaticSecretScheme({ header: HEADER })
    const prepared = scheme.prepareSecrets(['k3y'])
    for (const anyBody of ['', body, new Uint8Array([0xff, 0xfe, 0x00])]) {
      expect(scheme.verify(signedRequest({ [HEADER]: 'k3y' }, anyBody), prepared, options)).toMatchObject({ secretIndex: 0 })
    }
  })

  describe('refuses secrets that can never match, at configuration time (TypeError)', () => {
    const scheme = createStaticSecretScheme({ header: HEADER })
    it.each([
      ['no secret', []],
      ['an empty secret', ['']],
      ['a leading space', [' k3y']],
      ['a trailing newline', ['k3y\n']],
      ['empty bytes', [new Uint8Array()]],
      ['non-ASCII text', ['clé']],
      ['a control character', ['k3\u0007y']],
      ['bytes that are not UTF-8', [new Uint8Array([0x6b, 0xff])]],
      // A key read from a file as a Buffer: HTTP strips the header value's edges, so it could never match.
      ['bytes with a trailing space', [new TextEncoder().encode('k3y ')]],
      ['more than MAX_SECRETS', Array.from({ length: MAX_SECRETS + 1 }, (_, index) => `key-${index}`)],
    ])('%s', (_name, secrets) => {
      expect(() => scheme.prepareSecrets(secrets)).toThrow(TypeError)
    })

    it('the same mistakes when signing', () => {
      expect(() => scheme.sign({ body }, ' k3y')).toThrow(TypeError)
      expect(() => scheme.sign({ body }, '')).toThrow(TypeError)
    })

    it('a missing header name', () => {
      expect(() => createStaticSecretScheme({ header: '' })).toThrow(TypeError)
    })
  })

  it('accepts exactly MAX_SECRETS secrets', () => {
    const secrets = Array.from({ length: MAX_SECRETS }, (_, index) => `key-${index}`)
    expect(verifyWith(secrets, { [HEADER]: `key-${MAX_SECRETS - 1}` })()).toMatchObject({ secretIndex: MAX_SECRETS - 1 })
  })
})
