import * as nodeCrypto from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { cryptoEngines } from './__fixtures__/crypto-engines.js'
import { rfc4231Vectors } from './__fixtures__/rfc4231-vectors.js'
import {
  createHmacKey,
  createNodeCryptoEngine,
  getDefaultCryptoEngine,
  timingSafeEqualBytes,
  timingSafeEqualSecret,
  timingSafeEqualStrings,
  toBytes,
} from './crypto.js'
import { encodeHex } from './encoding.js'

const bytes = (...values: number[]) => new Uint8Array(values)

describe.each(cryptoEngines)('$name engine', ({ engine }) => {
  it.each(rfc4231Vectors)('matches RFC 4231 test case $testCase', async ({ key, data, hex, truncated }) => {
    const digest = await engine.hmacSha256(createHmacKey(key), [data])
    expect(digest).toHaveLength(32)
    // Case 5 publishes only the first 128 bits (HMAC-SHA256-128); the rest of the digest is unspecified.
    expect(encodeHex(truncated ? digest.subarray(0, 16) : digest)).toBe(hex)
  })

  it('hashes several parts exactly as their concatenation, strings as UTF-8', async () => {
    const key = createHmacKey('clé')
    const whole = await engine.hmacSha256(key, [toBytes('msg_1.1614265330.{"name":"Renée"}')])
    const parts = await engine.hmacSha256(key, ['msg_1.1614265330.', toBytes('{"name":'), '"Renée"}'])
    expect(encodeHex(parts)).toBe(encodeHex(whole))
  })

  it('keys a string secret with its UTF-8 bytes', async () => {
    const fromString = await engine.hmacSha256(createHmacKey('clé'), ['body'])
    const fromBytes = await engine.hmacSha256(createHmacKey(bytes(0x63, 0x6c, 0xc3, 0xa9)), ['body'])
    expect(encodeHex(fromString)).toBe(encodeHex(fromBytes))
  })

  it('computes SHA-256 (FIPS 180-2 examples)', async () => {
    expect(encodeHex(await engine.sha256(new Uint8Array()))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(encodeHex(await engine.sha256(toBytes('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('gives the same digest as the other engine for an empty key part and empty body', async () => {
    const [node, web] = await Promise.all(cryptoEngines.map(({ engine: each }) => each.hmacSha256(createHmacKey('k'), [new Uint8Array(), ''])))
    expect(encodeHex(node!)).toBe(encodeHex(web!))
  })
})

describe('engine selection', () => {
  it('node:crypto on Node, synchronous, and the same engine on every call', () => {
    const engine = getDefaultCryptoEngine()
    expect(engine.name).toBe('node:crypto')
    expect(getDefaultCryptoEngine()).toBe(engine)
    expect(engine.hmacSha256(createHmacKey('k'), ['body'])).toBeInstanceOf(Uint8Array)
  })

  it('Web Crypto imports a key once and keeps it on the prepared secret', async () => {
    const web = cryptoEngines.find(({ name }) => name === 'webcrypto')!.engine
    const key = createHmacKey('k')
    await web.hmacSha256(key, ['a'])
    const imported = key.webKey
    expect(imported).toBeDefined()
    await web.hmacSha256(key, ['b'])
    expect(key.webKey).toBe(imported)
  })
})

describe('toBytes', () => {
  it('encodes strings as UTF-8 and passes bytes through untouched', () => {
    expect(toBytes('é€')).toEqual(bytes(0xc3, 0xa9, 0xe2, 0x82, 0xac))
    const raw = bytes(0xff, 0x00)
    expect(toBytes(raw)).toBe(raw)
  })
})

describe('timingSafeEqualSecret', () => {
  it('is true only for the same bytes, whatever the presented length (longer, shorter, a prefix, empty)', () => {
    const secret = bytes(7, 8, 9)
    expect(timingSafeEqualSecret(secret, bytes(7, 8, 9))).toBe(true)
    for (const presented of [bytes(7, 8, 0), bytes(7, 8), bytes(7, 8, 9, 7), bytes(7, 8, 9, 7, 8, 9), bytes()]) {
      expect(timingSafeEqualSecret(secret, presented)).toBe(false)
    }
  })
})

describe('timingSafeEqualBytes', () => {
  it('is true only for identical bytes', () => {
    expect(timingSafeEqualBytes(bytes(1, 2, 3), bytes(1, 2, 3))).toBe(true)
    expect(timingSafeEqualBytes(bytes(1, 2, 3), bytes(1, 2, 4))).toBe(false)
    expect(timingSafeEqualBytes(bytes(1, 2, 3), bytes(0, 2, 3))).toBe(false)
  })

  it('is false for unequal lengths in either direction, including a prefix and a repetition', () => {
    expect(timingSafeEqualBytes(bytes(1, 2, 3), bytes(1, 2))).toBe(false)
    expect(timingSafeEqualBytes(bytes(1, 2), bytes(1, 2, 3))).toBe(false)
    // Reading `actual` modulo its length must not make a repeated pattern look equal.
    expect(timingSafeEqualBytes(bytes(1, 2, 1, 2), bytes(1, 2))).toBe(false)
    expect(timingSafeEqualBytes(bytes(7, 7), bytes(7))).toBe(false)
  })

  it('handles empty inputs', () => {
    expect(timingSafeEqualBytes(new Uint8Array(), new Uint8Array())).toBe(true)
    expect(timingSafeEqualBytes(new Uint8Array(), bytes(0))).toBe(false)
    expect(timingSafeEqualBytes(bytes(0), new Uint8Array())).toBe(false)
  })

  it('detects a difference at every position of a digest-sized input', () => {
    const expected = Uint8Array.from({ length: 32 }, (_, index) => index * 7)
    for (let position = 0; position < expected.length; position++) {
      const actual = expected.slice()
      actual[position]! ^= 0x80
      expect(timingSafeEqualBytes(expected, actual)).toBe(false)
    }
  })
})

describe('timingSafeEqualStrings', () => {
  it('compares the UTF-8 bytes', () => {
    expect(timingSafeEqualStrings('clé', 'clé')).toBe(true)
    expect(timingSafeEqualStrings('clé', 'cle')).toBe(false)
    expect(timingSafeEqualStrings('', '')).toBe(true)
    expect(timingSafeEqualStrings('a', '')).toBe(false)
  })
})

describe('node:crypto engine, with and without the one-shot crypto.hash (Node 20.12+)', () => {
  const withHash = createNodeCryptoEngine(nodeCrypto)
  const withoutHash = createNodeCryptoEngine({ ...nodeCrypto, hash: undefined } as unknown as typeof nodeCrypto)

  it.each([
    ['with', withHash],
    ['without', withoutHash],
  ])('%s it, gives SHA-256 as bytes and as the hex encodeHex writes', async (_, engine) => {
    const body = toBytes('{"event":"deal.won","data":{"id":"deal_1"}}')
    expect(encodeHex(await engine.sha256(toBytes('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(await engine.sha256Hex!(toBytes('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(await engine.sha256Hex!(body)).toBe(encodeHex(await engine.sha256(body)))
  })
})
