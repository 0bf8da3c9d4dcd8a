import { describe, expect, it } from 'vitest'
import { canonicalJson } from './canonical-json.js'

describe('canonicalJson', () => {
  it('writes keys in code-unit order at every depth, arrays in their order, no whitespace', () => {
    expect(canonicalJson({ b: [1, { d: 2, c: 3 }], a: 'x', A: null })).toBe('{"A":null,"a":"x","b":[1,{"c":3,"d":2}]}')
  })

  it('gives one text for every spelling of the same value, and another for any changed value', () => {
    const texts = ['{"n": 7.2e3, "s": "\\u00e9"}', '{"s":"é","n":7200}', '{"n":7200.0,"s":"\\u00E9"}']
    expect(new Set(texts.map((text) => canonicalJson(JSON.parse(text)))).size).toBe(1)
    expect(canonicalJson(JSON.parse('{"n":7201,"s":"é"}'))).not.toBe(canonicalJson(JSON.parse(texts[0]!)))
    // Strings and keys keep what sets them apart: escapes, lone surrogates, a key that holds a quote.
    expect(canonicalJson({ 'a"': '\ud800' })).toBe('{"a\\"":"\\ud800"}')
    expect(canonicalJson(['1', 1, true, 'true', null, 'null'])).toBe('["1",1,true,"true",null,"null"]')
    // A number past a double's range is not null.
    const texts2 = ['{"n":1e400}', '{"n":-1e400}', '{"n":null}'].map((text) => canonicalJson(JSON.parse(text)))
    expect(new Set(texts2).size).toBe(3)
  })

  it('leaves out a member whose value is undefined, as JSON does', () => {
    expect(canonicalJson({ b: undefined, a: 1 })).toBe('{"a":1}')
  })

  it('keeps the members of an object without a prototype (a parsed form)', () => {
    const form = Object.assign(Object.create(null), { z: '1', a: '2' })
    expect(canonicalJson(form)).toBe('{"a":"2","z":"1"}')
  })
})
