import { describe, expect, it } from 'vitest'
import { answerEndsConnection, declaresNoBody } from './declares-no-body.js'

describe('declaresNoBody', () => {
  it('is true only for HTTP/1 framing with neither a length past 0 nor a Transfer-Encoding', () => {
    expect(declaresNoBody({ httpVersionMajor: 1, headers: {} })).toBe(true)
    expect(declaresNoBody({ httpVersionMajor: 1, headers: { 'content-length': '0' } })).toBe(true)
    expect(declaresNoBody({ httpVersionMajor: 1, headers: { 'content-length': '12' } })).toBe(false)
    expect(declaresNoBody({ httpVersionMajor: 1, headers: { 'transfer-encoding': 'chunked' } })).toBe(false)
    // HTTP/2 frames a body without declaring its length; a request of no known framing cannot tell either.
    expect(declaresNoBody({ httpVersionMajor: 2, headers: {} })).toBe(false)
    expect(declaresNoBody(undefined)).toBe(false)
  })
})

describe('answerEndsConnection', () => {
  it('is true for an HTTP/1 request whose body has not all arrived, never over HTTP/2', () => {
    expect(answerEndsConnection({ httpVersionMajor: 1, complete: false, headers: {} })).toBe(true)
    expect(answerEndsConnection({ httpVersionMajor: 1, complete: true, headers: {} })).toBe(false)
    expect(answerEndsConnection({ httpVersionMajor: 2, complete: false, headers: {} })).toBe(false)
    expect(answerEndsConnection(undefined)).toBe(false)
  })
})
