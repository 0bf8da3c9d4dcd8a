import { describe, expect, it } from 'vitest'
import { createHeaderReader } from './headers.js'

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
