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

  it('answers only own keys: a record with a prototype has no `constructor` header', () => {
    const header = createHeaderReader({ 'x-a': '1' })
    expect([header('constructor'), header('__proto__'), header('toString')]).toEqual([undefined, undefined, undefined])
  })
})
