import { describe, expect, it } from 'vitest'
import { escapeControlCharacters } from './escape-control-characters.js'

describe('escapeControlCharacters', () => {
  it('writes line breaks, tabs and the other controls as escapes, and leaves the rest', () => {
    expect(escapeControlCharacters('a\nb\r\tc')).toBe('a\\nb\\r\\tc')
    expect(escapeControlCharacters('\u0000\u001b[31m\u007f\u009b\u2028\u2029')).toBe('\\u0000\\u001b[31m\\u007f\\u009b\\u2028\\u2029')
    expect(escapeControlCharacters('façade “quoted” \\n € 😀')).toBe('façade “quoted” \\n € 😀')
  })
})
