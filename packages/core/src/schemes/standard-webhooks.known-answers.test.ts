import { describe, expect, it } from 'vitest'
import { flipByte } from '../reliability/request-arbitraries.js'
import { cryptoEngines } from './__fixtures__/crypto-engines.js'
import { expectRejection } from './__fixtures__/expect-rejection.js'
import { pythonVectors, reserializeJson } from './__fixtures__/python-vectors.js'
import { signedRequest } from './__fixtures__/signed-request.js'
import {
  standardWebhooksReference as REFERENCE,
  standardWebhooksReferenceHeaders as referenceHeaders,
} from './__fixtures__/standard-webhooks-reference.js'
import { decodeBase64, encodeBase64 } from './encoding.js'
import { createStandardWebhooksScheme } from './standard-webhooks.js'

// Bodies that a parse-then-stringify round trip changes: every vector except these three.
const ROUND_TRIP_STABLE = new Set(['empty body', 'plain JSON envelope', 'form-urlencoded'])

function headersOf(id: string, timestamp: number, signature: string): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature }
}

describe.each(cryptoEngines)('Standard Webhooks known answers on $name', ({ engine }) => {
  const scheme = createStandardWebhooksScheme({ engine })
  const verifyAt = (timestamp: number, headers: Record<string, string>, body: Uint8Array | string, secret: string) => async () =>
    scheme.verify(signedRequest(headers, body), scheme.prepareSecrets([secret]), { toleranceSeconds: 300, nowMs: timestamp * 1000 })

  it('signs and verifies the published reference vector', async () => {
    const input = { body: REFERENCE.body, id: REFERENCE.id, timestampSeconds: REFERENCE.timestamp }
    expect(await scheme.sign(input, REFERENCE.secret)).toEqual(referenceHeaders())
    await expect(verifyAt(REFERENCE.timestamp, referenceHeaders(), REFERENCE.body, REFERENCE.secret)()).resolves.toEqual({
      secretIndex: 0,
      secretLabel: undefined,
      signedId: REFERENCE.id,
      signedTimestamp: REFERENCE.timestamp,
    })
  })

  it.each(pythonVectors.standardWebhooks)('Python vector: $name, $id, $secret', async ({ secret, id, timestamp, body, signature }) => {
    expect(await scheme.sign({ body, id, timestampSeconds: timestamp }, secret)).toEqual(headersOf(id, timestamp, signature))
    await expect(verifyAt(timestamp, headersOf(id, timestamp, signature), body, secret)()).resolves.toMatchObject({ signedId: id })
  })

  it.each(pythonVectors.standardWebhooks.filter((vector) => !ROUND_TRIP_STABLE.has(vector.name)))(
    'raw bytes: $name ($id, $secret) fails once re-serialized',
    async ({ secret, id, timestamp, body, signature }) => {
      const reserialized = reserializeJson(body)!
      expect(Buffer.compare(reserialized, body)).not.toBe(0)
      const error = await expectRejection(verifyAt(timestamp, headersOf(id, timestamp, signature), reserialized, secret))
      expect(error.code).toBe('invalid_signature')
    },
  )

  it('a body with invalid UTF-8 verifies when signed as bytes, and not once decoded to text', async () => {
    const body = new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0xff, 0x22, 0x7d])
    const headers = await scheme.sign({ body, id: 'msg_bytes', timestampSeconds: REFERENCE.timestamp }, REFERENCE.secret)
    await expect(verifyAt(REFERENCE.timestamp, headers, body, REFERENCE.secret)()).resolves.toMatchObject({ secretIndex: 0 })
    const decoded = new TextDecoder().decode(body)
    expect((await expectRejection(verifyAt(REFERENCE.timestamp, headers, decoded, REFERENCE.secret))).code).toBe('invalid_signature')
  })

  it('flipping any single byte of the body fails', async () => {
    const body = new TextEncoder().encode(REFERENCE.body)
    for (let position = 0; position < body.length; position++) {
      const run = verifyAt(REFERENCE.timestamp, referenceHeaders(), flipByte(body, position, 0x01), REFERENCE.secret)
      expect((await expectRejection(run)).code).toBe('invalid_signature')
    }
  })

  it('flipping any single byte of the signature fails', async () => {
    const digest = decodeBase64(REFERENCE.signature.slice(3))!
    for (let position = 0; position < digest.length; position++) {
      const headers = referenceHeaders({ 'webhook-signature': `v1,${encodeBase64(flipByte(digest, position, 0x01))}` })
      expect((await expectRejection(verifyAt(REFERENCE.timestamp, headers, REFERENCE.body, REFERENCE.secret))).code).toBe('invalid_signature')
    }
  })
})

describe('both engines agree', () => {
  it('on every Python vector, synchronously on node:crypto', async () => {
    const [node, web] = cryptoEngines.map(({ engine }) => createStandardWebhooksScheme({ engine }))
    for (const { secret, id, timestamp, body } of pythonVectors.standardWebhooks) {
      const fromNode = node!.sign({ body, id, timestampSeconds: timestamp }, secret)
      expect(fromNode).not.toBeInstanceOf(Promise)
      expect(await web!.sign({ body, id, timestampSeconds: timestamp }, secret)).toEqual(fromNode)
    }
  })

  it('node:crypto verifies synchronously, Web Crypto with a promise', () => {
    const [node, web] = cryptoEngines.map(({ engine }) => createStandardWebhooksScheme({ engine }))
    const request = signedRequest(referenceHeaders(), REFERENCE.body)
    const options = { toleranceSeconds: 300, nowMs: REFERENCE.timestamp * 1000 }
    expect(node!.verify(request, node!.prepareSecrets([REFERENCE.secret]), options)).toMatchObject({ secretIndex: 0 })
    const fromWeb = web!.verify(request, web!.prepareSecrets([REFERENCE.secret]), options)
    expect(fromWeb).toBeInstanceOf(Promise)
    return expect(fromWeb).resolves.toMatchObject({ secretIndex: 0 })
  })
})
