import { createReceiver } from '@crm-webhooks/core'
import { automatenexus, automatenexusFixtures, buildSampleDelivery } from '@crm-webhooks/core/providers'
import { deliveryContract, idempotencyStoreContract, orderingGuardContract } from '@crm-webhooks/core/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DATABASE_URL, dropTables, postgresAvailable, sleep, uniqueTable } from './__fixtures__/postgres-test-env.js'
import { type PostgresStore, createPostgresStore, migrationSql } from './index.js'

const available = await postgresAvailable()

describe('createPostgresStore: configuration mistakes throw TypeError', () => {
  it.each([
    ['neither pool nor connection string', {}],
    ['both pool and connection string', { connectionString: DATABASE_URL, pool: {} as never }],
    ['a table name with a quote', { connectionString: DATABASE_URL, table: 'x"; DROP TABLE users; --' }],
    ['a three-part table name', { connectionString: DATABASE_URL, table: 'a.b.c' }],
    ['a table name too long for its derived names', { connectionString: DATABASE_URL, table: 'x'.repeat(49) }],
    ['a zero command timeout', { connectionString: DATABASE_URL, commandTimeoutMs: 0 }],
    ['a negative purge interval', { connectionString: DATABASE_URL, purgeIntervalMs: -1 }],
    ['preparedStatements that is not a boolean', { connectionString: DATABASE_URL, preparedStatements: 'no' as never }],
  ])('%s', (_, options) => {
    expect(() => createPostgresStore(options)).toThrow(TypeError)
  })
})

describe('migrationSql', () => {
  it('prints idempotent DDL for the default table, a named one and a schema-qualified one', () => {
    expect(migrationSql()).toContain('CREATE TABLE IF NOT EXISTS "crm_webhooks_idempotency" (')
    expect(migrationSql()).toContain('CREATE TABLE IF NOT EXISTS "crm_webhooks_idempotency_versions" (')
    const qualified = migrationSql({ table: 'webhooks.Idempotency' })
    expect(qualified).toContain('CREATE TABLE IF NOT EXISTS "webhooks"."Idempotency" (')
    expect(qualified).toContain('CREATE INDEX IF NOT EXISTS "Idempotency_expires_at_idx" ON "webhooks"."Idempotency" (expires_at)')
    expect(qualified).toContain('"webhooks"."Idempotency_versions"')
  })
})

