import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { createCallerSignalLinks } from './caller-signal-links.js'

describe('createCallerSignalLinks', () => {
  it('listens once per signal however many deliveries are under it, and lets go when the last one unlinks', () => {
    const links = createCallerSignalLinks()
    const shutdown = new AbortController().signal
    const unlinks = Array.from({ length: 12 }, () => links.link(shutdown, () => {}))
    expect(getEventListeners(shutdown, 'abort')).toHaveLength(1)
    for (const unlink of unlinks.slice(1)) unlink()
    expect(getEventListeners(shutdown, 'abort')).toHaveLength(1)
    unlinks[0]!()
    expect(getEventListeners(shutdown, 'abort')).toHaveLength(0)
    // Unlinking again is harmless, and a new link listens afresh.
    unlinks[0]!()
    links.link(shutdown, () => {})
    expect(getEventListeners(shutdown, 'abort')).toHaveLength(1)
  })

  it('an abort reaches every delivery still linked, once each, and none that unlinked', () => {
    const links = createCallerSignalLinks()
    const controller = new AbortController()
    const aborted: string[] = []
    links.link(controller.signal, () => aborted.push('a'))
    // The same callback linked twice is two deliveries.
    const twice = () => aborted.push('b')
    links.link(controller.signal, twice)
    links.link(controller.signal, twice)
    const unlinkC = links.link(controller.signal, () => aborted.push('c'))
    unlinkC()
    controller.abort()
    controller.signal.dispatchEvent(new Event('abort'))
    expect(aborted).toEqual(['a', 'b', 'b'])
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })

  it('a signal aborted already calls back at once and is not listened to', () => {
    const links = createCallerSignalLinks()
    const signal = AbortSignal.abort()
    let calls = 0
    const unlink = links.link(signal, () => void calls++)
    expect(calls).toBe(1)
    expect(getEventListeners(signal, 'abort')).toHaveLength(0)
    unlink()
    expect(calls).toBe(1)
  })

  it('links of two signals are independent', () => {
    const links = createCallerSignalLinks()
    const first = new AbortController()
    const second = new AbortController()
    const aborted: string[] = []
    links.link(first.signal, () => aborted.push('first'))
    links.link(second.signal, () => aborted.push('second'))
    first.abort()
    expect(aborted).toEqual(['first'])
    expect(getEventListeners(second.signal, 'abort')).toHaveLength(1)
  })
})
