/**
 * `createPostgresStore`: the idempotency store for receivers that run as several instances, on
 * PostgreSQL. One statement per claim (INSERT ... ON CONFLICT DO UPDATE ... WHERE expired, the ordering
 * guard's version recorded in the same statement, or in a further one when another statement changed the
 * record meanwhile) and one per completion, the claims (and the
 * completions) that fall due in the same turn of the event loop sharing one statement
 * (batched-statements.ts); owner-checked completion and release; a migration it applies or prints;
 * expired rows swept in the background.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import {
  type ClaimResult,
  type ClaimVersion,
  type IdempotencyStore,
  MAX_TIMER_MS,
  batchedMs,
  batchedText,
  callObserver,
  escapeLoneSurrogates,
  hasLoneSurrogate,
  monotonicNow,
  positiveOption,
} from '@crm-webhooks/core'
// Named, not the default import: @types/pg has no default export, and a CommonJS consumer without
// esModuleInterop read a default-imported `pg.Pool` as any (a `pool: 5` compiled).
import type { Pool } from 'pg'
import { type ClaimEntry, type ClaimRow, createBatchedStatements, noAnswerWithin, settledValue } from './batched-statements.js'
import { migrationSql, tableNames } from './migration.js'
import { openPostgresConnection } from './postgres-connection.js'
import { storeQueries } from './store-queries.js'

/** Options of {@link createPostgresStore}: either `pool` or `connectionString` (both, or neither, does not compile). */
export type PostgresStoreOptions = PostgresStoreCommonOptions &
  (
    | {
        /** A pg 8 pool of your own. The store never ends it: you do (and you handle its `error` events). */
        pool: Pool
        connectionString?: undefined
      }
    | {
        pool?: undefined
        /** Or a connection string: the store creates its pool (with connect and statement timeouts) and ends it. */
        connectionString: string
      }
  )

/** Options of {@link createPostgresStore} whichever way it reaches PostgreSQL. */
export interface PostgresStoreCommonOptions {
  /**
   * The claims table, `name` or `schema.name` (ASCII letters, digits and underscores; the name at most 48 characters,
   * the schema 63); the ordering guard uses `<name>_versions`. Default `crm_webhooks_idempotency`.
   */
  table?: string
  /** Apply the migration before the first query (idempotent, under an advisory lock). Default false. */
  autoMigrate?: boolean
  /** Longest wait for one call, connection included, before it rejects with `store_unavailable`; default 2000 ms. */
  commandTimeoutMs?: number
  /** Connect timeout of the pool the store creates; default 2000 ms. */
  connectTimeoutMs?: number
  /**
   * Send the store's statements as named prepared statements, each parsed and planned once per connection;
   * default true. Turn it off behind a pooler that hands one connection's statements to another session:
   * PgBouncer in transaction mode before 1.21, or without `max_prepared_statements` set above zero.
   */
  preparedStatements?: boolean
  /** How often expired rows are deleted, in ms; 0 turns the sweep off (call `purgeExpired()` yourself). Default 10 minutes. */
  purgeIntervalMs?: number
  /** Errors nobody awaits: the created pool's idle-connection errors and failed background sweeps. Default ignored. */
  onError?: (error: Error) => void
}

/** The PostgreSQL store. */
export interface PostgresStore extends IdempotencyStore {
  recordVersion(record: string, version: number, retentionMs: number): Promise<{ stale: boolean }>
  /** Creates the tables and indexes if missing (idempotent). */
  migrate(): Promise<void>
  /** The migration as SQL, for your migration tool. */
  migrationSql(): string
  /** Deletes expired claims and versions now; resolves with how many rows went. */
  purgeExpired(): Promise<number>
  /**
   * Stops the sweep, refuses new calls at once, lets every earlier one finish (batched ones included), then
   * ends the pool the store created; a pool you passed stays open.
   */
  close(): Promise<void>
}

const PURGE_BATCH = 5_000

/** Longest key stored as it is: a btree index entry holds at most about 2.7 kB. */
const MAX_STORED_BYTES = 1_024

