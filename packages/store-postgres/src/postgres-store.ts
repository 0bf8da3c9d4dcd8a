/**
 * `createPostgresStore`: the idempotency store for receivers that run as several instances, on
 * PostgreSQL. One statement per claim (INSERT ... ON CONFLICT DO UPDATE ... WHERE expired, the ordering
 * guard's version recorded in the same statement) and one per completion; owner-checked completion and
 * release; a migration it applies or prints; expired rows swept in the background.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import type { ClaimResult, IdempotencyStore } from '@crm-webhooks/core'
import type pg from 'pg'
import { migrationSql, tableNames } from './migration.js'
import { openPostgresConnection } from './postgres-connection.js'
import { storeQueries } from './store-queries.js'

/** Options of {@link createPostgresStore}: give either `pool` or `connectionString`. */
export interface PostgresStoreOptions {
  /** A pg 8 pool of your own. The store never ends it: you do (and you handle its `error` events). */
  pool?: pg.Pool
  /** Or a connection string: the store creates its pool (with connect and statement timeouts) and ends it. */
  connectionString?: string
  /** The claims table, `name` or `schema.name`; the ordering guard uses `<name>_versions`. Default `crm_webhooks_idempotency`. */
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
  /** Stops the sweep and ends the pool the store created; a pool you passed stays open. Later calls reject. */
  close(): Promise<void>
}

const PURGE_BATCH = 5_000

/** Longest key stored as it is: a btree index entry holds at most about 2.7 kB. */
const MAX_STORED_BYTES = 1_024

/**
 * The text a key or record is stored as, one to one. PostgreSQL `text` cannot hold U+0000, which a JSON
 * event id can carry: a key holding a NUL or a backslash is escaped (`\` -> `\\`, NUL -> `\0`), so an
 * escaped key always holds a backslash, followed by another or by `0`, and a plain one never does. A key
 * longer than the index can hold becomes `\h` and its SHA-256, which neither form can be.
 */
function storable(text: string): string {
  const escaped = text.includes('\0') || text.includes('\\') ? text.replaceAll('\\', '\\\\').replaceAll('\0', '\\0') : text
  if (escaped.length * 3 <= MAX_STORED_BYTES || Buffer.byteLength(escaped) <= MAX_STORED_BYTES) return escaped
  return `\\h${createHash('sha256').update(escaped).digest('hex')}`
}

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (value === 0 && !allowZero)) {
    throw new TypeError(`crm-webhooks: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number`)
  }
  return value
}

/**
 * Creates the PostgreSQL store.
 *
 * @example
 * ```ts
 * import { createReceiver } from '@crm-webhooks/core'
 * import { createPostgresStore } from '@crm-webhooks/store-postgres'
 *
 * const store = createPostgresStore({ connectionString: process.env.DATABASE_URL!, autoMigrate: true })
 * const receiver = createReceiver({ provider: automatenexus, secret, store })
 * process.on('SIGTERM', () => void store.close())
 * ```
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  if ((options.pool === undefined) === (options.connectionString === undefined)) {
    throw new TypeError('crm-webhooks: createPostgresStore needs either `pool` or `connectionString`, not both')
  }
  if (options.preparedStatements !== undefined && typeof options.preparedStatements !== 'boolean') {
    throw new TypeError('crm-webhooks: preparedStatements must be a boolean')
  }
  const names = tableNames(options.table)
  const sql = storeQueries(names)
  const purgeIntervalMs = positive('purgeIntervalMs', options.purgeIntervalMs, 10 * 60_000, true)
  const connection = openPostgresConnection({
    pool: options.pool,
    connectionString: options.connectionString,
    names,
    autoMigrate: options.autoMigrate ?? false,
    commandTimeoutMs: positive('commandTimeoutMs', options.commandTimeoutMs, 2_000),
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, 2_000),
    preparedStatements: options.preparedStatements ?? true,
    onError: options.onError,
  })

  async function purgeExpired(): Promise<number> {
    let total = 0
    for (const statement of [sql.purgeClaims, sql.purgeVersions]) {
      for (;;) {
        const { rowCount } = await connection.query('purgeExpired', statement, [PURGE_BATCH])
        total += rowCount ?? 0
        if ((rowCount ?? 0) < PURGE_BATCH) break
      }
    }
    return total
  }
  const sweep = purgeIntervalMs > 0 ? setInterval(() => purgeExpired().catch((error: Error) => options.onError?.(error)), purgeIntervalMs) : undefined
  // The sweep alone must never keep a process alive.
  sweep?.unref()

  function inProgress(leftMs: number | null): ClaimResult {
    return { state: 'in_progress', retryAfterMs: Math.max(1, leftMs ?? 1_000) }
  }

  return {
    async claim(givenKey, owner, lockTtlMs, version) {
      const key = storable(givenKey)
      type Seen = { state: 'in_progress' | 'completed' | null; left_ms: number | null }
      type Claimed = Seen & { claimed: number; newest?: number }
      const releaseLate = (late: pg.QueryResult<Claimed>) => {
        // A claim that landed after the receiver already answered 503: give it back.
        if (late.rows[0]?.claimed === 1) connection.query('release', sql.release, [key, owner]).catch(() => undefined)
      }
      const { rows } = version
        ? await connection.query<Claimed>(
            'claim',
            sql.claimWithVersion,
            [key, owner, lockTtlMs, storable(version.record), version.version, version.retentionMs],
            releaseLate,
          )
        : await connection.query<Claimed>('claim', sql.claim, [key, owner, lockTtlMs], releaseLate)
      if (rows[0]?.claimed === 1) return version ? { state: 'claimed', stale: rows[0].newest === 0 } : { state: 'claimed' }
      let seen: Seen | undefined = rows[0]
      if (seen?.state === null || (seen?.left_ms ?? 0) <= 0) {
        // Lost a race to a row this statement's snapshot could not show: read it afresh.
        seen = (await connection.query<Seen>('claim', sql.inspect, [key])).rows[0]
      }
      if (seen?.state === 'completed' && (seen.left_ms ?? 0) > 0) return { state: 'completed' }
      return inProgress(seen?.left_ms ?? null)
    },
    async complete(key, owner, retentionMs) {
      return (await connection.query('complete', sql.complete, [storable(key), owner, retentionMs])).rowCount === 1
    },
    async release(key, owner) {
      return (await connection.query('release', sql.release, [storable(key), owner])).rowCount === 1
    },
    async recordVersion(record, version, retentionMs) {
      // A version that cannot be compared (NaN from a malformed date) can be neither stale nor the newest.
      if (!Number.isFinite(version)) return { stale: false }
      const answer = await connection.query('recordVersion', sql.recordVersion, [storable(record), version, retentionMs])
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
