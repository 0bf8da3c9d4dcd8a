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
import { resultTypes } from './result-types.js'

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
  /** Called from event listeners and background work, so it must never throw or reject (the store's contains the user's). */
  onError?: ((error: Error) => void) | undefined
}

/** What a query does past its deadline, and a deadline shorter than `commandTimeoutMs`. */
export interface LateResult<R extends pg.QueryResultRow> {
  /** A promise it returns (a late claim's release) is waited for by `close()` as the late statement is. */
  onAbandoned?: (result: pg.QueryResult<R>) => unknown
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
  /** Whether `close()` was called: work of many statements (the purge's batches) stops before its next one. */
  readonly closing: boolean
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

/** PostgreSQL's SQLSTATEs for a prepared statement named twice on a session, and for one it does not know. */
const DUPLICATE_PREPARED_STATEMENT = '42P05'
const UNDEFINED_PREPARED_STATEMENT = '26000'

/**
 * serialization_failure and deadlock_detected: the statement was rolled back, and PostgreSQL asks for it to
 * be run again. Under `default_transaction_isolation = 'serializable'` (set on a database or role), two
 * instances claiming at once failed one of them with 40001 (a 503 for a whole batch of deliveries).
 */
const RERUN_SQLSTATES = new Set(['40001', '40P01'])

/**
 * A pooled connection the server, a pooler or a proxy ended while it sat idle, found out only by the statement
 * sent on it (the loop was busy when the end came, or a Lambda environment thawed with its next event and the end
 * at once): a code the server or the socket gave (below), or pg's own error when the socket just closed. The
 * statement is sent once more, on another connection. Every statement may be repeated: completions and releases
 * are owner-checked, and a claim that did land the first time answers in_progress (409) until its lease ends.
 */
function endedUnderTheStatement(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown }
  if (typeof code === 'string') return ENDED_CONNECTION_CODES.has(code)
  return typeof message === 'string' && /^Connection terminated( unexpectedly)?$/.test(message)
}

/**
 * admin_shutdown (pg_terminate_backend, a fast shutdown) and idle_session_timeout (PostgreSQL 14+ ending an idle
 * session itself); a socket reset, which a load balancer or NAT past its idle timeout answers instead of a close.
 */
const ENDED_CONNECTION_CODES = new Set(['57P01', '57P05', 'ECONNRESET', 'EPIPE'])

/** How many times a statement rolled back for a conflict is run again, within its deadline. */
const MAX_RERUNS = 2

/**
 * Creates (or adopts) the pool and returns the bounded runner.
 *
 * @example
 * ```ts
 * const connection = openPostgresConnection({ connectionString, names: tableNames(), autoMigrate: true, commandTimeoutMs: 2000, connectTimeoutMs: 2000, preparedStatements: true })
 * ```
 */
