import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DATABASE_URL, dropTables, postgresAvailable, uniqueTable } from './__fixtures__/postgres-test-env.js'
import { createPostgresStore, migrationSql } from './index.js'

const available = await postgresAvailable()

/** The longest table name: PostgreSQL keeps `<name>_expires_at_idx` whole (63 bytes), the store's limit since its first release. */
const MAX_NAME_LENGTH = 63 - '_expires_at_idx'.length

/** The objects the store makes for `table`, named as PostgreSQL keeps them (their first 63 bytes). */
const objectsOf = (table: string) => [table, `${table}_versions`, `${table}_expires_at_idx`, `${table}_versions_expires_at_idx`.slice(0, 63)]

/** A table name of exactly `length` ASCII characters that no other test run uses, ending in `last`. */
function tableOfLength(length: number, last = 'x'): string {
  const unique = uniqueTable('len')
  expect(unique.length).toBeLessThan(length)
  return unique.padEnd(length - 1, '_') + last
}

/** The longest name `migrationSql` (the store's own check) accepts, in characters: asked, not assumed. */
function longestAcceptedName(): number {
  for (let length = 128; length > 0; length -= 1) {
    try {
      migrationSql({ table: 'x'.repeat(length) })
      return length
    } catch {
      // refused: try one character shorter
    }
  }
  throw new Error('no table name accepted')
}

/** What createPostgresStore and migrationSql throw for `table` (each must throw the same TypeError). */
function refusal(table: string): TypeError {
  const fromStore = (() => {
    try {
      createPostgresStore({ connectionString: DATABASE_URL, table })
    } catch (error) {
      return error
    }
    throw new Error(`createPostgresStore accepted table ${JSON.stringify(table)}`)
  })()
  expect(fromStore).toBeInstanceOf(TypeError)
  expect(() => migrationSql({ table })).toThrow((fromStore as TypeError).message)
  return fromStore as TypeError
}

describe('table names: every identifier derived from one fits PostgreSQL\'s 63 bytes', () => {
  it(`accepts a name of ${MAX_NAME_LENGTH} characters and refuses one more, stating the maximum`, () => {
    expect(longestAcceptedName()).toBe(MAX_NAME_LENGTH)
    // The ordering guard's index, cut as PostgreSQL would cut it, so the SQL names the object the catalog holds.
    expect(migrationSql({ table: 'x'.repeat(MAX_NAME_LENGTH) })).toContain(`"${'x'.repeat(MAX_NAME_LENGTH)}_versions_expir"`)
    expect(migrationSql({ table: 'x'.repeat(39) })).toContain(`"${'x'.repeat(39)}_versions_expires_at_idx"`)
    const error = refusal('x'.repeat(MAX_NAME_LENGTH + 1))
    expect(error.message).toContain(`at most ${MAX_NAME_LENGTH} characters`)
    expect(error.message).toContain(`is ${MAX_NAME_LENGTH + 1}`)
  })

  it('counts the name alone: a schema adds nothing to it, and may itself take all 63 bytes', () => {
    expect(() => migrationSql({ table: `${'s'.repeat(63)}.${'x'.repeat(MAX_NAME_LENGTH)}` })).not.toThrow()
    expect(refusal(`${'s'.repeat(64)}.x`).message).toContain('at most 63 characters')
    expect(refusal(`s.${'x'.repeat(MAX_NAME_LENGTH + 1)}`).message).toContain(`at most ${MAX_NAME_LENGTH} characters`)
  })

  it('refuses a non-ASCII name, even one within the limit in characters: PostgreSQL counts bytes, and only ASCII is one a character', () => {
    // 48 characters, 49 bytes in UTF-8 (the encoding PostgreSQL counts identifiers in on a UTF8 database).
    const name = `${'x'.repeat(MAX_NAME_LENGTH - 1)}é`
    expect(name).toHaveLength(MAX_NAME_LENGTH)
    expect(new TextEncoder().encode(name).byteLength).toBe(MAX_NAME_LENGTH + 1)
    refusal(name)
    refusal('é'.repeat(20))
    refusal(`${'é'.repeat(32)}.x`)
  })
})

describe('table names that another store\'s objects have', () => {
  it.each([
    ['t_versions', 'ordering guard'],
    ['webhooks.t_expires_at_idx', 'expiry index'],
    ['t_pkey', 'primary-key index'],
    ['t_versions_pkey', 'ordering guard\'s primary-key index'],
  ])('refuses %s, the name of another store\'s %s', (table) => {
    expect(refusal(table).message).toMatch(/must not end in _(versions|expires_at_idx|pkey) \(the name of another table's/)
  })
})

describe.skipIf(!available)('table names against a real server', () => {
  let admin: pg.Client
  const notices: Array<{ code?: string | undefined; message?: string | undefined }> = []
  const tables: string[] = []

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: DATABASE_URL })
    admin.on('notice', (notice) => notices.push(notice))
    await admin.connect()
  })
  afterAll(async () => {
    await admin?.end()
    for (const table of tables) await dropTables(table)
  })

  /** The relations of the public schema whose name starts with `prefix`. */
  async function relationsStartingWith(prefix: string): Promise<string[]> {
    const { rows } = await admin.query<{ relname: string }>(
      `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND starts_with(relname, $1) ORDER BY relname`,
      [prefix],
    )
    return rows.map((row) => row.relname)
  }

  it('for the longest name it accepts, creates every object under the name its SQL uses: PostgreSQL truncates none', async () => {
    const table = tableOfLength(longestAcceptedName())
    tables.push(table)
    const store = createPostgresStore({ connectionString: DATABASE_URL, table, purgeIntervalMs: 0 })
    try {
      await store.migrate()
    } finally {
      await store.close()
    }
    expect(await relationsStartingWith(table)).toEqual(expect.arrayContaining(objectsOf(table)))
    // The printed migration, run by hand: PostgreSQL truncates (SQLSTATE 42622) none of its identifiers.
    notices.length = 0
    await admin.query(migrationSql({ table }))
    expect(notices.filter((notice) => notice.code === '42622').map((notice) => notice.message)).toEqual([])
  })

  it('two stores on names of the longest length, apart only in their last byte, keep their own tables end to end', async () => {
    const length = longestAcceptedName()
    const [first, second] = [tableOfLength(length, 'a'), tableOfLength(length, 'b')]
    tables.push(first, second)
    const stores = [first, second].map((table) => createPostgresStore({ connectionString: DATABASE_URL, table, autoMigrate: true, purgeIntervalMs: 0 }))
    try {
      const [one, two] = stores as [ReturnType<typeof createPostgresStore>, ReturnType<typeof createPostgresStore>]
      expect(await one.claim('acme:evt_1', 'o1', 60_000, { record: 'deal_1', version: 2, retentionMs: 60_000 })).toEqual({ state: 'claimed', stale: false })
      expect(await one.complete('acme:evt_1', 'o1', 60_000)).toBe(true)
      expect(await one.claim('acme:evt_1', 'o1b', 60_000)).toEqual({ state: 'completed' })
      // The other store sees neither the key nor the record's version.
      expect(await two.claim('acme:evt_1', 'o2', 60_000, { record: 'deal_1', version: 1, retentionMs: 60_000 })).toEqual({ state: 'claimed', stale: false })
      expect(await one.recordVersion('deal_1', 1, 60_000)).toEqual({ stale: true })
    } finally {
      await Promise.all(stores.map((store) => store.close()))
    }
    for (const table of [first, second]) {
      expect(await relationsStartingWith(table)).toEqual(expect.arrayContaining(objectsOf(table)))
    }
  })
})
