import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { DATABASE_URL, dropTables, postgresAvailable, uniqueTable } from './__fixtures__/postgres-test-env.js'
import { createPostgresStore } from './index.js'

const available = await postgresAvailable()

// A Lambda environment thaws with its next event and the end of a pooled connection the server (or a pooler's
// idle timeout) ended while it was frozen at once: the statement goes out before the end is read. Here the loop
// is held (Atomics.wait) while the server terminates the store's one connection, then the claim goes out.
const holdTheLoop = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

describe.skipIf(!available)('postgres store: a pooled connection the server ended before the process noticed', () => {
  it('the statement is sent again on another connection instead of failing (503)', async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1, connectionTimeoutMillis: 2_000, statement_timeout: 2_000 })
    pool.on('error', () => {})
    const table = uniqueTable('closed_idle')
    const store = createPostgresStore({ pool, table, autoMigrate: true })
    const admin = new pg.Client({ connectionString: DATABASE_URL })
    await admin.connect()
    try {
      await store.claim('warm', 'owner-w', 60_000)
      const { rows } = await pool.query<{ pid: number }>('select pg_backend_pid() as pid')
      void admin.query('select pg_terminate_backend($1)', [rows[0]!.pid])
      holdTheLoop(300)
      await expect(store.claim('after-close', 'owner-a', 60_000)).resolves.toEqual({ state: 'claimed' })
    } finally {
      await store.close()
      await pool.end()
      await dropTables(table)
      await admin.end()
    }
  })

  it('so is one the server ended itself for idle_session_timeout (57P05)', async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1, options: '-c idle_session_timeout=200' })
    pool.on('error', () => {})
    const table = uniqueTable('idle_session')
    const store = createPostgresStore({ pool, table, autoMigrate: true })
    try {
      await store.claim('warm', 'owner-w', 60_000)
      holdTheLoop(600)
      await expect(store.claim('after-close', 'owner-a', 60_000)).resolves.toEqual({ state: 'claimed' })
    } finally {
      await store.close()
      await pool.end()
      await dropTables(table)
    }
  })
})
