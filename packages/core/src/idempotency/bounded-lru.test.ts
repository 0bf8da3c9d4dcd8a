import { describe, expect, it } from 'vitest'
import { createBoundedLru } from './bounded-lru.js'

describe('createBoundedLru', () => {
  it('never holds more than its capacity, for odd, even and tiny capacities', () => {
    for (const capacity of [1, 2, 3, 4, 7, 100]) {
      const lru = createBoundedLru<number>(capacity)
      for (let index = 0; index < capacity * 5; index += 1) {
        lru.set(`k${index}`, index)
        expect(lru.size).toBeLessThanOrEqual(capacity)
      }
      expect(lru.get(`k${capacity * 5 - 1}`)).toBe(capacity * 5 - 1)
    }
  })

  it('a read keeps a key: it outlives writes that forget keys written after it', () => {
    const lru = createBoundedLru<string>(4)
    lru.set('read', 'r')
    lru.set('unread', 'u')
    for (let index = 0; index < 20; index += 1) {
      expect(lru.get('read')).toBe('r')
      lru.set(`k${index}`, 'x')
    }
    expect(lru.get('read')).toBe('r')
    expect(lru.get('unread')).toBeUndefined()
  })

  it('set replaces a value; delete and clear forget', () => {
    const lru = createBoundedLru<number>(10)
    lru.set('a', 1)
    lru.set('a', 2)
    lru.set('b', 3)
    expect([lru.get('a'), lru.size]).toEqual([2, 2])
    lru.delete('a')
    expect([lru.get('a'), lru.size]).toEqual([undefined, 1])
    lru.clear()
    expect([lru.get('b'), lru.size]).toEqual([undefined, 0])
  })
})
