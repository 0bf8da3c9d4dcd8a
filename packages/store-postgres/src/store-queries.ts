/**
 * The store's statements, one round trip each. Time is the database's `now()`, never an instance's
 * clock, so instances with skewed clocks agree on every lease and retention deadline.
 *
 * @module
 */
import type { TableNames } from './migration.js'

/** The SQL text of every statement the store runs, for one pair of tables. */
export interface StoreQueries {
  /**
   * Claims a batch: $1 keys, $2 owners, $3 lease ms, and per claim the ordering guard's $4 record (NULL
   * without one), $5 version, $6 retention ms, recorded only when the claim is taken. No key, and no
   * record, may appear twice (ON CONFLICT DO UPDATE touches a row once per statement). One row per claim,
   * in order: claimed, newest (the version was recorded: not stale), and the state and left_ms of the row
   * the statement's snapshot saw.
   */
  readonly claimBatch: string
  /** $1 key. Row: state and left_ms, read afresh (after a claim lost a race to a row it could not see). */
  readonly inspect: string
  /**
   * Completes a batch: $1 keys (none twice), $2 owners, $3 retention ms. One row per key, in order:
   * completed, true when the key became completed: the owner's claim (live or lapsed), or a free key (no
   * row, or an expired one: the owner's lease lapsed and nobody holds the key since).
   */
  readonly completeBatch: string
  /** $1 key, $2 owner. One row affected when the owner's live claim was dropped. */
  readonly release: string
  /** $1 record, $2 version, $3 retention ms. One row returned when the version is the newest (not stale). */
  readonly recordVersion: string
  /** $1 batch size. Deletes up to that many expired claims; returns their count. */
  readonly purgeClaims: string
  /** $1 batch size. Deletes up to that many expired versions; returns their count. */
  readonly purgeVersions: string
}

const MS = `* interval '1 millisecond'`

/**
 * Builds the statements for `names`.
 *
 * @example
 * ```ts
 * const { rows } = await pool.query(storeQueries(tableNames()).inspect, [key])
 * ```
 */
export function storeQueries(names: TableNames): StoreQueries {
  const { claims, versions } = names
  const leftMs = `ceil(extract(epoch FROM seen.expires_at - now()) * 1000)::float8 AS left_ms`
  // Rows are taken in key order, and versions in record order after every claim row, so two batches that
  // share keys (a resend reaching two instances at once) lock them in the same order and never deadlock.
  // A completion batch is an insert in key order too: an UPDATE ... FROM locked in whatever order its join
  // yielded, and against a claim batch of the same keys on another instance (its ON CONFLICT locks each
  // existing row) that deadlocked, failing the claims with a 503 after PostgreSQL's deadlock_timeout. The
  // ON CONFLICT condition is evaluated on the newest row version after any wait.
  // The insert takes a free key; on conflict it takes over only an expired row. The outer select reads
  // each row as the statement's snapshot saw it, to answer completed or in progress in the same round trip.
  const recordVersion = (rows: string) => `INSERT INTO ${versions} AS known (record, version, expires_at)
${rows}
ON CONFLICT (record) DO UPDATE SET version = excluded.version, expires_at = excluded.expires_at
  WHERE known.version <= excluded.version OR known.expires_at <= now()
RETURNING record`
  return {
    claimBatch: `WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::text[], $5::float8[], $6::float8[]) WITH ORDINALITY
    AS input (key, owner, lease_ms, record, version, retention_ms, position)
), claimed AS (
  INSERT INTO ${claims} AS held (key, state, owner, expires_at)
  SELECT key, 'in_progress', owner, now() + lease_ms ${MS} FROM input ORDER BY key
  ON CONFLICT (key) DO UPDATE SET state = 'in_progress', owner = excluded.owner, expires_at = excluded.expires_at
    WHERE held.expires_at <= now()
  RETURNING key
), versioned AS (
${recordVersion(`SELECT record, version, now() + retention_ms ${MS} FROM input
WHERE record IS NOT NULL AND key IN (SELECT key FROM claimed) ORDER BY record`)}
)
SELECT claimed.key IS NOT NULL AS claimed, versioned.record IS NOT NULL AS newest, seen.state, ${leftMs}
FROM input
LEFT JOIN claimed ON claimed.key = input.key
LEFT JOIN versioned ON versioned.record = input.record
LEFT JOIN ${claims} AS seen ON seen.key = input.key
ORDER BY input.position`,
    inspect: `SELECT seen.state, ${leftMs} FROM ${claims} AS seen WHERE seen.key = $1::text`,
    completeBatch: `WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::float8[]) WITH ORDINALITY AS input (key, owner, retention_ms, position)
), completed AS (
  INSERT INTO ${claims} AS held (key, state, owner, expires_at)
  SELECT key, 'completed', owner, now() + retention_ms ${MS} FROM input ORDER BY key
  ON CONFLICT (key) DO UPDATE SET state = 'completed', owner = excluded.owner, expires_at = excluded.expires_at
    WHERE (held.state = 'in_progress' AND held.owner = excluded.owner) OR held.expires_at <= now()
  RETURNING held.key
)
SELECT completed.key IS NOT NULL AS completed FROM input LEFT JOIN completed ON completed.key = input.key ORDER BY input.position`,
    release: `DELETE FROM ${claims} WHERE key = $1::text AND owner = $2::text AND state = 'in_progress' AND expires_at > now()`,
    recordVersion: recordVersion(`VALUES ($1::text, $2::float8, now() + $3::float8 ${MS})`),
    purgeClaims: purge(claims, 'key'),
    purgeVersions: purge(versions, 'record'),
  }
}

function purge(table: string, keyColumn: string): string {
  // SKIP LOCKED: a row a claim is taking over right now is left for the next sweep.
  return `WITH doomed AS (
  SELECT ${keyColumn} FROM ${table} WHERE expires_at < now() LIMIT $1::int FOR UPDATE SKIP LOCKED
)
DELETE FROM ${table} AS gone USING doomed WHERE gone.${keyColumn} = doomed.${keyColumn}`
}
