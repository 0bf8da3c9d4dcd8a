import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBase64, decodeBase64Portable, decodeHex, encodeBase64, encodeHex } from './encoding.js'

const allBytes = Uint8Array.from({ length: 256 }, (_, index) => index)

describe('decodeHex', () => {
  it('decodes from a start offset, as a header value after its prefix, and refuses an offset that is not one', () => {
    expect(decodeHex('sha256=0aff', 7)).toEqual(new Uint8Array([0x0a, 0xff]))
    expect(decodeHex('sha256=', 7)).toEqual(new Uint8Array())
    expect(decodeHex('sha256=0af', 7)).toBeUndefined()
    expect(decodeHex('sha256=0g', 7)).toBeUndefined()
    // The prefix itself is not read: `s` and `=` are not hex, and would fail the decode.
    expect(decodeHex('zz00', 2)).toEqual(new Uint8Array([0]))
    for (const start of [-2, 5, 1.5, Number.NaN]) expect(decodeHex('0aff', start)).toBeUndefined()
  })

  it('decodes lower, upper and mixed case', () => {
    expect(decodeHex('0aff')).toEqual(new Uint8Array([0x0a, 0xff]))
    expect(decodeHex('0AFF')).toEqual(new Uint8Array([0x0a, 0xff]))
    expect(decodeHex('0aFf')).toEqual(new Uint8Array([0x0a, 0xff]))
  })

  it('decodes the empty string to no bytes', () => {
    expect(decodeHex('')).toEqual(new Uint8Array())
  })

  it('round-trips every byte value with encodeHex', () => {
    const hex = encodeHex(allBytes)
    expect(hex).toMatch(/^[0-9a-f]{512}$/)
    expect(decodeHex(hex)).toEqual(allBytes)
    expect(decodeHex(hex.toUpperCase())).toEqual(allBytes)
  })

  it.each([
    ['an odd length', '0af'],
    ['a single digit', 'a'],
    ['a non-hex letter', '0g'],
    ['a leading space', ' 0a'],
    ['a trailing newline', '0a\n'],
    ['a 0x prefix', '0x0a'],
    ['a sign', '-0a1'],
    ['a non-ASCII digit', '٠١'],
    ['a character whose code is a hex digit plus 256', String.fromCharCode(0x130) + '0'],
    ['a NUL', '\u00000'],
    ['a sha256= prefix', 'sha256=0a'],
  ])('rejects %s', (_name, text) => {
    expect(decodeHex(text)).toBeUndefined()
  })

  it('rejects a bad character at any position of a digest', () => {
    const hex = encodeHex(new Uint8Array(32).fill(0xab))
    for (let position = 0; position < hex.length; position++) {
      expect(decodeHex(`${hex.slice(0, position)}z${hex.slice(position + 1)}`)).toBeUndefined()
    }
  })
})

describe.each([
  ['decodeBase64 (node:buffer)', decodeBase64],
  ['decodeBase64Portable (Web runtimes)', decodeBase64Portable],
])('%s', (_name, decode) => {
  it('decodes padded base64 of every length remainder', () => {
    expect(decode('aGk=')).toEqual(new Uint8Array([104, 105]))
    expect(decode('aA==')).toEqual(new Uint8Array([104]))
    expect(decode('aGk/')).toEqual(new Uint8Array([104, 105, 63]))
    expect(decode('')).toEqual(new Uint8Array())
  })

  it('round-trips every byte value and every short length with encodeBase64', () => {
    expect(decode(encodeBase64(allBytes))).toEqual(allBytes)
    for (let length = 0; length <= 6; length++) {
      const sample = allBytes.subarray(250 - length, 250)
      expect(decode(encodeBase64(sample))).toEqual(sample)
    }
  })

  it.each([
    ['missing padding', 'aGk'],
    ['missing double padding', 'aA'],
    ['too much padding', 'aGk=='],
    ['padding alone', '===='],
    ['padding in the middle', 'aA==aGk='],
    ['the URL-safe alphabet', 'a-_='],
    ['a space', 'aG k='],
    ['a trailing newline', 'aGk=\n'],
    ['a non-zero padding bit (non-canonical spelling)', 'aGl='],
    ['non-zero padding bits before ==', 'aB=='],
    ['a non-ASCII letter', 'aGé='],
    ['a v1, prefix', 'v1,aGk='],
  ])('rejects %s', (_name, text) => {
    expect(decode(text)).toBeUndefined()
  })
})

describe('decodeBase64 on node:buffer and without it', () => {
  // Node's lenient decoder plus a re-encoding check must accept exactly the canonical spellings the
  // pattern-based portable decoder accepts, and decode them to the same bytes.
  const nearBase64 = fc.string({ unit: fc.constantFrom(...'AQgw+/=-_ aGk\n\u00e9'.split('')), maxLength: 12 })
  const mutatedCanonical = fc
    .tuple(fc.uint8Array({ maxLength: 40 }), fc.nat(), fc.constantFrom('', '=', '-', '_', ' ', 'A', 'B', '\n'))
    .map(([bytes, at, replacement]) => {
      const text = encodeBase64(bytes)
      const position = text.length === 0 ? 0 : at % text.length
      return text.slice(0, position) + replacement + text.slice(position + 1)
    })

  it('agree on any string near the base64 alphabet', () => {
    fc.assert(
      fc.property(fc.oneof(nearBase64, mutatedCanonical, fc.uint8Array({ maxLength: 40 }).map(encodeBase64)), (text) => {
        expect(decodeBase64(text)).toEqual(decodeBase64Portable(text))
      }),
      { numRuns: 2000 },
    )
  })
})

describe('encodeHex and encodeBase64', () => {
  it('encode the empty input as the empty string', () => {
    expect(encodeHex(new Uint8Array())).toBe('')
    expect(encodeBase64(new Uint8Array())).toBe('')
  })

  it('match Node Buffer encodings', () => {
    expect(encodeHex(allBytes)).toBe(Buffer.from(allBytes).toString('hex'))
    expect(encodeBase64(allBytes)).toBe(Buffer.from(allBytes).toString('base64'))
  })
})
