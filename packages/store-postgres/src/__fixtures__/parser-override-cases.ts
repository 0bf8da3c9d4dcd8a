/**
 * The cases a store over a pool with type parsers of the application's own must pass: the store contract,
 * and a duplicate that is never answered `claimed`. Shared by the test of a pool's `types` option and the
 * test of a global `pg.types.setTypeParser`.
 *
 * @module
 */
import { batchedStoreContract, deliveryContract, idempotencyStoreContract, orderingGuardContract } from '@crm-webhooks/core/testing'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PostgresStore, createPostgresStore } from '../index.js'
import { dropTables, sleep, uniqueTable } from './postgres-test-env.js'

/** The OIDs of the types a statement may answer: bool, int8, int4, text, float8, numeric. */
export const OVERRIDDEN_OIDS = [16, 20, 23, 25, 701, 1700] as const

/** Every parser answers the text the server sent: a bool is 't' or 'f' (both truthy), a number a string. */
export const rawText = (_oid: number) => (value: string) => value

/** Parsers that lie: a bool inverted, a number negated, a text upper-cased. */
export function perverse(oid: number): (value: string) => unknown {
  if (oid === 16) return (value) => (value === 't' ? 0 : 'yes')
  if (oid === 25) return (value) => value.toUpperCase()
  return (value) => -Number(value)
}

/**
 * Registers the cases for a store over the pool `createPool` makes, with prepared statements and, unless
 * `preparedOnly`, without (the parsers go with the query either way).
 *
 * @example
 * ```ts
 * parserOverrideCases('a pool answering raw text', () => new pg.Pool({ connectionString, types: { getTypeParser: rawText } }))
 * ```
 */
export function parserOverrideCases(label: string, createPool: () => pg.Pool, { preparedOnly = false } = {}): void {
  describe.each(preparedOnly ? [true] : [true, false])(`${label}, preparedStatements: %s`, (preparedStatements) => {
    const table = uniqueTable('parsers')
    let pool: pg.Pool
    let store: PostgresStore

    beforeAll(async () => {
      pool = createPool()
      store = createPostgresStore({ pool, table, autoMigrate: true, preparedStatements })
      await store.migrate()
    })
    afterAll(async () => {
      await store?.close()
      await pool?.end()
      await dropTables(table)
    })

    it('the pool does parse as overridden (or this case proves nothing)', async () => {
      const { rows } = await pool.query(`SELECT false AS no, 1.5::float8 AS ms`)
      expect(rows[0].no).not.toBe(false)
      expect(rows[0].ms).not.toBe(1.5)
    })

    it('a duplicate is answered in_progress, then completed: never claimed', async () => {
      const key = `duplicate:${globalThis.crypto.randomUUID()}`
      const record = `record:${globalThis.crypto.randomUUID()}`
      const at = (version: number) => ({ record, version, retentionMs: 60_000 })
      expect(await store.claim(key, 'first', 60_000, at(2))).toEqual({ state: 'claimed', stale: false })
      const held = await store.claim(key, 'second', 60_000, at(3))
      expect(held).toMatchObject({ state: 'in_progress' })
      expect((held as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(50_000)
      expect(await store.complete(key, 'first', 60_000)).toBe(true)
      expect(await store.complete(key, 'first', 60_000)).toBe(false)
      expect(await store.claim(key, 'third', 60_000)).toEqual({ state: 'completed' })
      expect(await store.claim(`older:${key}`, 'fourth', 60_000, at(1))).toEqual({ state: 'claimed', stale: true })
      expect(await store.recordVersion(record, 1, 60_000)).toEqual({ stale: true })
      expect(await store.release(`older:${key}`, 'somebody-else')).toBe(false)
      expect(await store.release(`older:${key}`, 'fourth')).toBe(true)
    })

    it('the migration reads its tables as applied: it takes no lock when they are there', async () => {
      const other = await pool.connect()
      try {
        // Another instance's migration holds the lock: a migration that misread `applied` would wait for it.
        await other.query('BEGIN')
        await other.query("SELECT pg_advisory_xact_lock(hashtext('crm-webhooks:migration'))")
        const again = createPostgresStore({ pool, table, preparedStatements })
        const migrated = await Promise.race([again.migrate().then(() => 'migrated'), sleep(1_000).then(() => 'waiting for the lock')])
        await other.query('COMMIT')
        await again.close()
        expect(migrated).toBe('migrated')
      } finally {
        other.release()
      }
    })

    describe('the store contract', () => {
      for (const contractCase of [...idempotencyStoreContract, ...orderingGuardContract, ...batchedStoreContract, ...deliveryContract]) {
        it(contractCase.name, () => contractCase.run({ store, advance: sleep }))
      }
    })
  })
}
