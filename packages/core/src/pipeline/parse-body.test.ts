import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createReceiver } from '../receiver.js'
import { conformanceProvider } from '../testing/conformance-kit.js'
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

  it('refuses exactly what a strict UTF-8 decoder refuses, any bytes at any length, a byte order mark included', () => {
    const strictly = (bytes: Uint8Array) => {
      try {
        return reference.decode(bytes)
      } catch {
        return 'refused'
      }
    }
    const ours = (bytes: Uint8Array) => {
      try {
        return decodeUtf8(bytes)
      } catch (error) {
        expect(error).toMatchObject({ code: 'invalid_body' })
        return 'refused'
      }
    }
    // Random bytes after text (short, or padded past 1 KB), with a byte order mark or not.
    const bytes = fc
      .tuple(fc.constantFrom(0, 1015, 1030), fc.boolean(), fc.string({ unit: 'grapheme', maxLength: 8 }), fc.uint8Array({ maxLength: 12 }))
      .map(([padding, bom, text, tail]) => {
        const head = new TextEncoder().encode(`${'a'.repeat(padding)}${text}`)
        return Uint8Array.from([...(bom ? [0xef, 0xbb, 0xbf] : []), ...head, ...tail])
      })
    fc.assert(
      fc.property(bytes, (given) => {
        expect(ours(given)).toBe(strictly(given))
        expect(ours(Buffer.from(given))).toBe(strictly(given))
      }),
      { numRuns: 500 },
    )
    // A U+FFFD that was sent is text like any other.
    expect(decodeUtf8(new TextEncoder().encode('{"name":"\ufffd"}'))).toBe('{"name":"\ufffd"}')
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
    expect(caught).toMatchObject({ code: 'invalid_body' })
    // V8 12 (Node 22) and later add ` (line 1 column 9)` after a position: no text of the body either.
    expect((caught as Error).message.replace(/ \(line \d+ column \d+\)$/, '')).toBe(`request body is not valid JSON: ${reason}`)
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

describe('a refused header value quoted in an error message', () => {
  // About what Node's 16 KiB header limit lets an unauthenticated caller send in one header.
  const long = `application/${'x'.repeat(16_000)}`

  it.each([
    ['Content-Type', () => bodyTypeOf(long, ['json'])],
    ['charset', () => bodyTypeOf(`application/json; charset=${long}`, ['json'])],
    ['Content-Encoding', () => requireIdentityEncoding(long)],
    ['Transfer-Encoding', () => requireIdentityEncoding(undefined, long)],
  ])('is cut after its first 100 characters, saying how long it was (%s)', (_name, refuse) => {
    let caught: unknown
    try {
      refuse()
    } catch (error) {
      caught = error
    }
    const { code, message } = caught as { code: string; message: string }
    expect(code).toBe('unsupported_media_type')
    expect(message).toContain(`${JSON.stringify(long.slice(0, 100))}... (${long.length} characters)`)
    expect(message.length).toBeLessThan(250)
  })

  it('is quoted whole up to 100 characters: every registered media type is shorter', () => {
    const longestRegistered = 'application/vnd.openxmlformats-officedocument.spreadsheetml.pivotcachedefinition+xml'
    expect(() => bodyTypeOf(longestRegistered, ['json'])).toThrow(`unsupported Content-Type ${JSON.stringify(longestRegistered)}; expected application/json`)
    const hundred = `application/${'y'.repeat(88)}`
    expect(() => bodyTypeOf(hundred, ['json'])).toThrow(`unsupported Content-Type ${JSON.stringify(hundred)}; expected application/json`)
    expect(() => bodyTypeOf(`${hundred}z`, ['json'])).toThrow(`unsupported Content-Type ${JSON.stringify(hundred)}... (101 characters); expected`)
  })

  it('keeps the answer to an unsigned request with a 16 KB Content-Type small', async () => {
    const receiver = createReceiver({ provider: conformanceProvider, secret: 'conformance-secret' })
    const response = await receiver.handle({ method: 'POST', headers: { 'content-type': long, 'content-encoding': long }, rawBody: '{}' })
    expect(response.status).toBe(415)
    expect(response.body.length).toBeLessThan(300)
  })

  it('bounds a refused method the same way (a Fetch runtime passes any token as the method)', async () => {
    const receiver = createReceiver({ provider: conformanceProvider, secret: 'conformance-secret' })
    const method = 'M'.repeat(16_000)
    const response = await receiver.handle({ method, headers: {}, rawBody: '{}' })
    expect(response.status).toBe(405)
    expect(JSON.parse(response.body).error.message).toBe(`method ${JSON.stringify(method.slice(0, 100))}... (16000 characters) is not allowed; use POST`)
  })
})
