import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { DATABASE_URL, dropTables, postgresAvailable, uniqueTable } from './__fixtures__/postgres-test-env.js'
import { createPostgresStore } from './index.js'

const available = await postgresAvailable()

// A pooled connection the server (or a pooler, a proxy) ended while idle, whose end the process has not read when
// the next statement goes out on it: a busy loop, or a Lambda environment thawed with its next event and the end at
// once. Here the loop is held (Atomics.wait) while the server ends the store's one connection, then the claim goes out.
const holdTheLoop = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/** Claims once (opening the pool's one connection), lets `endConnection` end it with the loop held, claims again. */
async function claimAfterTheConnectionEnds(poolConfig: pg.PoolConfig, endConnection: (pool: pg.Pool) => Promise<void>) {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1, ...poolConfig })
  pool.on('error', () => {})
  const table = uniqueTable('closed_idle')
  const store = createPostgresStore({ pool, table, autoMigrate: true })
  try {
    await store.claim('warm', 'owner-w', 60_000)
    await endConnection(pool)
    return await store.claim('after-close', 'owner-a', 60_000)
  } finally {
    await store.close()
    await pool.end()
    await dropTables(table)
  }
}

describe.skipIf(!available)('postgres store: a pooled connection the server ended before the process noticed', () => {
  it('the statement is sent again on another connection instead of failing (503)', async () => {
    const admin = new pg.Client({ connectionString: DATABASE_URL })
    await admin.connect()
    try {
      const claimed = claimAfterTheConnectionEnds({ connectionTimeoutMillis: 2_000, statement_timeout: 2_000 }, async (pool) => {
        const { rows } = await pool.query<{ pid: number }>('select pg_backend_pid() as pid')
        void admin.query('select pg_terminate_backend($1)', [rows[0]!.pid])
        holdTheLoop(300)
      })
      await expect(claimed).resolves.toEqual({ state: 'claimed' })
    } finally {
      await admin.end()
    }
  })

  it('so is one the server ended itself for idle_session_timeout (57P05)', async () => {
    const claimed = claimAfterTheConnectionEnds({ options: '-c idle_session_timeout=200' }, async () => void holdTheLoop(600))
    await expect(claimed).resolves.toEqual({ state: 'claimed' })
  })
})
