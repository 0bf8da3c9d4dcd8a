/**
 * The store's hold on PostgreSQL: a pool it created from a connection string (and ends) or one the
 * application passed (and ends itself), every query bounded in time, and the migration applied before
 * the first query when asked to.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { createInFlightCalls, storeUnavailableError, withStoreDeadline } from '@crm-webhooks/core'
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
  /** Send each statement as a named prepared statement, parsed and planned once per connection. */
  preparedStatements: boolean
  onError?: ((error: Error) => void) | undefined
}

/** What a query does past its deadline, and a deadline shorter than `commandTimeoutMs`. */
export interface LateResult<R extends pg.QueryResultRow> {
  onAbandoned?: (result: pg.QueryResult<R>) => void
  timeoutMs?: number
}

/** Bounded queries, the migration, and the way to let go of the pool. */
export interface PostgresConnection {
  readonly pool: pg.Pool
  /**
   * Runs one statement within the deadline (`commandTimeoutMs`, or `timeoutMs` when given); any failure
   * rejects with `store_unavailable`. `onAbandoned` gets a result that arrived after the deadline.
   */
  query<R extends pg.QueryResultRow>(what: string, text: string, values: unknown[], late?: LateResult<R>): Promise<pg.QueryResult<R>>
  migrate(): Promise<void>
  /** Refuses a new call of the store's once `close()` was called (throws `store_unavailable`). */
  admit(what: string): void
  /** Refuses new calls at once, lets every earlier one finish (batched or not), then ends a pool it created. */
  close(): Promise<void>
}

/**
 * The name a statement is prepared under: derived from its text, so two stores on different tables (their
 * texts differ) never ask one connection to prepare two texts under one name, which pg refuses.
 */
function statementName(text: string): string {
  return `crm_webhooks_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`
}

/** PostgreSQL's SQLSTATE for a relation that does not exist. */
const UNDEFINED_TABLE = '42P01'

/**
 * Creates (or adopts) the pool and returns the bounded runner.
 *
 * @example
 * ```ts
 * const connection = openPostgresConnection({ connectionString, names: tableNames(), autoMigrate: true, commandTimeoutMs: 2000, connectTimeoutMs: 2000, preparedStatements: true })
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
      // Idle connections do not hold the process open (the purge sweep keeps some from ever idling out).
      allowExitOnIdle: true,
    })
  // An idle client's error (the server restarted) without a listener would crash the process.
  if (owned) pool.on('error', (error) => options.onError?.(error))
  let migrated: Promise<void> | undefined
  // closing: close() was called, so the store takes no new call; closed: the earlier calls have finished.
  let closing: Promise<void> | undefined
  let closed = false
  const inFlight = createInFlightCalls()
  const statementNames = new Map<string, string>()
  // Parsed and planned once per connection, then only bound and executed: planning the claim costs the
  // server about as much as running it (pgbench, claim then completion, 10 clients: 2 900/s unprepared,
  // 5 800/s prepared).
  const statementOf = (text: string, values: unknown[]): pg.QueryConfig => {
    if (!options.preparedStatements) return { text, values }
    let name = statementNames.get(text)
    if (name === undefined) statementNames.set(text, (name = statementName(text)))
    return { name, text, values }
  }

  // Longer than a claim's: a migration may wait for another instance's, or for a lock on a busy table.
  const migrationTimeoutMs = Math.max(options.commandTimeoutMs, 10_000)
  function migrate(): Promise<void> {
    migrated ??= applyMigration(pool, options.names, migrationTimeoutMs).catch((error: unknown) => {
      migrated = undefined // try again on the next call
      throw error
    })
    return migrated
  }

  function explain(error: unknown): unknown {
    if ((error as { code?: string }).code !== UNDEFINED_TABLE) return error
    return new Error(
      `table ${options.names.given} (or its _versions table) does not exist: call store.migrate(), pass autoMigrate: true, or apply migrationSql()` +
        // The migration creates tables, never a schema (that is the database owner's decision).
        (options.names.given.includes('.') ? '; its schema must exist first (CREATE SCHEMA)' : ''),
      { cause: error },
    )
  }

  return {
    pool,
    query(what, text, values, late = {}) {
      if (closed) {
        return Promise.reject(storeUnavailableError('postgres store: closed'))
      }
      const deadline = { what: `postgres store: ${what}`, timeoutMs: late.timeoutMs ?? options.commandTimeoutMs, onAbandoned: late.onAbandoned }
      return inFlight.track(
        withStoreDeadline(deadline, async (isAbandoned) => {
          if (options.autoMigrate) {
            await migrate()
            if (isAbandoned()) throw new Error('abandoned after the deadline')
          }
          return pool.query(statementOf(text, values)).catch((error: unknown) => Promise.reject(explain(error)))
        }),
      )
    },
    migrate() {
      if (closing) return Promise.reject(storeUnavailableError('postgres store: migrate: closed'))
      return withStoreDeadline({ what: 'postgres store: migrate', timeoutMs: migrationTimeoutMs }, () => migrate())
    },
    admit(what) {
      if (closing) throw storeUnavailableError(`postgres store: ${what}: closed`)
    },
    close() {
      // One ending for every call: pg refuses a second pool.end(), and a second SIGTERM handler calling
      // close() must not turn into an unhandled rejection. pool.end() would also drop the calls still
      // waiting for a connection, so it waits for every earlier call first.
      closing ??= inFlight.drained().then(() => {
        closed = true
        return owned ? pool.end() : undefined
      })
      return closing
    },
  }
}
