/** `--store` with `--key-prefix` / `--table`: what is accepted, what is refused, and the startup line. */
import { describe, expect, it } from 'vitest'
import { UsageError } from '../../parse-flags.js'
import { describeStore, storeFlag } from './open-store.js'

describe('storeFlag', () => {
  it('gives the namespace flag to the store kind it belongs to', () => {
    expect(storeFlag('memory')).toEqual({ kind: 'memory' })
    expect(storeFlag('rediss://cache:6380', { keyPrefix: 'billing:' })).toEqual({ kind: 'redis', url: 'rediss://cache:6380', keyPrefix: 'billing:' })
    expect(storeFlag('postgresql://db/app', { table: 'ops.hooks' })).toEqual({ kind: 'postgres', url: 'postgresql://db/app', table: 'ops.hooks' })
  })

  it.each([
    ['memory', { keyPrefix: 'a:' }, '--key-prefix needs --store redis://...'],
    ['postgres://db/app', { keyPrefix: 'a:' }, '--key-prefix needs --store redis://...'],
    ['memory', { table: 'hooks' }, '--table needs --store postgres://...'],
    ['redis://cache', { table: 'hooks' }, '--table needs --store postgres://...'],
    ['mysql://db', {}, '--store must be memory, redis://... or postgres://...'],
  ])('refuses %s with %j', (value, namespace, message) => {
    expect(() => storeFlag(value, namespace)).toThrow(new UsageError(message))
  })
})

describe('describeStore', () => {
  it('names the host without credentials, and the namespace when one was given', () => {
    expect(describeStore({ kind: 'memory' })).toBe('memory')
    expect(describeStore({ kind: 'redis', url: 'redis://:secret@cache:6379' })).toBe('redis (cache:6379)')
    expect(describeStore({ kind: 'redis', url: 'redis://cache:6379', keyPrefix: 'billing:' })).toBe('redis (cache:6379, key prefix billing:)')
    expect(describeStore({ kind: 'postgres', url: 'postgres://u:pw@db/app', table: 'hooks' })).toBe('postgres (db, table hooks)')
  })
})