describe.skipIf(!available)('postgres store against a real server', () => {
  const table = uniqueTable('store')
  let store: PostgresStore
  let admin: pg.Pool

  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: DATABASE_URL })
    store = createPostgresStore({ connectionString: DATABASE_URL, table, autoMigrate: true })
  })
  afterAll(async () => {
    await store?.close()
    await admin?.end()
    await dropTables(table)
  })

  describe('the store contract', () => {
    for (const contractCase of [...idempotencyStoreContract, ...orderingGuardContract, ...deliveryContract]) {
      it(contractCase.name, () => contractCase.run({ store, advance: sleep }))
    }
  })

  it('keeps state, owner and a database-clock deadline in its table', async () => {
    await store.claim('acme:evt_1', 'owner', 60_000)
    const claimed = await admin.query(`SELECT state, owner, expires_at - now() AS left FROM "${table}" WHERE key = 'acme:evt_1'`)
    expect(claimed.rows[0]).toMatchObject({ state: 'in_progress', owner: 'owner' })
    await store.complete('acme:evt_1', 'owner', 72 * 3_600_000)
    const completed = await admin.query(`SELECT state, extract(epoch FROM expires_at - now()) AS left FROM "${table}" WHERE key = 'acme:evt_1'`)
    expect(completed.rows[0].state).toBe('completed')
    expect(Number(completed.rows[0].left)).toBeGreaterThan(71 * 3_600)
  })

  it('costs two statements per delivery: the claim, ordering guard included, and the completion', async () => {
    const statements: string[] = []
    const counted = new Proxy(admin, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown
        if (property !== 'query') return typeof value === 'function' ? value.bind(target) : value
        return (query: pg.QueryConfig) => {
          statements.push(query.text.trimStart().split(/\s/, 1)[0]!)
          return target.query(query)
        }
      },
    })
    const secret = 'round-trip-secret'
    const counting = createPostgresStore({ pool: counted, table })
    let stale: boolean | undefined
    const receiver = createReceiver({ provider: automatenexus, secret, store: counting }).onAny((event) => {
      stale = event.stale
    })
    const deal = `deal_${globalThis.crypto.randomUUID()}`
    const deliver = async (now: number) => {
      const data = { ...automatenexusFixtures['deal.stage_changed'], id: deal }
      const sample = await buildSampleDelivery('automatenexus', 'deal.stage_changed', { secret, now, data })
      return receiver.handle({ method: sample.method, headers: sample.headers, rawBody: sample.body })
    }
    expect((await deliver(Date.now())).status).toBe(200)
    expect(statements).toEqual(['WITH', 'UPDATE'])
    expect(stale).toBe(false)
    statements.length = 0
    expect((await deliver(Date.now() - 1_000)).status).toBe(200)
    expect(statements).toEqual(['WITH', 'UPDATE'])
    expect(stale).toBe(true)
    await counting.close()
  })

  it('purgeExpired deletes expired claims, completions and versions, and only those', async () => {
    await store.claim('purge:expired-claim', 'o', 50)
    await store.claim('purge:expired-done', 'o', 60_000)
    await store.complete('purge:expired-done', 'o', 50)
    await store.recordVersion('purge:record', 1, 50)
    await store.claim('purge:live', 'o', 60_000)
    await sleep(100)
    expect(await store.purgeExpired()).toBeGreaterThanOrEqual(3)
    const left = await admin.query(`SELECT key FROM "${table}" WHERE key LIKE 'purge:%'`)
    expect(left.rows.map((row) => row.key)).toEqual(['purge:live'])
    expect((await admin.query(`SELECT count(*)::int AS n FROM "${table}_versions" WHERE record = 'purge:record'`)).rows[0].n).toBe(0)
  })

  it('without the migration, every call fails closed with a message that says how to apply it', async () => {
    const missing = createPostgresStore({ connectionString: DATABASE_URL, table: uniqueTable('missing') })
    try {
      const error = (await missing.claim('k', 'o', 1_000).catch((caught: unknown) => caught)) as Error & { code: string }
      expect(error.code).toBe('store_unavailable')
      expect(error.message).toMatch(/does not exist: call store\.migrate\(\), pass autoMigrate: true, or apply migrationSql\(\)/)
    } finally {
      await missing.close()
    }
  })

  it('migrate() is idempotent and safe when instances start together', async () => {
    const shared = uniqueTable('migrate')
    const stores = Array.from({ length: 4 }, () => createPostgresStore({ connectionString: DATABASE_URL, table: shared }))
    try {
      await Promise.all(stores.map((each) => each.migrate()))
      await stores[0]!.migrate()
      expect(await stores[1]!.claim('k', 'o', 1_000)).toEqual({ state: 'claimed' })
      expect(stores[2]!.migrationSql()).toBe(migrationSql({ table: shared }))
    } finally {
      await Promise.all(stores.map((each) => each.close()))
      await dropTables(shared)
    }
  })

  it('prepares its statements once per connection, under names no other store on the connection shares', async () => {
    // One connection, so every statement below runs in the session whose prepared statements are read.
    const session = new pg.Pool({ connectionString: DATABASE_URL, max: 1 })
    const other = uniqueTable('prepared')
    const late = uniqueTable('prepared_late')
    const prepared = async () =>
      (await session.query(`SELECT name FROM pg_prepared_statements WHERE name LIKE 'crm\\_webhooks\\_%'`)).rows.map((row) => row.name)
    try {
      const first = createPostgresStore({ pool: session, table })
      const second = createPostgresStore({ pool: session, table: other, autoMigrate: true })
      const third = createPostgresStore({ pool: session, table: late })
      expect(await first.claim('prepared:1', 'o', 60_000)).toEqual({ state: 'claimed' })
      expect(await first.complete('prepared:1', 'o', 60_000)).toBe(true)
      expect(await first.claim('prepared:2', 'o', 60_000)).toEqual({ state: 'claimed' })
      expect(await first.claim('prepared:1', 'o', 60_000)).toEqual({ state: 'completed' })
      expect(await prepared()).toHaveLength(2)
      // The same statement on another table: its own name, so pg never sees one name with two texts.
      expect(await second.claim('prepared:1', 'o', 60_000)).toEqual({ state: 'claimed' })
      expect(await prepared()).toHaveLength(3)
      // A statement that failed to prepare (its table was missing) is prepared afresh once the table exists
      // (pg-pool also drops a connection whose query failed, so the session starts empty).
      await expect(third.claim('prepared:1', 'o', 60_000)).rejects.toMatchObject({ code: 'store_unavailable' })
      await third.migrate()
      expect(await third.claim('prepared:1', 'o', 60_000)).toEqual({ state: 'claimed' })
      expect(await third.claim('prepared:1', 'o', 60_000)).toMatchObject({ state: 'in_progress' })
      expect((await prepared()).length).toBeGreaterThanOrEqual(1)
    } finally {
      await session.end()
      await dropTables(other)
      await dropTables(late)
    }
  })

  it('with preparedStatements: false, sends every statement unnamed (for PgBouncer in transaction mode)', async () => {
    const session = new pg.Pool({ connectionString: DATABASE_URL, max: 1 })
    try {
      const unprepared = createPostgresStore({ pool: session, table, preparedStatements: false })
      expect(await unprepared.claim('unprepared:1', 'o', 60_000)).toEqual({ state: 'claimed' })
      expect(await unprepared.complete('unprepared:1', 'o', 60_000)).toBe(true)
      expect((await session.query('SELECT count(*)::int AS n FROM pg_prepared_statements')).rows[0].n).toBe(0)
    } finally {
      await session.end()
    }
  })

  it('close() leaves a pool you passed open; a closed store rejects with store_unavailable', async () => {
    const borrowed = createPostgresStore({ pool: admin, table })
    await borrowed.close()
    expect((await admin.query('SELECT 1 AS one')).rows[0].one).toBe(1)
    await expect(borrowed.claim('after-close', 'o', 1_000)).rejects.toMatchObject({ code: 'store_unavailable', status: 503 })
  })
})
