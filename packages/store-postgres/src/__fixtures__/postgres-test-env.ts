/**
 * Where the PostgreSQL tests find their server (DATABASE_URL, default the machine's 127.0.0.1:5432,
 * database test), whether it answers, and table names of their own so parallel runs never collide.
 *
 * @module
 */
import { requireService } from '@crm-webhooks/core/testing'
import pg from 'pg'

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Resolves whether the server answers; throws under CI=true when it does not. */
export function postgresAvailable(): Promise<boolean> {
  return requireService({
    name: 'PostgreSQL',
    url: DATABASE_URL,
    envVar: 'DATABASE_URL',
    probe: async () => {
      const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 1_500 })
      client.on('error', () => {})
      try {
        await client.connect()
        await client.query('SELECT 1')
      } finally {
        await client.end().catch(() => undefined)
      }
    },
  })
}

/**
 * A table name no other test run uses: `cwt_` (crm-webhooks test), the label, the process id and a random
 * part, short enough for the store's limit of 48 characters.
 */
export function uniqueTable(label: string): string {
  const table = `cwt_${label}_${process.pid}_${globalThis.crypto.randomUUID().slice(0, 8)}`
  if (table.length > 48) throw new Error(`test table label ${JSON.stringify(label)} is too long: ${table} passes the store's 48 characters`)
  return table
}

/** Drops the store's tables (and any run-counting table) created under `table`. */
export async function dropTables(table: string, extra: string[] = []): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  try {
    for (const name of [table, `${table}_versions`, ...extra]) await client.query(`DROP TABLE IF EXISTS "${name}"`)
  } finally {
    await client.end()
  }
}

/** Real time, for stores on a server clock. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
