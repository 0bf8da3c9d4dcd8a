import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { assertDeclaredLength, keptNodeBody, toBodyBytes } from './raw-body.js'

describe('keptNodeBody', () => {
  it('passes bytes as they are and refuses decoded text as body_already_parsed', () => {
    const bytes = Buffer.from('\ufeff{}')
    expect(keptNodeBody(bytes)).toBe(bytes)
    expect(() => keptNodeBody('{}')).toThrow(expect.objectContaining({ code: 'body_already_parsed', status: 500 }))
    // Koa's parsers (koa-bodyparser, @koa/bodyparser, koa-body) keep only a decoded string and have no hook to keep
    // bytes: the message must name the fix that works there too, mounting before the parser or skipping it.
    expect(() => keptNodeBody('{}')).toThrow(expect.objectContaining({ message: expect.stringMatching(/before any body parser.*disableBodyParser/) }))
  })
})

describe('toBodyBytes', () => {
  it("takes another realm's ArrayBuffer as the bytes it holds, as it takes another realm's Uint8Array (a vm context, a test environment)", () => {
    const foreign = runInNewContext('new Uint8Array([123, 125]).buffer') as ArrayBuffer
    expect(foreign instanceof ArrayBuffer).toBe(false)
    expect([...toBodyBytes(foreign)]).toEqual([123, 125])
    expect([...toBodyBytes(runInNewContext('new Uint8Array([123, 125])'))]).toEqual([123, 125])
  })
})

describe('assertDeclaredLength', () => {
  it('refuses a length in digits past the limit, and leaves any other value to the read (1e7 and 0x10 are no lengths)', () => {
    expect(() => assertDeclaredLength('2000', 1_000)).toThrow(expect.objectContaining({ code: 'payload_too_large' }))
    for (const value of ['1000', '', '1e7', '0x10000', '5, 5', undefined, null]) expect(() => assertDeclaredLength(value, 1_000)).not.toThrow()
  })
})

