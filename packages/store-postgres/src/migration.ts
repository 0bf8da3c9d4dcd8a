/**
 * The store's two tables (claims, and record versions for the ordering guard), as SQL the package can
 * print for a migration tool or apply itself. Idempotent: running it again changes nothing.
 *
 * @module
 */
import type pg from 'pg'
import type { Pool } from 'pg'
import { resultTypes } from './result-types.js'

/** The quoted names the store's SQL uses, derived from one table name. */
export interface TableNames {
  /** The claims table, e.g. `"crm_webhooks_idempotency"` or `"webhooks"."idempotency"`. */
  readonly claims: string
  /** The ordering guard's table: the claims table's name plus `_versions`. */
  readonly versions: string
  /** Index names (unqualified: an index lives in its table's schema). */
  readonly claimsExpiryIndex: string
  readonly versionsExpiryIndex: string
  /** The name as given, for messages. */
  readonly given: string
}

/**
 * The default table name.
 *
 * @example
 * ```ts
 * createPostgresStore({ pool, table: DEFAULT_TABLE }) // the same as leaving `table` out
 * ```
 */
export const DEFAULT_TABLE = 'crm_webhooks_idempotency'

/** The suffix of each name the store derives from the table's, by the {@link TableNames} entry it names. */
const SUFFIXES = {
  claims: '',
  versions: '_versions',
  claimsExpiryIndex: '_expires_at_idx',
  versionsExpiryIndex: '_versions_expires_at_idx',
} as const

/** The endings of names another store's objects have, with what those objects are. */
const RESERVED_ENDINGS = [
  [SUFFIXES.versions, 'ordering guard'],
  [SUFFIXES.claimsExpiryIndex, 'expiry index'],
  ['_pkey', 'primary-key index'],
] as const

/** PostgreSQL keeps 63 bytes of an identifier (NAMEDATALEN - 1) and silently drops the rest. */
const MAX_IDENTIFIER_BYTES = 63

/**
 * The longest table name (without its schema): 48, so that every name derived from it but the ordering
 * guard's index fits whole. That index, `<name>_versions_expires_at_idx`, is cut to 63 bytes for names past
 * 39 (`<name>_versions_expir` at 48), here, as PostgreSQL itself cut it when the store spelled it whole: the
 * store's SQL names the index the catalog holds, no notice is raised, and a store that has run on such a name
 * keeps its objects. Within 48, no cut name can be another store's: the others end in their own suffixes,
 * whole, and a name ending in one of them is refused below. Names are ASCII (see IDENTIFIER), one byte a
 * character, so lengths are counted in characters.
 */
const MAX_NAME_LENGTH = MAX_IDENTIFIER_BYTES - SUFFIXES.claimsExpiryIndex.length

/** `name` and `suffix` as PostgreSQL keeps the identifier: its first 63 bytes. */
function derivedName(name: string, suffix: string): string {
  return `${name}${suffix}`.slice(0, MAX_IDENTIFIER_BYTES)
}

/**
 * ASCII only: every server encoding stores it one byte a character, so the limit above holds on any
 * database, and an identifier of these characters needs no escaping inside double quotes.
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

function quote(identifier: string): string {
  return `"${identifier}"`
}

/**
 * Checks a table name (`name` or `schema.name`, ASCII letters, digits and underscores, the name at most 48
 * characters, the schema at most 63) and derives the quoted names, each as PostgreSQL keeps it (its first 63 bytes).
 *
 * @example
 * ```ts
 * tableNames('webhooks.idempotency').versions // '"webhooks"."idempotency_versions"'
 * ```
 */
export function tableNames(table: string = DEFAULT_TABLE): TableNames {
  const parts = typeof table === 'string' ? table.split('.') : []
  if (parts.length < 1 || parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new TypeError(
      `crm-webhooks: table ${JSON.stringify(table)} must be a name or schema.name of ASCII letters, digits and underscores, not starting with a digit (the name at most ${MAX_NAME_LENGTH} characters)`,
    )
  }
  const name = parts.at(-1)!
  const schemaName = parts.length === 2 ? parts[0]! : undefined
  if (name.length > MAX_NAME_LENGTH) {
    throw new TypeError(
      `crm-webhooks: table ${JSON.stringify(table)}: the name must be at most ${MAX_NAME_LENGTH} characters (it is ${name.length}), so that ` +
        `${JSON.stringify(`${name}${SUFFIXES.claimsExpiryIndex}`)}, a name derived from it, fits PostgreSQL's ${MAX_IDENTIFIER_BYTES}-byte identifiers`,
    )
  }
  if (schemaName !== undefined && schemaName.length > MAX_IDENTIFIER_BYTES) {
    throw new TypeError(
      `crm-webhooks: table ${JSON.stringify(table)}: the schema must be at most ${MAX_IDENTIFIER_BYTES} characters (it is ${schemaName.length}): PostgreSQL would silently truncate it`,
    )
  }
  // Store `t` keeps its versions in `t_versions`: a store on `t_versions` would take those for claims. Indexes
  // share the namespace of tables: a store on `t_expires_at_idx` and store `t` would each skip, `IF NOT EXISTS`,
  // the other's object of that name (its table, or its expiry index), with no more than a notice; and a store on
  // `t_pkey` (or `t_versions_pkey`) would find the primary-key index PostgreSQL named for store `t`'s table, and
  // its migration would fail on it (42809, "is an index").
  const taken = RESERVED_ENDINGS.find(([ending]) => name.endsWith(ending))
  if (taken !== undefined) {
    throw new TypeError(`crm-webhooks: table ${JSON.stringify(table)} must not end in ${taken[0]} (the name of another table's ${taken[1]})`)
  }
  const schema = schemaName === undefined ? '' : `${quote(schemaName)}.`
  return {
    claims: `${schema}${quote(derivedName(name, SUFFIXES.claims))}`,
    versions: `${schema}${quote(derivedName(name, SUFFIXES.versions))}`,
    claimsExpiryIndex: quote(derivedName(name, SUFFIXES.claimsExpiryIndex)),
    versionsExpiryIndex: quote(derivedName(name, SUFFIXES.versionsExpiryIndex)),
    given: table,
  }
}

