import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { parserOverrideCases, perverse, rawText } from './__fixtures__/parser-override-cases.js'
import { DATABASE_URL, dropTables, postgresAvailable, uniqueTable } from './__fixtures__/postgres-test-env.js'
import { createPostgresStore } from './index.js'

const available = await postgresAvailable()

// A pool's (or client's) `types` option replaces the parsers of every query it runs: the store reads its
// answers with its own.
describe.skipIf(!available)('postgres store over a pool whose type parsers are overridden', () => {
  const pool = (options: pg.PoolConfig) => () => new pg.Pool({ connectionString: DATABASE_URL, ...options })
  parserOverrideCases('every parser answering the raw text', pool({ types: { getTypeParser: rawText } }))
  parserOverrideCases('parsers that lie', pool({ types: { getTypeParser: perverse } }), { preparedOnly: true })

  // pg hands binary fields over decoded as UTF-8 (a float8 comes back corrupted), and a bool read raw is a Buffer, truthy.
  it('refuses a pool that answers in binary format when created', async () => {
    const binary = new pg.Pool({ connectionString: DATABASE_URL, binary: true } as pg.PoolConfig)
    try {
      expect(() => createPostgresStore({ pool: binary, table: uniqueTable('binary') })).toThrow(TypeError)
    } finally {
      await binary.end()
    }
  })

  it('sends no statement once pg.defaults.binary is set after it was created: it takes no claim it could not read', async () => {
    const table = uniqueTable('binary_later')
    const store = createPostgresStore({ connectionString: DATABASE_URL, table, autoMigrate: true })
    try {
      await store.migrate()
      pg.defaults.binary = true
      try {
        // Sent on a connection the pool opened from here on, its claim would be taken and then unreadable
        // (binary results fail it), held for the lease: refused before it is sent, whatever connection is free.
        await expect(store.claim('k', 'first', 60_000)).rejects.toMatchObject({ code: 'store_unavailable', status: 503 })
        await expect(store.migrate()).rejects.toMatchObject({ code: 'store_unavailable', message: expect.stringContaining('pg.defaults.binary') })
      } finally {
        pg.defaults.binary = false
      }
      expect(await store.claim('k', 'retry', 60_000)).toEqual({ state: 'claimed' })
    } finally {
      await store.close()
      await dropTables(table)
    }
  })
})
