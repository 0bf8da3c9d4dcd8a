import { describe, expect, it } from 'vitest'
import { createHeaderReader, nodeRequestHeaders } from './headers.js'

describe('createHeaderReader over a plain record', () => {
  it('reads a header in any case, and joins the values of one sent as a list', () => {
    const header = createHeaderReader({ 'content-type': 'application/json', 'x-list': ['a', 'b'] })
    expect([header('Content-Type'), header('x-list'), header('x-missing')]).toEqual(['application/json', 'a, b', undefined])
  })

  it('joins one header given under two spellings, neither lower-case, so neither copy is picked', () => {
    const mixedOnly = createHeaderReader({ 'X-Webhook-Signature': 'good', 'X-WEBHOOK-SIGNATURE': 'junk' })
    expect(mixedOnly('X-Webhook-Signature')).toBe('good, junk')
    // The lower-case spelling, when there is one, is read as is (SECURITY.md: pass one spelling per header).
    expect(createHeaderReader({ 'x-webhook-signature': 'good', 'X-Webhook-Signature': 'junk' })('x-webhook-signature')).toBe('good')
  })

  it('reads a spelling that is not lower-case after a miss, and leaves lower-case keys to their direct reading', () => {
    const header = createHeaderReader({ 'content-type': 'application/json', 'X-Webhook-Signature': 'sig', 'X-Webhook-Id': ['a', 'b'] })
    // Asked first for an absent header (as the pipeline asks for Content-Encoding), then for the others.
    expect([header('content-encoding'), header('x-webhook-signature'), header('X-WEBHOOK-ID'), header('Content-Type')]).toEqual([
      undefined,
      'sig',
      'a, b',
      'application/json',
    ])
  })

  it('answers only own keys: a record with a prototype has no `constructor` header', () => {
    const header = createHeaderReader({ 'x-a': '1' })
    expect([header('constructor'), header('__proto__'), header('toString')]).toEqual([undefined, undefined, undefined])
    // Nor an inherited header, in any spelling.
    const inheriting = createHeaderReader(Object.assign(Object.create({ 'X-Inherited': 'x', 'x-other': 'y' }), { 'X-Own': '1' }))
    expect([inheriting('x-inherited'), inheriting('x-own')]).toEqual([undefined, '1'])
  })
})

describe('nodeRequestHeaders', () => {
  /** A Node request's header views, with a count of how often the distinct view was built. */
  function nodeRequest(rawHeaders: string[], headers: Record<string, string>) {
    const distinct: Record<string, string[]> = {}
    for (let index = 0; index < rawHeaders.length; index += 2) (distinct[rawHeaders[index]!.toLowerCase()] ??= []).push(rawHeaders[index + 1]!)
    const built = { count: 0 }
    const request = {
      headers,
      rawHeaders,
      get headersDistinct() {
        built.count += 1
        return distinct
      },
    }
    return { request, built }
  }

  it.each([
    ['Content-Type', 'content-type', 'application/json, text/plain'],
    ['AUTHORIZATION', 'authorization', 'Bearer a, Bearer b'],
    ['Proxy-Authorization', 'proxy-authorization', 'Bearer a, Bearer b'],
  ])('reads every copy of a repeated %s, which Node keeps the first of, a key added by a middleware or not', (sent, name, joined) => {
    const [first, second] = joined.split(', ')
    const { request } = nodeRequest(['Host', 'x', sent, first!, sent, second!], { host: 'x', [name]: first!, 'x-request-id': 'added' })
    expect(createHeaderReader(nodeRequestHeaders(request))(name)).toBe(joined)
  })

  it('reads every copy from the lines as sent where the request has no distinct view (node:http2), keeping the rest', () => {
    // An HTTP/2 stream with `Authorization` twice: node:http2's request keeps the first, and has no headersDistinct.
    const request = {
      headers: { ':method': 'POST', authorization: 'Bearer good', 'content-type': 'application/json', 'x-request-id': 'added' },
      rawHeaders: [':method', 'POST', 'authorization', 'Bearer good', 'authorization', 'Bearer evil', 'content-type', 'application/json'],
    }
    const read = createHeaderReader(nodeRequestHeaders(request))
    expect([read('authorization'), read('content-type'), read('x-request-id')]).toEqual(['Bearer good, Bearer evil', 'application/json', 'added'])
  })

  it("leaves other repeated headers to Node's own joining, without building the distinct view", () => {
    const { request, built } = nodeRequest(['X-Sig', 'a', 'x-sig', 'b', 'Content-Type', 'application/json'], {
      'x-sig': 'a, b',
      'content-type': 'application/json',
    })
    expect(createHeaderReader(nodeRequestHeaders(request))('x-sig')).toBe('a, b')
    expect(built.count).toBe(0)
  })
})
