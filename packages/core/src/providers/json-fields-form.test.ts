import { describe, expect, it } from 'vitest'
import { RequestRejectedError } from '../errors.js'
import { MAX_JSON_DEPTH } from '../pipeline/json-guards.js'
import { decodeJsonFieldsForm, encodeJsonFieldsForm } from './json-fields-form.js'

const form = (data: string) => new URLSearchParams({ event: 'deal.won', data })
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)

function rejection(run: () => unknown): RequestRejectedError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(RequestRejectedError)
    return error as RequestRejectedError
  }
  throw new Error('expected a rejection')
}

describe('decodeJsonFieldsForm applies the JSON body guards to its JSON fields', () => {
  it('round-trips what encodeJsonFieldsForm wrote', () => {
    const payload = { event: 'deal.won', count: 2, data: { id: 'deal_1', value: 12.5, tags: ['a', 'b'], won: true } }
    expect(decodeJsonFieldsForm(encodeJsonFieldsForm(payload, ['data']), ['data'])).toEqual({ ...payload, count: '2' })
  })

  it.each([['a string', 'hello'], ['digits', '123'], ['null', null], ['a number', 7]])(
    'round-trips a JSON field holding %s, as a JSON body would carry it',
    (_, data) => {
      expect(decodeJsonFieldsForm(encodeJsonFieldsForm({ event: 'deal.won', data }, ['data']), ['data'])).toEqual({ event: 'deal.won', data })
    },
  )

  it(`accepts nesting up to ${MAX_JSON_DEPTH} levels, like a JSON body`, () => {
    expect(decodeJsonFieldsForm(form(nested(MAX_JSON_DEPTH)), ['data']).data).toBeInstanceOf(Array)
    expect(decodeJsonFieldsForm(form(`{"a":${nested(MAX_JSON_DEPTH - 1)}}`), ['data']).data).toHaveProperty('a')
  })

  it(`refuses a field nested deeper than ${MAX_JSON_DEPTH} levels with invalid_body (400), however deep`, () => {
    for (const depth of [MAX_JSON_DEPTH + 1, 200_000]) {
      const error = rejection(() => decodeJsonFieldsForm(form(nested(depth)), ['data']))
      expect([error.code, error.status]).toEqual(['invalid_body', 400])
      expect(error.message).toMatch(/form field data nests .* deeper than 128 levels/)
    }
  })

  it('drops __proto__ keys at any depth, however they are spelled, without touching prototypes', () => {
    const decoded = decodeJsonFieldsForm(form('{"id":"d1","__proto__":{"polluted":1},"inner":{"\\u005f_proto__":{"x":1},"ok":true}}'), ['data'])
    expect(decoded.data).toEqual({ id: 'd1', inner: { ok: true } })
    expect(Object.hasOwn(decoded.data as object, '__proto__')).toBe(false)
    expect(Object.getPrototypeOf((decoded.data as { inner: object }).inner)).toBe(Object.prototype)
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
  })

  it('leaves other fields as text, and still refuses a field that is not JSON', () => {
    expect(decodeJsonFieldsForm(new URLSearchParams({ note: nested(500), data: '{}' }), ['data'])).toEqual({ note: nested(500), data: {} })
    expect(rejection(() => decodeJsonFieldsForm(form('{not-json'), ['data'])).code).toBe('invalid_body')
  })
})
