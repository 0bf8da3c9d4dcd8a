import { describe, expect, it } from 'vitest'
import { escapeLoneSurrogates, hasLoneSurrogate } from './lone-surrogates.js'

describe('hasLoneSurrogate and escapeLoneSurrogates', () => {
  it('finds a high or low surrogate without its other half, and never a pair', () => {
    expect(['a\ud800', '\udfffa', 'a\udc00\ud800b', '\ud800\ud800\udc00'].map(hasLoneSurrogate)).toEqual([true, true, true, true])
    expect(['', 'evt_1', 'ü 漢', '🚀', '\ud83d\ude80', '\ufffd', '\\ud800'].map(hasLoneSurrogate)).toEqual([false, false, false, false, false, false, false])
  })

  it('writes each lone surrogate as \\u and four hex digits, leaving pairs and everything else as they are', () => {
    expect(escapeLoneSurrogates('a\ud800b\udfff🚀\ud800\udc00')).toBe('a\\ud800b\\udfff🚀\ud800\udc00')
    expect(escapeLoneSurrogates('\udc00\ud800')).toBe('\\udc00\\ud800')
  })
})
