/**
 * The store's hold on PostgreSQL: a pool it created from a connection string (and ends) or one the
 * application passed (and ends itself), every query bounded in time, and the migration applied before
 * the first query when asked to.
 *
 * @module
 */
import { IdempotencyError, withStoreDeadline } from '@crm-webhooks/core'
import pg from 'pg'
import { type TableNames, applyMigration } from './migration.js'

/** How the store reaches PostgreSQL. */
export interface PostgresConnectionOptions {
  pool?: pg.Pool | undefined
  connectionString?: string | undefined
  names: TableNames
  autoMigrate: boolean
  commandTimeoutMs: number
  connectTimeoutMs: number
  onError?: ((error: Error) => void) | undefined
}

/** Bounded queries, the migration, and the way to let go of the pool. */
export interface PostgresConnection {
  readonly pool: pg.Pool
  /** Runs one statement within the deadline; any failure rejects with `store_unavailable`. */
  query<R extends pg.QueryResultRow>(
    what: string,
    text: string,
    values: unknown[],
    onAbandoned?: (result: pg.QueryResult<R>) => void,
  ): Promise<pg.QueryResult<R>>
  migrate(): Promise<void>
  close(): Promise<void>
}

/** PostgreSQL's SQLSTATE for a relation that does not exist. */
const UNDEFINED_TABLE = '42P01'

/**
 * Creates (or adopts) the pool and returns the bounded runner.
 *
 * @example
 * ```ts
 * const connection = openPostgresConnection({ connectionString, names: tableNames(), autoMigrate: true, commandTimeoutMs: 2000, connectTimeoutMs: 2000 })
 * ```
 */
export function openPostgresConnection(options: PostgresConnectionOptions): PostgresConnection {
  const owned = options.pool === undefined
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: options.connectionString,
      connectionTimeoutMillis: options.connectTimeoutMs,
      // The server abandons a statement stuck on a lock. The client gives up on a silent server a second
      // after the store's own deadline, so a late claim after a short stall still comes back to be released.
      statement_timeout: options.commandTimeoutMs,
      query_timeout: options.commandTimeoutMs + 1_000,
    })
  // An idle client's error (the server restarted) without a listener would crash the process.
  if (owned) pool.on('error', (error) => options.onError?.(error))
  let migrated: Promise<void> | undefined
  let closed = false

  function migrate(): Promise<void> {
    migrated ??= applyMigration(pool, options.names).catch((error: unknown) => {
      migrated = undefined // try again on the next call
      throw error
    })
    return migrated
  }

  function explain(error: unknown): unknown {
    if ((error as { code?: string }).code !== UNDEFINED_TABLE) return error
    return new Error(
      `table ${options.names.given} (or its _versions table) does not exist: call store.migrate(), pass autoMigrate: true, or apply migrationSql()`,
      { cause: error },
    )
  }

  return {
    pool,
    query(what, text, values, onAbandoned) {
      if (closed) {
        return Promise.reject(new IdempotencyError('store_unavailable', 'postgres store: closed', { retryAfterSeconds: 5 }))
      }
      const deadline = { what: `postgres store: ${what}`, timeoutMs: options.commandTimeoutMs, onAbandoned }
      return withStoreDeadline(deadline, async (isAbandoned) => {
        if (options.autoMigrate) {
          await migrate()
          if (isAbandoned()) throw new Error('abandoned after the deadline')
        }
        return pool.query(text, values).catch((error: unknown) => Promise.reject(explain(error)))
      })
    },
    migrate: () =>
      withStoreDeadline({ what: 'postgres store: migrate', timeoutMs: Math.max(options.commandTimeoutMs, 10_000) }, () => migrate()),
    async close() {
      closed = true
      if (owned) await pool.end()
    },
  }
}
