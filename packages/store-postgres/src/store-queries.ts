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
   * without one), $5 version, $6 retention ms, recorded only when the claim is taken. No key may appear
   * twice (ON CONFLICT DO UPDATE touches a row once per statement); a record may, its claims taken as if
   * one after another in batch order. One row per claim, in order: claimed, newest (not stale), unsure
   * (taken, but its record's version changed under the statement: ask `recordVersions`), and the state and
   * left_ms of the row the statement's snapshot saw.
   */
  readonly claimBatch: string
  /**
   * Records versions of taken claims, as the claim batch does: $1 records, $2 versions, $3 retention ms,
   * in batch order (a record may appear more than once). One row per version, in order: newest, unsure.
   */
  readonly recordVersions: string
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

  // The ordering guard of the versions in `taken` (position, record, version, retention_ms), several of one
  // record among them, as if each were recorded alone in batch order: a version is stale when the newest
  // before it is greater, the newest before it being the record's live version or one an earlier entry
  // names (a stale one changes nothing, being older), and the record keeps its last version not stale,
  // with that one's retention. The record's version is read from the statement's snapshot, one upsert
  // a record writes the outcome, and its ON CONFLICT checks, on the row as it is once locked, that the
  // version there makes the same entries stale: a row another statement changed meanwhile (committed after
  // this one's snapshot) that would is left alone, and its entries answered unsure, to be recorded again.
  const guard = `ordered AS (
  SELECT taken.position, taken.record, taken.version, taken.retention_ms,
    max(taken.version) OVER (PARTITION BY taken.record ORDER BY taken.position ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before,
    CASE WHEN snapshot.expires_at > now() THEN snapshot.version END AS held
  FROM taken LEFT JOIN ${versions} AS snapshot ON snapshot.record = taken.record
), decided AS (
  SELECT ordered.*, coalesce(greatest(ordered.held, ordered.before) > ordered.version, false) AS stale FROM ordered
), written AS (
  SELECT DISTINCT ON (record) record, version, retention_ms FROM decided WHERE NOT stale ORDER BY record, position DESC
), versioned AS (
  INSERT INTO ${versions} AS known (record, version, expires_at)
  SELECT record, version, now() + retention_ms ${MS} FROM written ORDER BY record
  ON CONFLICT (record) DO UPDATE SET version = excluded.version, expires_at = excluded.expires_at
    WHERE NOT EXISTS (
      SELECT FROM decided WHERE decided.record = excluded.record
        AND coalesce(greatest(CASE WHEN known.expires_at > now() THEN known.version END, decided.before) > decided.version, false) <> decided.stale
    )
  RETURNING record
), guarded AS (
  SELECT decided.position, NOT decided.stale AS newest,
    decided.record IN (SELECT record FROM written) AND decided.record NOT IN (SELECT record FROM versioned) AS unsure
  FROM decided
)`
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
), taken AS (
  SELECT position, record, version, retention_ms FROM input WHERE record IS NOT NULL AND key IN (SELECT key FROM claimed)
), ${guard}
SELECT claimed.key IS NOT NULL AS claimed, coalesce(guarded.newest, false) AS newest, coalesce(guarded.unsure, false) AS unsure,
  seen.state, ${leftMs}
FROM input
LEFT JOIN claimed ON claimed.key = input.key
LEFT JOIN guarded ON guarded.position = input.position
LEFT JOIN ${claims} AS seen ON seen.key = input.key
ORDER BY input.position`,
    recordVersions: `WITH taken AS (
  SELECT * FROM unnest($1::text[], $2::float8[], $3::float8[]) WITH ORDINALITY AS taken (record, version, retention_ms, position)
), ${guard}
SELECT guarded.newest, guarded.unsure FROM guarded ORDER BY guarded.position`,
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
    recordVersion: `INSERT INTO ${versions} AS known (record, version, expires_at) VALUES ($1::text, $2::float8, now() + $3::float8 ${MS})
ON CONFLICT (record) DO UPDATE SET version = excluded.version, expires_at = excluded.expires_at
  WHERE known.version <= excluded.version OR known.expires_at <= now()
RETURNING record`,
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
