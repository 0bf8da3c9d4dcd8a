import { describe, expect, it } from 'vitest'
import { carriesQueryFields, rawQueryOf } from './query-fields.js'

describe('rawQueryOf', () => {
  it.each([
    ['a path with a query', '/hooks?b=2&a=1', 'b=2&a=1'],
    ['an absolute URL', 'https://example.com/hooks?a=1', 'a=1'],
    ['a fragment, which is not part of the query', '/hooks?a=1#top', 'a=1'],
    ['a second ?, which belongs to the query', '/hooks?a=1?&b=?', 'a=1?&b=?'],
    ['a ? after the fragment, which is not a query', '/hooks#top?a=1', ''],
    ['no query', '/hooks', ''],
    ['an empty query', '/hooks?', ''],
    ['no URL at all', undefined, ''],
  ])('%s', (_, url, expected) => {
    expect(rawQueryOf(url)).toBe(expected)
  })

  it('neither decodes nor re-encodes nor re-orders (new URL() would turn an unencoded quote into %27)', () => {
    const query = "z=O'Brien&a=%40&plus=a+b&space=a%20b&lower=%2f&UPPER=%2F&empty=&flag"
    expect(rawQueryOf(`/hooks?${query}`)).toBe(query)
    expect(new URL(`http://x/hooks?${query}`).search.slice(1)).not.toBe(query)
  })
})

describe('carriesQueryFields', () => {
  it.each([
    ['GET', 0, true],
    ['delete', 0, true],
    ['HEAD', 0, true],
    ['GET', 2, false],
    ['POST', 0, false],
    ['PUT', 0, false],
  ] as const)('%s with a %i-byte body: %s', (method, length, expected) => {
    expect(carriesQueryFields(method, length)).toBe(expected)
  })
})
