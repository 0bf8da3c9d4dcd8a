import pg from 'pg'
import { describe, it } from 'vitest'
import { createPostgresStore } from './index.js'

describe('createPostgresStore options', () => {
  it('take a pool or a connection string, and neither both nor none', () => {
    const pool = new pg.Pool()
    createPostgresStore({ pool, table: 'hooks' })
    createPostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', autoMigrate: true })
    // @ts-expect-error: neither a pool nor a connection string
    createPostgresStore({ table: 'hooks' })
    // @ts-expect-error: both a pool and a connection string
    createPostgresStore({ pool, connectionString: 'postgres://postgres@127.0.0.1:5432/test' })
    // @ts-expect-error: a number is no pool
    createPostgresStore({ pool: 5 })
  })
})