/**
 * The migration, as SQL: print it for your migration tool, or let the store apply it.
 *
 * @example
 * ```ts
 * import { migrationSql } from '@crm-webhooks/store-postgres'
 * await writeFile('migrations/0042_crm_webhooks.sql', migrationSql({ table: 'webhooks.idempotency' }))
 * ```
 */
export function migrationSql(options: { table?: string } = {}): string {
  const names = tableNames(options.table)
  return `-- crm-webhooks idempotency store: claims and the ordering guard's record versions.
-- Run it in one transaction (migration tools do; psql: --single-transaction): the lock, the one every store's
-- migrate() takes, keeps two runs from racing on CREATE TABLE IF NOT EXISTS, which fails on a concurrent twin.
SELECT pg_advisory_xact_lock(hashtext('crm-webhooks:migration'));
-- A claim row is in progress (a lease until expires_at) or completed (remembered until expires_at).
CREATE TABLE IF NOT EXISTS ${names.claims} (
  key text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('in_progress', 'completed')),
  owner text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS ${names.claimsExpiryIndex} ON ${names.claims} (expires_at);

CREATE TABLE IF NOT EXISTS ${names.versions} (
  record text PRIMARY KEY,
  version double precision NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS ${names.versionsExpiryIndex} ON ${names.versions} (expires_at);
`
}

/**
 * Whether both tables ($1 and $3, as the store's SQL spells them) exist with their expiry indexes ($2 and
 * $4, in their table's schema), read from the catalog without a lock on either table. A later change to the
 * migration must check here for what it adds, or tables migrated before it would skip it.
 */
const APPLIED = `SELECT count(*) = 2 AS applied
FROM (VALUES ($1::text, $2::text), ($3::text, $4::text)) AS wanted (relation, expiry_index)
JOIN pg_class AS relation ON relation.oid = to_regclass(wanted.relation)
JOIN pg_namespace AS schema ON schema.oid = relation.relnamespace
WHERE to_regclass(format('%I.%s', schema.nspname, wanted.expiry_index)) IS NOT NULL`

/**
 * Applies the migration in one transaction, under an advisory lock so instances starting together do
 * not race on `CREATE TABLE IF NOT EXISTS` (which can fail on a concurrent duplicate), each statement
 * given `timeoutMs` on the server and a second more on the client; nothing (no lock either) when the
 * tables and indexes are all there.
 *
 * @example
 * ```ts
 * await applyMigration(pool, tableNames(), 10_000)
 * ```
 */
export async function applyMigration(pool: Pool, names: TableNames, timeoutMs: number): Promise<void> {
  const client = await pool.connect()
  let failure: Error | undefined
  // A checked-out client has no listener of the pool's: a connection that drops mid-migration (a restart,
  // a failover) emits 'error', even with a query in progress, and an 'error' nobody listens to crashes the
  // process. The query fails with it, so this only keeps it for the release.
  const onError = (error: Error) => void (failure ??= error)
  client.on('error', onError)
  // A migration may wait for the lock or a table longer than a claim would: it gets its own budget on the
  // server (statement_timeout, which a store's pool sets to its command timeout) and on the client.
  // Read with the store's parsers: a pool's bool parser answering 't' made `applied` never true, so every
  // start took the migration's locks.
  const statement = (text: string): pg.QueryConfig => ({ text, types: resultTypes, query_timeout: timeoutMs + 1_000 } as pg.QueryConfig)
  try {
    // Already applied (the usual start of an instance): nothing to take. CREATE INDEX IF NOT EXISTS takes a
    // SHARE lock on its table before it finds the index there, so on a table in service the migration waited
    // for every statement in progress on it, and every claim and completion of every instance queued behind
    // it. Tables or indexes a concurrent migration has not committed yet do not show: the locked path below.
    const applied = await client.query<{ applied: boolean }>({ ...statement(APPLIED), values: [names.claims, names.claimsExpiryIndex, names.versions, names.versionsExpiryIndex] })
    if (applied.rows[0]?.applied === true) return
    await client.query(statement('BEGIN'))
    await client.query(statement(`SET LOCAL statement_timeout = ${Math.trunc(timeoutMs)}`))
    // The migration takes its advisory lock first: one lock for every migration of the store, however its
    // table is spelled (`t` and `public.t` are one table, and two locks let them race), printed ones included.
    await client.query(statement(migrationSql({ table: names.given })))
    await client.query(statement('COMMIT'))
  } catch (error) {
    failure = error as Error
    // With a read timeout of its own: on a connection gone silent it would otherwise wait behind the statement
    // that timed out for as long as the kernel keeps the socket, the attempt with it (and, under autoMigrate,
    // every call awaiting it). A connection that gives no answer is destroyed below, which rolls back as well.
    await client.query({ text: 'ROLLBACK', query_timeout: 1_000 } as pg.QueryConfig).catch(() => undefined)
    throw error
  } finally {
    // A connection that failed mid-transaction is destroyed, not handed back to the pool (whose listener it
    // gets back on release).
    client.removeListener('error', onError)
    client.release(failure)
  }
}
