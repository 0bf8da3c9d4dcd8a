import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bodyTypeOf, decodeUtf8, parseGuardedJson, requireIdentityEncoding } from './parse-body.js'

const reference = new TextDecoder('utf-8', { fatal: true })

describe('decodeUtf8', () => {
  it('gives what a strict UTF-8 decoder gives, for ASCII and for any other text, Buffer or plain bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary-ascii' }), fc.string({ unit: 'grapheme' })), (text) => {
        const encoded = new TextEncoder().encode(text)
        expect(decodeUtf8(encoded)).toBe(reference.decode(encoded))
        expect(decodeUtf8(Buffer.from(encoded))).toBe(reference.decode(encoded))
      }),
    )
  })

  it('decodes a view into a larger buffer, not the buffer around it', () => {
    const whole = new TextEncoder().encode('xx{"event":"deal.won"}yy')
    expect(decodeUtf8(whole.subarray(2, whole.length - 2))).toBe('{"event":"deal.won"}')
  })

  it('rejects invalid UTF-8 as invalid_body and drops a leading byte order mark', () => {
    expect(() => decodeUtf8(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(expect.objectContaining({ code: 'invalid_body' }))
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toBe('{}')
  })
})

describe('parseGuardedJson', () => {
  it.each([
    ['a bad token mid-text', '{"card":{"name":"Jane Roe","cvv":x-123}}', "Unexpected token 'x'"],
    ['a short text', '{"pin":x-4321}', "Unexpected token 'x'"],
    ['a bad token early in a long text', 'not json\n{"card":{"name":"Jane Roe","cvv":"123"}}', "Unexpected token 'o'"],
    ['text after the value', '{"a":1} secret', 'Unexpected non-whitespace character after JSON at position 8'],
  ])('says where %s fails without quoting the text, which stays in the cause', (_name, text, reason) => {
    let caught: unknown
    try {
      parseGuardedJson(text, 'request body')
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ code: 'invalid_body', message: `request body is not valid JSON: ${reason}` })
    expect(((caught as Error).cause as Error).message).toContain(reason)
  })
})

describe('bodyTypeOf', () => {
  it('reads JSON and form media types, with or without a UTF-8 charset', () => {
    expect(bodyTypeOf('application/json', ['json'])).toBe('json')
    expect(bodyTypeOf('application/json; charset=utf-8', ['json'])).toBe('json')
    expect(bodyTypeOf('Application/JSON; Charset="UTF-8"', ['json'])).toBe('json')
    expect(bodyTypeOf('application/x-www-form-urlencoded', ['json', 'form'])).toBe('form')
  })

  it('refuses JSON where the provider sends none, and other charsets', () => {
    expect(() => bodyTypeOf('application/json', ['form'])).toThrow(expect.objectContaining({ code: 'unsupported_media_type' }))
    expect(() => bodyTypeOf('application/json; charset=latin1', ['json'])).toThrow(expect.objectContaining({ code: 'unsupported_media_type' }))
  })
})

describe('requireIdentityEncoding', () => {
  it('passes a body with no coding, or only identity', () => {
    for (const encoding of [undefined, '', 'identity', ' Identity ', 'identity, identity']) expect(() => requireIdentityEncoding(encoding)).not.toThrow()
  })

  it('refuses any compression with unsupported_media_type, naming it', () => {
    for (const encoding of ['gzip', 'x-gzip', 'deflate', 'br', 'zstd', 'identity, gzip']) {
      expect(() => requireIdentityEncoding(encoding)).toThrow(expect.objectContaining({ code: 'unsupported_media_type' }))
    }
    expect(() => requireIdentityEncoding('gzip')).toThrow('unsupported Content-Encoding "gzip"; send the body uncompressed')
  })

  it('passes a chunked transfer, and refuses a compressing transfer coding the same way', () => {
    for (const transfer of [undefined, 'chunked', 'Chunked', 'identity, chunked']) expect(() => requireIdentityEncoding(undefined, transfer)).not.toThrow()
    for (const transfer of ['gzip, chunked', 'deflate, chunked', 'x-gzip', 'compress, chunked']) {
      expect(() => requireIdentityEncoding(undefined, transfer)).toThrow(expect.objectContaining({ code: 'unsupported_media_type' }))
    }
    expect(() => requireIdentityEncoding('identity', 'gzip, chunked')).toThrow('unsupported Transfer-Encoding "gzip, chunked"')
  })
})