/**
 * The text a key, record or owner is stored as, one to one. PostgreSQL `text` cannot hold U+0000, which a JSON
 * event id can carry, nor a lone surrogate (pg sends UTF-8, where it becomes U+FFFD): a key holding a NUL,
 * a lone surrogate or a backslash is escaped (`\` -> `\\`, NUL -> `\0`, a lone surrogate -> `\u` and its
 * four hex digits), so an escaped key always holds a backslash, followed by another, `0` or `u`, and a
 * plain one never does. A key longer than the index can hold becomes `\h` and its SHA-256, which neither
 * form can be.
 */
function storable(text: string): string {
  const escaped =
    text.includes('\0') || text.includes('\\') || hasLoneSurrogate(text)
      ? escapeLoneSurrogates(text.replaceAll('\\', '\\\\').replaceAll('\0', '\\0'))
      : text
  if (escaped.length * 3 <= MAX_STORED_BYTES || Buffer.byteLength(escaped) <= MAX_STORED_BYTES) return escaped
  return `\\h${createHash('sha256').update(escaped).digest('hex')}`
}

/**
 * Creates the PostgreSQL store.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { createNodeListener, createReceiver } from '@crm-webhooks/core'
 * import { createPostgresStore } from '@crm-webhooks/store-postgres'
 *
 * const store = createPostgresStore({ connectionString: process.env.DATABASE_URL!, autoMigrate: true })
 * const receiver = createReceiver({ provider: automatenexus, secret, store })
 * const server = createServer(createNodeListener(receiver)).listen(3000)
 * // Stop taking requests, let every claim's outcome reach the store, then close it.
 * process.on('SIGTERM', () => server.close(async () => {
 *   await receiver.drain()
 *   await store.close()
 * }))
 * ```
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  // `null` counts as absent, as `??` reads it: a `pool: null` passed the check, then became a pool of pg's
  // defaults that the store took for yours, never ended and gave no error listener.
  if ((options.pool == null) === (options.connectionString == null)) {
    throw new TypeError('crm-webhooks: createPostgresStore needs either `pool` or `connectionString`, not both')
  }
  // An empty string is not "no string": pg would quietly connect by its defaults (PGHOST, the local socket).
  if (options.connectionString != null && (typeof options.connectionString !== 'string' || options.connectionString.trim() === '')) {
    throw new TypeError('crm-webhooks: createPostgresStore `connectionString` must be a non-empty postgres:// URL or libpq string')
  }
  if (options.pool != null && (typeof options.pool !== 'object' || !('totalCount' in options.pool))) {
    // A pg.Client is not a pool: one connection, never replaced once it drops, and no connect() to lend
    // the migration a session (every store call would be a 503 after its first network fault).
    throw new TypeError('crm-webhooks: createPostgresStore `pool` must be a pg.Pool (a pg.Client is one connection that never reconnects)')
  }
  for (const name of ['preparedStatements', 'autoMigrate'] as const) {
    // `autoMigrate: process.env.AUTO_MIGRATE` would migrate on 'false'.
    if (options[name] !== undefined && typeof options[name] !== 'boolean') throw new TypeError(`crm-webhooks: ${name} must be a boolean`)
  }
  const names = tableNames(options.table)
  const sql = storeQueries(names)
  // The client's own read timeout is a second past it, and must still fit a timer.
  const commandTimeoutMs = positiveOption('commandTimeoutMs', options.commandTimeoutMs, 2_000, { max: MAX_TIMER_MS - 1_000 })
  const purgeIntervalMs = positiveOption('purgeIntervalMs', options.purgeIntervalMs, 10 * 60_000, { max: MAX_TIMER_MS, allowZero: true })
  // Errors nobody awaits go to the option, and what it throws, or rejects with when async (a reporter whose own
  // service is down in the same outage), goes nowhere: from a pool's 'error' event or the sweep's catch it would
  // be an uncaught exception or an unhandled rejection, and end every instance at once instead of answering 503.
  const reportError = (error: Error) => void callObserver(() => options.onError?.(error))
  const connection = openPostgresConnection({
    pool: options.pool ?? undefined,
    connectionString: options.connectionString ?? undefined,
    names,
    autoMigrate: options.autoMigrate ?? false,
    commandTimeoutMs,
    connectTimeoutMs: positiveOption('connectTimeoutMs', options.connectTimeoutMs, 2_000, { max: MAX_TIMER_MS }),
    preparedStatements: options.preparedStatements ?? true,
    onError: reportError,
  })

  async function purgeExpired(): Promise<number> {
    connection.admit('purgeExpired')
    let total = 0
    for (const statement of [sql.purgeClaims, sql.purgeVersions]) {
      for (;;) {
        // A backlog (millions of rows after an outage of the sweep) is about 25 ms a batch: close() would
        // otherwise wait for all of it, past a platform's shutdown grace. What is left, the next sweep deletes.
        if (connection.closing) return total
        const { rowCount } = await connection.query('purgeExpired', statement, [PURGE_BATCH])
        total += rowCount ?? 0
        if ((rowCount ?? 0) < PURGE_BATCH) break
      }
    }
    return total
  }
  const sweep = purgeIntervalMs > 0 ? setInterval(() => purgeExpired().catch(reportError), purgeIntervalMs) : undefined
  // The sweep alone must never keep a process alive (Node; a runtime whose timers are numbers has no unref).
  ;(sweep as { unref?: () => void } | undefined)?.unref?.()

  function inProgress(leftMs: number | null): ClaimResult {
    return { state: 'in_progress', retryAfterMs: Math.max(1, leftMs ?? 1_000) }
  }

  const batches = createBatchedStatements(connection, sql, commandTimeoutMs)

  return {
    async claim(givenKey, owner, lockTtlMs, version?: ClaimVersion) {
      connection.admit('claim')
      // Monotonic: a step of the wall clock must neither cut the follow-up read short nor stretch it.
      const startedAt = monotonicNow()
      const key = storable(batchedText('key', givenKey))
      const entry: ClaimEntry = {
        key,
        owner: storable(batchedText('owner', owner)),
        lockTtlMs: batchedMs('lockTtlMs', lockTtlMs),
        record: null,
        version: null,
        retentionMs: null,
      }
      // A version that is not a finite number (NaN from a malformed date) is claimed without being
      // recorded: it can be neither stale nor the newest, as recordVersion answers it.
      const recorded = version !== undefined && Number.isFinite(version.version)
      if (recorded) {
        entry.record = storable(batchedText('record', version.record))
        entry.version = version.version
        entry.retentionMs = batchedMs('retentionMs', version.retentionMs)
      }
      const row = settledValue(await batches.claim(entry))
      if (row.claimed) return version === undefined ? { state: 'claimed' } : { state: 'claimed', stale: recorded && !row.newest }
      let seen: Pick<ClaimRow, 'state' | 'left_ms'> | undefined = row
      if (seen.state === null || (seen.left_ms ?? 0) <= 0) {
        // Lost a race to a row this statement's snapshot could not show: read it afresh, within what is left
        // of the call's deadline (a read with a deadline of its own let a claim take twice commandTimeoutMs).
        const leftMs = commandTimeoutMs - (monotonicNow() - startedAt)
        if (leftMs < 1) throw noAnswerWithin('postgres store: claim', commandTimeoutMs)
        seen = (await connection.query<Pick<ClaimRow, 'state' | 'left_ms'>>('claim', sql.inspect, [key], { timeoutMs: leftMs })).rows[0]
      }
      if (seen?.state === 'completed' && (seen.left_ms ?? 0) > 0) return { state: 'completed' }
      return inProgress(seen?.left_ms ?? null)
    },
    async complete(key, owner, retentionMs) {
      connection.admit('complete')
      const entry = { key: storable(batchedText('key', key)), owner: storable(batchedText('owner', owner)), retentionMs: batchedMs('retentionMs', retentionMs) }
      return settledValue(await batches.complete(entry))
    },
    async release(key, owner) {
      connection.admit('release')
      return (await connection.query('release', sql.release, [storable(key), storable(owner)])).rowCount === 1
    },
    async recordVersion(record, version, retentionMs) {
      connection.admit('recordVersion')
      // A version that cannot be compared (NaN from a malformed date) can be neither stale nor the newest.
      if (!Number.isFinite(version)) return { stale: false }
      const answer = await connection.query('recordVersion', sql.recordVersion, [storable(record), version, batchedMs('retentionMs', retentionMs)])
      return { stale: answer.rowCount === 0 }
    },
    migrate: () => connection.migrate(),
    migrationSql: () => migrationSql({ table: names.given }),
    purgeExpired,
    async close() {
      clearInterval(sweep)
      await connection.close()
    },
  }
}
