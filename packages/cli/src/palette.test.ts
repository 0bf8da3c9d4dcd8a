import { describe, expect, it } from 'vitest'
import { colorsEnabled } from './palette.js'

const terminal = { write: () => true, isTTY: true }
const pipe = { write: () => true, isTTY: false }
const enabled = (env: Record<string, string>, stdout = terminal) => colorsEnabled({ env, stdout })

describe('colorsEnabled', () => {
  it('colours a terminal, not a pipe, a dumb terminal or NO_COLOR', () => {
    expect([enabled({}), enabled({}, pipe), enabled({ TERM: 'dumb' }), enabled({ NO_COLOR: '1' })]).toEqual([true, false, false, false])
  })

  it.each(['1', '2', '3', 'true'])('FORCE_COLOR=%s colours even a pipe, over NO_COLOR', (value) => {
    expect([enabled({ FORCE_COLOR: value }, pipe), enabled({ FORCE_COLOR: value, NO_COLOR: '1' })]).toEqual([true, true])
  })

  it.each(['0', 'false'])("FORCE_COLOR=%s turns colours off even on a terminal, as in Node", (value) => {
    expect(enabled({ FORCE_COLOR: value })).toBe(false)
  })

  it('takes an empty FORCE_COLOR as unset', () => {
    expect([enabled({ FORCE_COLOR: '' }), enabled({ FORCE_COLOR: '' }, pipe)]).toEqual([true, false])
  })
})
