/**
 * The store's statements, one round trip each. Time is the database's `now()`, never an instance's
 * clock, so instances with skewed clocks agree on every lease and retention deadline.
 *
 * @module
 */
import type { TableNames } from './migration.js'

/** The SQL text of every statement the store runs, for one pair of tables. */
export interface StoreQueries {
  /** $1 key, $2 owner, $3 lease ms. Row: claimed (0/1), state and left_ms of the row the statement saw. */
  readonly claim: string
  /**
   * `claim`, and when it takes the key, `recordVersion` of $4 record, $5 version, $6 retention ms in the
   * same statement. Row: as `claim`, plus newest (0/1): 1 when the version was recorded (not stale).
   */
  readonly claimWithVersion: string
  /** $1 key. Row: state and left_ms, read afresh (after a claim lost a race to a row it could not see). */
  readonly inspect: string
  /** $1 key, $2 owner, $3 retention ms. One row affected when the owner's live claim became completed. */
  readonly complete: string
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
 * const { rows } = await pool.query(storeQueries(tableNames()).claim, [key, owner, 60_000])
 * ```
 */
export function storeQueries(names: TableNames): StoreQueries {
  const { claims, versions } = names
  const leftMs = `ceil(extract(epoch FROM seen.expires_at - now()) * 1000)::float8 AS left_ms`
  // The insert takes a free key; on conflict it takes over only an expired row. The outer select reads
  // the row as the statement's snapshot saw it, to answer completed or in progress in the same round trip.
  const claimed = `claimed AS (
  INSERT INTO ${claims} AS held (key, state, owner, expires_at)
  VALUES ($1::text, 'in_progress', $2::text, now() + $3::float8 ${MS})
  ON CONFLICT (key) DO UPDATE SET state = 'in_progress', owner = excluded.owner, expires_at = excluded.expires_at
    WHERE held.expires_at <= now()
  RETURNING 1
)`
  const seen = `FROM (SELECT 1) AS one LEFT JOIN ${claims} AS seen ON seen.key = $1::text`
  // Records a version unless a newer, unexpired one is known; returns a row when it did.
  const recordVersion = (row: string) => `INSERT INTO ${versions} AS known (record, version, expires_at)
${row}
ON CONFLICT (record) DO UPDATE SET version = excluded.version, expires_at = excluded.expires_at
  WHERE known.version <= excluded.version OR known.expires_at <= now()
RETURNING 1`
  return {
    claim: `WITH ${claimed}
SELECT (SELECT count(*) FROM claimed)::int AS claimed, seen.state, ${leftMs}
${seen}`,
    // Claims lock their claim row before their version row, and recordVersion locks only a version row:
    // no two statements wait on each other in opposite orders.
    claimWithVersion: `WITH ${claimed}, versioned AS (
${recordVersion(`SELECT $4::text, $5::float8, now() + $6::float8 ${MS} WHERE EXISTS (SELECT 1 FROM claimed)`)}
)
SELECT (SELECT count(*) FROM claimed)::int AS claimed, (SELECT count(*) FROM versioned)::int AS newest, seen.state, ${leftMs}
${seen}`,
    inspect: `SELECT seen.state, ${leftMs} FROM ${claims} AS seen WHERE seen.key = $1::text`,
    complete: `UPDATE ${claims} SET state = 'completed', expires_at = now() + $3::float8 ${MS}
WHERE key = $1::text AND owner = $2::text AND state = 'in_progress' AND expires_at > now()`,
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
