import { describe, expect, it } from 'vitest'
import { createOwedReleases } from './owed-releases.js'

describe('createOwedReleases', () => {
  it('names each owner until its lease ends, then forgets it', () => {
    const owed = createOwedReleases()
    owed.owe('k', 'owner-1', 1_000, 0)
    owed.owe('k', 'owner-2', 2_000, 10)
    expect(owed.ownersOf('k', 999)).toEqual(['owner-1', 'owner-2'])
    expect(owed.ownersOf('k', 1_000)).toEqual(['owner-2'])
    expect(owed.ownersOf('k', 2_000)).toEqual([])
    expect(owed.size).toBe(0)
  })

  it('forgetOwner drops one owner, forget the whole key', () => {
    const owed = createOwedReleases()
    owed.owe('k', 'owner-1', 1_000, 0)
    owed.owe('k', 'owner-2', 1_000, 0)
    owed.forgetOwner('k', 'owner-1')
    expect(owed.ownersOf('k', 10)).toEqual(['owner-2'])
    owed.forgetOwner('k', 'owner-2')
    expect(owed.size).toBe(0)
    owed.owe('k', 'owner-3', 1_000, 0)
    owed.forget('k')
    expect(owed.ownersOf('k', 10)).toEqual([])
  })

  it('keeps the newest 8 owners of one key', () => {
    const owed = createOwedReleases()
    for (let index = 0; index < 20; index++) owed.owe('k', `owner-${index}`, 1_000, 0)
    expect(owed.ownersOf('k', 10)).toEqual(Array.from({ length: 8 }, (_, index) => `owner-${index + 12}`))
  })

  it('sweeps out the entries of keys nobody retries once their lease has ended: memory follows one lease of failures', () => {
    const owed = createOwedReleases()
    for (let index = 0; index < 100_000; index++) owed.owe(`key-${index}`, 'owner', index + 10, index)
    // Each sweep keeps only leases still running (10 ms of them here), so the record never doubles far.
    expect(owed.size).toBeLessThan(2_048)
    expect(owed.ownersOf('key-99999', 99_999)).toEqual(['owner'])
  })

  it('forgets everything on a clock that reads NaN rather than keeping it for ever', () => {
    const owed = createOwedReleases()
    owed.owe('k', 'owner', Number.NaN, Number.NaN)
    expect(owed.ownersOf('k', 5)).toEqual([])
    for (let index = 0; index < 2_000; index++) owed.owe(`key-${index}`, 'owner', 1_000, Number.NaN)
    expect(owed.size).toBeLessThan(1_024)
  })
})
