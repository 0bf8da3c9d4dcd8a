import { describe, expect, it } from 'vitest'
import { MAX_KEY_TEXT_LENGTH, idKey, recordKey } from './id-key.js'

describe('idKey', () => {
  it('keeps an id as it is, and a safe integer as its text', () => {
    expect([idKey('evt_1'), idKey(42), idKey('x'.repeat(MAX_KEY_TEXT_LENGTH))]).toEqual(['evt_1', '42', 'x'.repeat(MAX_KEY_TEXT_LENGTH)])
  })

  it('puts id: before an id that could pass for a digest key or an id written so, one to one', () => {
    for (const id of ['sha256:abc', 'json-sha256:abc', 'id:abc', 'id-sha256:abc']) expect(idKey(id)).toBe(`id:${id}`)
  })

  it('keeps a long id as its digest, distinct ids apart, lone surrogates included', () => {
    const long = 'e'.repeat(MAX_KEY_TEXT_LENGTH + 1)
    expect(idKey(long)).toMatch(/^id-sha256:[0-9a-f]{64}$/)
    expect(idKey(long)).toBe(idKey(long))
    // UTF-8 would make both U+FFFD: the digest is of the UTF-16 code units.
    expect(idKey(`${long}\ud800`)).not.toBe(idKey(`${long}\udbff`))
    expect(idKey(`${long}a`)).not.toBe(idKey(long))
  })

  it.each([
    ['an object, which String() made "[object Object]" for every delivery', { id: 'evt_1' }],
    ['true', true],
    ['an array', ['evt_1']],
    ['a number past 2^53, which two ids would share', 2 ** 53 + 2],
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['an empty string', ''],
  ])('refuses %s with a TypeError', (_, id) => {
    expect(() => idKey(id)).toThrow(TypeError)
  })
})

describe('recordKey', () => {
  it('keeps a record as it is, a long one as its digest, and marks one that could pass for either', () => {
    expect(recordKey('deal:deal_1')).toBe('deal:deal_1')
    expect(recordKey(`deal:${'d'.repeat(MAX_KEY_TEXT_LENGTH)}`)).toMatch(/^record-sha256:[0-9a-f]{64}$/)
    expect(recordKey('record-sha256:abc')).toBe('record:record-sha256:abc')
    expect(recordKey('record:abc')).toBe('record:record:abc')
  })

  it('refuses a record that is no string or safe integer', () => {
    expect(() => recordKey({ id: 'deal_1' })).toThrow(TypeError)
  })
})