export function openPostgresConnection(options: PostgresConnectionOptions): PostgresConnection {
  // pg hands binary results over decoded as UTF-8 (a float8 came back corrupted): the store reads text.
  if (pg.defaults.binary === true || (options.pool as { options?: { binary?: unknown } } | undefined)?.options?.binary === true) {
    throw new TypeError('crm-webhooks: createPostgresStore cannot read results in binary format: give it a pool without `binary: true` (and leave pg.defaults.binary unset)')
  }
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
  // Statements sent but still unanswered when their call's deadline passed (a stalled server): a claim among
  // them is given back when its answer comes, so close() waits for them (and those releases), within a bound.
  const late = createInFlightCalls()
  // Every statement carries the client read timeout the created pool sets, so a pool of yours gets it too:
  // without one, a connection gone silent (a failover that left the old route a black hole) held its pooled
  // slot until the kernel gave up on the socket, a quarter of an hour, and once every slot was held the
  // store answered 503 long after the server was back. pg-pool destroys a connection that timed out.
  const queryTimeout = options.commandTimeoutMs + 1_000
  const statementNames = new Map<string, string>()
  // Parsed and planned once per connection, then only bound and executed: planning the claim costs the
  // server about as much as running it (pgbench, claim then completion, 10 clients: 2 900/s unprepared,
  // 5 800/s prepared).
  // Every answer is read with the store's own parsers, never the pool's (see result-types.ts).
  const statementOf = (text: string, values: unknown[]): pg.QueryConfig => {
    if (!options.preparedStatements) return { text, values, types: resultTypes, query_timeout: queryTimeout } as pg.QueryConfig
    let name = statementNames.get(text)
    if (name === undefined) statementNames.set(text, (name = statementName(text)))
    return { name, text, values, types: resultTypes, query_timeout: queryTimeout } as pg.QueryConfig
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

  // Set after the store was created, pg.defaults.binary makes the pool's new connections binary: refused
  // before any statement is sent, as a claim one took could not be read (result-types.ts), nor given back.
  const binaryDefaultsError = () => storeUnavailableError('postgres store: pg.defaults.binary is set; the store reads results in text format only')

  function explain(error: unknown): unknown {
    const { code } = error as { code?: string }
    // A pooler that hands a session's statements to other server connections (PgBouncer in transaction mode
    // before 1.21) loses them under load, never one client alone: the bare error named no fix.
    if (options.preparedStatements && (code === DUPLICATE_PREPARED_STATEMENT || code === UNDEFINED_PREPARED_STATEMENT)) {
      const message = (error as Error).message
      return new Error(`${message}: the connection does not keep this store's prepared statements (a pooler in transaction mode?); pass preparedStatements: false`, { cause: error })
    }
    if (code !== UNDEFINED_TABLE) return error
    if (options.autoMigrate) {
      return new Error(`table ${options.names.given} (or its _versions table) no longer exists: autoMigrate creates it again on the next call`, { cause: error })
    }
    return new Error(
      `table ${options.names.given} (or its _versions table) does not exist: call store.migrate(), pass autoMigrate: true, or apply migrationSql()` +
        // The migration creates tables, never a schema (that is the database owner's decision).
        (options.names.given.includes('.') ? '; its schema must exist first (CREATE SCHEMA)' : ''),
      { cause: error },
    )
  }

  return {
    pool,
    query(what, text, values, after = {}) {
      if (closed) {
        return Promise.reject(storeUnavailableError('postgres store: closed'))
      }
      if (pg.defaults.binary === true) return Promise.reject(binaryDefaultsError())
      // A statement past its deadline may still be answered (a claim that lands late is then released):
      // close() waits for it, through `late`.
      const deadline = {
        what: `postgres store: ${what}`,
        timeoutMs: after.timeoutMs ?? options.commandTimeoutMs,
        onAbandoned: after.onAbandoned,
        lateCalls: late,
      }
      return inFlight.track(
        withStoreDeadline(deadline, async (isAbandoned) => {
          if (options.autoMigrate) {
            await migrate()
            if (isAbandoned()) throw new Error('abandoned after the deadline')
          }
          let resentAfterClose = false
          for (let rerunsLeft = MAX_RERUNS; ; rerunsLeft -= 1) {
            try {
              return await pool.query(statementOf(text, values))
            } catch (error) {
              const code = (error as { code?: string }).code
              if (code !== undefined && RERUN_SQLSTATES.has(code) && rerunsLeft > 0 && !isAbandoned()) continue
              if (!resentAfterClose && !closing && !isAbandoned() && endedUnderTheStatement(error)) {
                resentAfterClose = true
                rerunsLeft += 1 // not one of the conflict reruns: the loop's step takes it back
                continue
              }
              // Migrated once, then dropped (a database recreated empty, a reset between test runs): the migration is
              // applied again by the next call, where remembering it answered 503 until the process restarted.
              if (options.autoMigrate && code === UNDEFINED_TABLE) migrated = undefined
              throw explain(error)
            }
          }
        }),
      )
    },
    migrate() {
      if (closing) return Promise.reject(storeUnavailableError('postgres store: migrate: closed'))
      if (pg.defaults.binary === true) return Promise.reject(binaryDefaultsError())
      return withStoreDeadline({ what: 'postgres store: migrate', timeoutMs: migrationTimeoutMs }, () => migrate())
    },
    admit(what) {
      if (closing) throw storeUnavailableError(`postgres store: ${what}: closed`)
    },
    get closing() {
      return closing !== undefined
    },
    close() {
      // One ending for every call: pg refuses a second pool.end(), and a second SIGTERM handler calling
      // close() must not turn into an unhandled rejection. pool.end() would also drop the calls still
      // waiting for a connection, so it waits for every earlier call first.
      closing ??= inFlight.drained().then(async () => {
        // Statements that outlived their deadline, then what their answers set off (a late claim's release,
        // refused once closed, which left the claim to meet the sender's retries with 409 for the whole
        // lease): waited for, but no longer than the client's read timeout, which ends each of them anyway
        // (a pool of yours may hold one waiting for a connection for longer).
        await late.drained(queryTimeout)
        closed = true
        return owned ? pool.end() : undefined
      })
      return closing
    },
  }
}
