import { describe, expect, it } from 'vitest'
import type { SignatureScheme } from '../types.js'
import { createHmacSha256Scheme } from './hmac-sha256.js'
import { checkSigningSecrets, signWithSecrets } from './sign-with-secrets.js'
import { createStandardWebhooksScheme } from './standard-webhooks.js'
import { createStaticSecretScheme } from './static-secret.js'

const whsec = (text: string) => `whsec_${Buffer.from(text).toString('base64')}`
const OLD = whsec('old-standard-webhooks-secret-32b')
const NEW = whsec('new-standard-webhooks-secret-32b')
const input = { body: '{"type":"contact.created"}', id: 'msg_1', timestampSeconds: 1_767_225_600 }

describe('signWithSecrets', () => {
  it("gives exactly the scheme's own headers for one secret", async () => {
    const hmac = createHmacSha256Scheme({ header: 'X-Acme-Signature' })
    expect(await signWithSecrets(hmac, input, ['s'])).toEqual(await hmac.sign(input, 's'))
  })

  it("gives the scheme's signWithEach for several: Standard Webhooks joins each secret's signature in order", async () => {
    const scheme = createStandardWebhooksScheme()
    const [old, current] = [await scheme.sign(input, OLD), await scheme.sign(input, NEW)]
    expect(await signWithSecrets(scheme, input, [OLD, NEW])).toEqual({
      'webhook-id': 'msg_1',
      'webhook-timestamp': '1767225600',
      'webhook-signature': `${old['webhook-signature']} ${current['webhook-signature']}`,
    })
    expect((await signWithSecrets(scheme, input, [NEW, OLD]))['webhook-signature']).toBe(
      `${current['webhook-signature']} ${old['webhook-signature']}`,
    )
  })

  it('goes by what the scheme says it carries, so a scheme of your own that signs with several is used as it is', async () => {
    const own: SignatureScheme = {
      ...createHmacSha256Scheme({ header: 'X-Own-Signature' }),
      maxSignatures: 3,
      signWithEach: (_input, secrets) => ({ 'X-Own-Signature': secrets.map(String).join(',') }),
    }
    expect(checkSigningSecrets(own, ['a', 'b', 'c'])).toEqual(['a', 'b', 'c'])
    expect(await signWithSecrets(own, input, ['a', 'b'])).toEqual({ 'X-Own-Signature': 'a,b' })
    expect(() => checkSigningSecrets(own, ['a', 'b', 'c', 'd'])).toThrow('at most 3 secrets may sign at once (got 4)')
  })

  it.each([
    ['HMAC-SHA256', createHmacSha256Scheme({ header: 'X-Webhook-Signature' }), /X-Webhook-Signature holds one signature \(hmac-sha256\)/],
    ['a static secret', createStaticSecretScheme({ header: 'X-Secret-Key' }), /X-Secret-Key holds one signature \(static-secret\)/],
  ])('refuses several secrets for %s, whose header holds one', (_name, scheme, message) => {
    expect(() => checkSigningSecrets(scheme, ['old', 'new'])).toThrow(message)
    expect(() => signWithSecrets(scheme, input, ['old', 'new'])).toThrow(TypeError)
  })
})

describe('checkSigningSecrets', () => {
  it('returns one secret or a list as a list, after the checks the receiver makes', () => {
    const scheme = createStandardWebhooksScheme()
    expect(checkSigningSecrets(scheme, NEW)).toEqual([NEW])
    expect(checkSigningSecrets(scheme, [OLD, NEW])).toEqual([OLD, NEW])
    // What was checked is what signs: a copy the caller's array cannot change afterwards.
    const given = [OLD, NEW]
    const checked = checkSigningSecrets(scheme, given)
    given.push('whsec_!!')
    expect(checked).toEqual([OLD, NEW])
    expect(Object.isFrozen(checked)).toBe(true)
    expect(() => checkSigningSecrets(scheme, [OLD, 'whsec_!!'])).toThrow(/secret #1 is not whsec_/)
    expect(() => checkSigningSecrets(scheme, [])).toThrow('crm-webhooks: at least one secret is required')
    // A missing secret is named as missing before anything else is said about it.
    expect(() => checkSigningSecrets(createHmacSha256Scheme({ header: 'X-Sig' }), [undefined as unknown as string, 'b'])).toThrow(
      'crm-webhooks: secret #0 must be a string, bytes or { value, label } (got undefined)',
    )
  })

  it("allows as many secrets as the scheme's verify examines (its maxSignatures), no more", () => {
    const scheme = createStandardWebhooksScheme({ maxSignatures: 2 })
    expect(checkSigningSecrets(scheme, [OLD, NEW])).toHaveLength(2)
    expect(() => checkSigningSecrets(scheme, [OLD, NEW, OLD])).toThrow('at most 2 secrets may sign at once (got 3)')
  })
})
