import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_JSON_DEPTH, inspectParsedJson, withoutProtoKeys } from './json-guards.js'
import { parseJsonBody } from './parse-body.js'

const inspectText = (text: string, limit = MAX_JSON_DEPTH) => inspectParsedJson(JSON.parse(text), limit)
const bytes = (text: string) => new TextEncoder().encode(text)

/** The plain definition, on the text: one loop over every character, tracking strings. */
function referenceDepth(text: string): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let index = 0; index < text.length; index++) {
    const char = text[index]
    if (inString) {
      if (char === '\\') index++
      else if (char === '"') inString = false
    } else if (char === '"') inString = true
    else if (char === '{' || char === '[') deepest = Math.max(deepest, ++depth)
    else if (char === '}' || char === ']') depth--
  }
  return deepest
}

describe('inspectParsedJson: nesting', () => {
  it('flags arrays and objects nested past the limit, and not at it', () => {
    expect(inspectText('['.repeat(129) + ']'.repeat(129))).toBe('too_deep')
    expect(inspectText('['.repeat(128) + ']'.repeat(128))).toBe('ok')
    expect(inspectText('{"a":'.repeat(129) + '1' + '}'.repeat(129))).toBe('too_deep')
    expect(inspectText('{"a":'.repeat(128) + '1' + '}'.repeat(128))).toBe('ok')
  })

  it('walks a body nested far deeper than the stack allows without overflowing', () => {
    expect(inspectText('['.repeat(200_000) + ']'.repeat(200_000))).toBe('too_deep')
  })

  it('is not fooled by brackets inside strings', () => {
    expect(inspectText(`{"note":"${'['.repeat(300)}"}`)).toBe('ok')
    const hidden = `[${'"\\"]]]]",['.repeat(130)}1${']'.repeat(130)}]`
    expect(referenceDepth(hidden)).toBeGreaterThan(MAX_JSON_DEPTH)
    expect(inspectText(hidden)).toBe('too_deep')
  })

  it('passes a large, shallow body with many objects', () => {
    const items = Array.from({ length: 500 }, (_, index) => ({ id: index, by: { id: `user_${index}`, tags: ['a', 'b'] } }))
    expect(inspectText(JSON.stringify({ data: { items } }))).toBe('ok')
  })

  it('agrees with the plain definition on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 1, max: 12 }), (value, limit) => {
        const text = JSON.stringify(value)
        expect(inspectText(text, limit) === 'too_deep').toBe(referenceDepth(text) > limit)
      }),
      { numRuns: 500 },
    )
  })
})

describe('inspectParsedJson: __proto__ keys', () => {
  it('finds the key spelled out or with any character escaped, at any depth', () => {
    expect(inspectText('{"__proto__":{"admin":true}}')).toBe('proto_key')
    expect(inspectText('{"a":[{"b":{"\\u005f_proto__":{}}}]}')).toBe('proto_key')
    expect(inspectText('{"\\u005F\\u005F\\u0070\\u0072\\u006f\\u0074\\u006f\\u005f\\u005f":{}}')).toBe('proto_key')
  })

  it('says ok for ordinary bodies, the word in a value or another key included', () => {
    expect(inspectText('{"event":"deal.won","data":{"proto_id":"x","note":"__proto__","name":"Jos\\u00e9"}}')).toBe('ok')
  })

  it('never misses a spelling JSON.parse turns into the key', () => {
    const spelling = fc
      .array(fc.boolean(), { minLength: 9, maxLength: 9 })
      .map((escaped) => [...'__proto__'].map((char, index) => (escaped[index] ? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}` : char)).join(''))
    fc.assert(
      fc.property(spelling, fc.integer({ min: 0, max: 5 }), (key, depth) => {
        const text = `${'{"a":'.repeat(depth)}{"x":1,"${key}":{"b":2}}${'}'.repeat(depth)}`
        expect(inspectText(text)).toBe('proto_key')
      }),
    )
  })
})

describe('parseJsonBody', () => {
  it('drops __proto__ keys at every depth and keeps everything else', () => {
    const parsed = parseJsonBody(bytes('{"a":{"\\u005f_proto__":{"x":1},"b":2},"__proto__":{"y":1}}')) as Record<string, any>
    expect(Object.hasOwn(parsed, '__proto__')).toBe(false)
    expect(Object.hasOwn(parsed.a, '__proto__')).toBe(false)
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype)
    expect(parsed.a.b).toBe(2)
  })

  it('rejects nesting past the limit as invalid_body', () => {
    expect(() => parseJsonBody(bytes('['.repeat(129) + ']'.repeat(129)))).toThrow(expect.objectContaining({ code: 'invalid_body' }))
  })

  it('returns the same value JSON.parse gives, less any __proto__ keys', () => {
    // fast-check's jsonValue does generate `{"__proto__":0}`: the expected value drops that key too.
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const text = JSON.stringify(value)
        expect(parseJsonBody(bytes(text))).toEqual(JSON.parse(text, withoutProtoKeys))
      }),
    )
  })

  it('drops a __proto__ key wherever it is, leaving the rest', () => {
    expect(parseJsonBody(bytes('{"__proto__":0}'))).toEqual({})
    expect(parseJsonBody(bytes('{"a":[{"__proto__":{"x":1},"b":2}]}'))).toEqual({ a: [{ b: 2 }] })
  })
})

describe('a polluted Object.prototype (a bug elsewhere in the process)', () => {
  it('walks only the value\'s own keys: an inherited enumerable object neither nests nor hides a finding', () => {
    const prototype = Object.prototype as Record<string, unknown>
    prototype.pollutedByTest = { nested: { deeper: true } }
    let findings: string[]
    let parsed: string
    try {
      findings = [
        inspectText('{"a":{"b":[1,{"c":2}]}}'),
        inspectText('{"a":{"__proto__":1}}'),
        inspectText('[[{"a":[1]}]]', 3),
        inspectText('{"a":{"b":{}}}', 3),
      ]
      parsed = JSON.stringify(parseJsonBody(bytes('{"event":"deal.won","data":{"id":"deal_1"}}')))
    } finally {
      delete prototype.pollutedByTest
    }
    expect(findings).toEqual(['ok', 'proto_key', 'too_deep', 'ok'])
    expect(parsed).toBe('{"event":"deal.won","data":{"id":"deal_1"}}')
  })
})

describe('withoutProtoKeys', () => {
  it('is the reviver that removes the key', () => {
    expect(Object.hasOwn(JSON.parse('{"__proto__":1,"a":2}', withoutProtoKeys), '__proto__')).toBe(false)
  })
})
