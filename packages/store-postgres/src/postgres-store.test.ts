import { spawn } from 'node:child_process'
import { type Socket, connect, createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { type ClaimResult, createReceiver } from '@crm-webhooks/core'
import { automatenexus, automatenexusFixtures, buildSampleDelivery } from '@crm-webhooks/core/providers'
import { batchedStoreContract, closingContract, deliveryContract, idempotencyStoreContract, orderingGuardContract } from '@crm-webhooks/core/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { DATABASE_URL, dropTables, postgresAvailable, sleep, uniqueTable } from './__fixtures__/postgres-test-env.js'
import { type PostgresStore, createPostgresStore, migrationSql } from './index.js'

const available = await postgresAvailable()

describe('createPostgresStore: configuration mistakes throw TypeError', () => {
  it.each([
    ['neither pool nor connection string', {} as never],
    ['both pool and connection string', { connectionString: DATABASE_URL, pool: {} as never }],
    ['a table name with a quote', { connectionString: DATABASE_URL, table: 'x"; DROP TABLE users; --' }],
    ['a three-part table name', { connectionString: DATABASE_URL, table: 'a.b.c' }],
    ['a table name too long for its derived names', { connectionString: DATABASE_URL, table: 'x'.repeat(49) }],
    ['a zero command timeout', { connectionString: DATABASE_URL, commandTimeoutMs: 0 }],
    ['a negative purge interval', { connectionString: DATABASE_URL, purgeIntervalMs: -1 }],
    ['preparedStatements that is not a boolean', { connectionString: DATABASE_URL, preparedStatements: 'no' as never }],
    // AUTO_MIGRATE=false read from the environment is a truthy string.
    ['autoMigrate that is not a boolean', { connectionString: DATABASE_URL, autoMigrate: 'false' as never }],
    // It would have become a pool of pg's defaults that the store never ends.
    ['a null pool', { pool: null as never }],
    // Its client read timeout, a second longer, would overflow a timer and fire at once.
    ['a command timeout whose read timeout no timer can hold', { connectionString: DATABASE_URL, commandTimeoutMs: 2 ** 31 - 1 }],
    // pg would have connected by its defaults (PGHOST, the local socket) instead.
    ['a pg.Client passed as the pool', { pool: new pg.Client({ connectionString: DATABASE_URL }) as never }],
    ['a connection string passed as the pool', { pool: DATABASE_URL as never }],
    ['an empty connection string', { connectionString: '' }],
    ['a blank connection string', { connectionString: ' ' }],
    // Store `t` keeps its versions in `t_versions`: a store on `t_versions` would read those as its claims.
    ['a table name that is another table\'s ordering guard', { connectionString: DATABASE_URL, table: 'webhooks.t_versions' }],
    ['a table name that is another table\'s expiry index', { connectionString: DATABASE_URL, table: 't_expires_at_idx' }],
    // PostgreSQL names store `t`'s primary keys `t_pkey` and `t_versions_pkey`: a store there would fail to migrate.
    ['a table name that is another table\'s primary-key index', { connectionString: DATABASE_URL, table: 't_pkey' }],
  ])('%s', (_, options) => {
    expect(() => createPostgresStore(options)).toThrow(TypeError)
  })
})

// A runtime whose timers are numbers (workerd, browsers): `sweep.unref()` threw from createPostgresStore.
it('creates its purge sweep on a runtime whose timers have no unref', async () => {
  const setIntervalAsNumber = vi.spyOn(globalThis, 'setInterval').mockImplementation((() => 1) as never)
  try {
    const store = createPostgresStore({ connectionString: DATABASE_URL, purgeIntervalMs: 60_000 })
    expect(setIntervalAsNumber).toHaveBeenCalledTimes(1)
    await store.close()
  } finally {
    setIntervalAsNumber.mockRestore()
  }
})

describe('migrationSql', () => {
  it('prints idempotent DDL for the default table, a named one and a schema-qualified one', () => {
    expect(migrationSql()).toContain('CREATE TABLE IF NOT EXISTS "crm_webhooks_idempotency" (')
    expect(migrationSql()).toContain('CREATE TABLE IF NOT EXISTS "crm_webhooks_idempotency_versions" (')
    const qualified = migrationSql({ table: 'webhooks.Idempotency' })
    expect(qualified).toContain('CREATE TABLE IF NOT EXISTS "webhooks"."Idempotency" (')
    expect(qualified).toContain('CREATE INDEX IF NOT EXISTS "Idempotency_expires_at_idx" ON "webhooks"."Idempotency" (expires_at)')
    expect(qualified).toContain('"webhooks"."Idempotency_versions"')
    expect(qualified.indexOf("pg_advisory_xact_lock(hashtext('crm-webhooks:migration'))")).toBeLessThan(qualified.indexOf('CREATE TABLE IF NOT EXISTS "webhooks"'))
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
    for (const contractCase of [...idempotencyStoreContract, ...orderingGuardContract, ...batchedStoreContract, ...deliveryContract]) {
      it(contractCase.name, () => contractCase.run({ store, advance: sleep }))
    }
  })

  describe('closing', () => {
    for (const contractCase of closingContract) {
      it(contractCase.name, () => contractCase.run({ createStore: () => createPostgresStore({ connectionString: DATABASE_URL, table }), observer: store }))
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

  /**
   * A store over a pool that records the first word of every statement it is sent; `before` may delay a
   * statement or fail it (by its number, from 0) before it reaches the server.
   */
  function countingStore(options: { commandTimeoutMs?: number; before?: (index: number) => Promise<void> } = {}) {
    const statements: string[] = []
    const counted = new Proxy(admin, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown
        if (property !== 'query') return typeof value === 'function' ? value.bind(target) : value
        return async (query: pg.QueryConfig) => {
          const index = statements.push(query.text.trimStart().split(/\s/, 1)[0]!) - 1
          await options.before?.(index)
          return target.query(query)
        }
      },
    })
    return { statements, store: createPostgresStore({ pool: counted, table, commandTimeoutMs: options.commandTimeoutMs }) }
  }

  it('costs two statements per delivery: the claim, ordering guard included, and the completion', async () => {
    const { statements, store: counting } = countingStore()
    const secret = 'round-trip-secret'
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
    expect(statements).toEqual(['WITH', 'WITH'])
    expect(stale).toBe(false)
    statements.length = 0
    expect((await deliver(Date.now() - 1_000)).status).toBe(200)
    expect(statements).toEqual(['WITH', 'WITH'])
    expect(stale).toBe(true)
    await counting.close()
  })

  describe('batching: the calls of one event-loop turn share a statement', () => {
    /**
     * `record` at version `from`, then a transaction (another instance's, left open on the connection it
     * answers) changing it to `to`: a statement reading the record meanwhile sees `from`, then waits for its lock.
     */
    const anotherInstanceRecording = async (record: string, from: number, to: number) => {
      await store.recordVersion(record, from, 60_000)
      const other = await admin.connect()
      await other.query('BEGIN')
      await other.query(`UPDATE "${table}_versions" SET version = $2 WHERE record = $1`, [record, to])
      return other
    }
    /** Polls (up to 2 s) until a statement on the table waits for a row lock another transaction holds. */
    const untilAStatementWaitsOnALock = async () => {
      const waiting = async () =>
        Number((await admin.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%'`, [table])).rows[0].n)
      for (let polls = 0; (await waiting()) === 0 && polls < 100; polls += 1) await sleep(20)
    }
    const rowOf = async (key: string) => (await admin.query(`SELECT state, owner FROM "${table}" WHERE key = $1`, [key])).rows[0]
    const versionOf = async (record: string) =>
      (await admin.query(`SELECT version FROM "${table}_versions" WHERE record = $1`, [record])).rows[0]?.version

    // What each call answers is the store contract's ('made together ... in call order'); these check how
    // the calls are split into statements and what lands in the tables.
    it('a key named again in one turn waits for a statement of its own; claims of one record share one', async () => {
      const { statements, store: batched } = countingStore()
      const id = globalThis.crypto.randomUUID()
      const at = (version: number) => ({ record: `deal:${id}`, version, retentionMs: 60_000 })
      const results = await Promise.all([
        batched.claim(`fresh:${id}`, 'a', 60_000),
        batched.claim(`twice:${id}`, 'd', 60_000),
        batched.claim(`twice:${id}`, 'e', 60_000),
        batched.claim(`older:${id}`, 'f', 60_000, at(1_000)),
        batched.claim(`newer:${id}`, 'g', 60_000, at(3_000)),
        batched.claim(`between:${id}`, 'h', 60_000, at(2_500)),
      ])
      // [fresh, twice d, older, newer, between], then [twice e].
      expect(statements).toEqual(['WITH', 'WITH'])
      expect(results.map((each) => each.state)).toEqual(['claimed', 'claimed', 'in_progress', 'claimed', 'claimed', 'claimed'])
      expect(results.slice(3)).toEqual([false, false, true].map((stale) => ({ state: 'claimed', stale })))
      expect(await versionOf(`deal:${id}`)).toBe(3_000)
      expect(await rowOf(`twice:${id}`)).toEqual({ state: 'in_progress', owner: 'd' })
    })

    it('a burst of claims about one record goes in one statement, answered as the same claims one at a time', async () => {
      const { statements, store: batched } = countingStore()
      const id = globalThis.crypto.randomUUID()
      // Versions around the one recorded before, some repeated, each kept an hour longer than the one before.
      const versions = Array.from({ length: 64 }, (_, index) => ((index * 31) % 53) * 20)
      const at = (record: string, index: number) => ({ record, version: versions[index]!, retentionMs: 3_600_000 * (index + 1) })
      const answers: Record<'burst' | 'alone', ClaimResult[]> = { burst: [], alone: [] }
      for (const run of ['burst', 'alone'] as const) {
        const record = `${run}:${id}`
        await store.recordVersion(record, 500, 60_000)
        // One claim meets its key held: not taken, its version recorded by nobody.
        await store.claim(`${run}:${id}:7`, 'somebody-else', 60_000)
        statements.length = 0
        const claim = (index: number) => batched.claim(`${run}:${id}:${index}`, 'o', 60_000, at(record, index))
        if (run === 'burst') answers.burst = await Promise.all(versions.map((_, index) => claim(index)))
        else for (const index of versions.keys()) answers.alone.push(await claim(index))
        if (run === 'burst') expect(statements).toEqual(['WITH'])
      }
      expect(answers.burst.map((each) => ('retryAfterMs' in each ? { state: each.state } : each))).toEqual(
        answers.alone.map((each) => ('retryAfterMs' in each ? { state: each.state } : each)),
      )
      expect(answers.burst.filter((each) => each.state === 'claimed' && each.stale)).not.toHaveLength(0)
      expect(answers.burst.filter((each) => each.state === 'claimed' && !each.stale)).not.toHaveLength(0)
      // The record keeps the newest version and the retention of the last claim that was not stale.
      const last = answers.alone.map((each) => each.state === 'claimed' && !each.stale).lastIndexOf(true)
      for (const run of ['burst', 'alone']) {
        const { rows } = await admin.query(`SELECT version, extract(epoch FROM expires_at - now()) * 1000 AS left FROM "${table}_versions" WHERE record = $1`, [`${run}:${id}`])
        expect(rows[0].version).toBe(Math.max(500, ...versions.filter((_, index) => index !== 7)))
        expect(Number(rows[0].left)).toBeGreaterThan(3_600_000 * (last + 1) - 60_000)
        expect(Number(rows[0].left)).toBeLessThanOrEqual(3_600_000 * (last + 1))
      }
    })

    it('claims of a record another statement changes meanwhile have their versions recorded again, or fail and are given back', async () => {
      await store.migrate()
      for (const round of ['unchanged outcome', 'changed outcome', 'second statement fails'] as const) {
        const { statements, store: batched } = countingStore({ before: (index) => (round === 'second statement fails' && index === 1 ? Promise.reject(new Error('connection reset')) : Promise.resolve()) })
        const id = globalThis.crypto.randomUUID()
        const record = `changed:${id}`
        // Another instance records a version while the burst's statement runs: after its snapshot, before its upsert.
        const other = await anotherInstanceRecording(record, 10, round === 'unchanged outcome' ? 15 : 25)
        try {
          const claims = Promise.allSettled([20, 30, 22, 35].map((version, index) => batched.claim(`changed:${id}:${index}`, 'o', 60_000, { record, version, retentionMs: 60_000 })))
          await untilAStatementWaitsOnALock()
          await other.query('COMMIT')
          const settled = await claims
          if (round === 'second statement fails') {
            expect(settled.map((each) => each.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected'])
            expect(settled[0]).toMatchObject({ reason: { code: 'store_unavailable' } })
            await sleep(200)
            // Given back, so the sender's retry is not met with 409 for the whole lease.
            for (const index of [0, 1, 2, 3]) expect(await rowOf(`changed:${id}:${index}`)).toBeUndefined()
            continue
          }
          // Against 15 the burst's outcome is the one its snapshot (10) gave: one statement. Against 25 the
          // first claim turns stale: its versions are recorded again, in a second.
          const stale = round === 'unchanged outcome' ? [false, false, true, false] : [true, false, true, false]
          expect(settled.map((each) => (each.status === 'fulfilled' ? each.value : each.reason))).toEqual(stale.map((each) => ({ state: 'claimed', stale: each })))
          expect(statements).toEqual(round === 'unchanged outcome' ? ['WITH'] : ['WITH', 'WITH'])
          expect(await versionOf(record)).toBe(35)
        } finally {
          await other.query('ROLLBACK').catch(() => undefined)
          other.release()
          await batched.close()
        }
      }
    })

    it('claims whose versions are recorded again are answered alone: the rest of their statement is answered at once', async () => {
      await store.migrate()
      let releaseSecond!: () => void
      const secondHeld = new Promise<void>((resolve) => (releaseSecond = resolve))
      // The second statement (recording the contended claim's version again) is held until the others are answered.
      const { statements, store: batched } = countingStore({ before: (index) => (index === 1 ? secondHeld : Promise.resolve()) })
      const id = globalThis.crypto.randomUUID()
      const record = `contended:${id}`
      const other = await anotherInstanceRecording(record, 10, 25)
      try {
        const contended = batched.claim(`contended:${id}`, 'o', 60_000, { record, version: 20, retentionMs: 60_000 })
        const unrelated = batched.claim(`unrelated:${id}`, 'o', 60_000, { record: `unrelated:${id}`, version: 1, retentionMs: 60_000 })
        const versionless = batched.claim(`versionless:${id}`, 'o', 60_000)
        await untilAStatementWaitsOnALock()
        await other.query('COMMIT')
        const within = (claim: Promise<unknown>, ms: number) => Promise.race([claim, sleep(ms).then(() => 'held')])
        // Before, all three waited for the second statement.
        expect(await within(unrelated, 2_000)).toEqual({ state: 'claimed', stale: false })
        expect(await within(versionless, 2_000)).toEqual({ state: 'claimed' })
        expect(await within(contended, 100)).toBe('held')
        releaseSecond()
        expect(await contended).toEqual({ state: 'claimed', stale: true })
        expect(statements).toEqual(['WITH', 'WITH'])
      } finally {
        await other.query('ROLLBACK').catch(() => undefined)
        other.release()
        await batched.close()
      }
    })

    it('a claim of the first statement is answered with it, before the statements put off after it run', async () => {
      let releaseSecond!: () => void
      const secondHeld = new Promise<void>((resolve) => (releaseSecond = resolve))
      // The second statement (the key named again) is held until the first claim's answer has arrived.
      const { statements, store: batched } = countingStore({ before: (index) => (index === 1 ? secondHeld : Promise.resolve()) })
      const id = globalThis.crypto.randomUUID()
      const first = batched.claim(`hot:${id}`, 'a', 60_000)
      const other = batched.claim(`other:${id}`, 'c', 60_000)
      const again = batched.claim(`hot:${id}`, 'b', 60_000)
      // Before, every claim of the turn was answered only once the last statement was: these waited for `again`.
      const withinTwoSeconds = (claim: Promise<unknown>) => Promise.race([claim, new Promise((resolve) => setTimeout(() => resolve('held'), 2_000))])
      expect(await withinTwoSeconds(other)).toEqual({ state: 'claimed' })
      expect(await withinTwoSeconds(first)).toEqual({ state: 'claimed' })
      expect(statements).toEqual(['WITH', 'WITH'])
      releaseSecond()
      expect((await again).state).toBe('in_progress')
      await batched.close()
    })

    it('completions of one turn share a statement; a key completed twice goes in a second', async () => {
      const { statements, store: batched } = countingStore()
      const id = globalThis.crypto.randomUUID()
      await Promise.all([batched.claim(`one:${id}`, 'owner-1', 60_000), batched.claim(`two:${id}`, 'owner-2', 60_000)])
      statements.length = 0
      const completed = await Promise.all([
        batched.complete(`one:${id}`, 'owner-1', 60_000),
        batched.complete(`two:${id}`, 'somebody-else', 60_000),
        batched.complete(`one:${id}`, 'owner-1', 60_000),
      ])
      expect(completed).toEqual([true, false, false])
      expect(statements).toEqual(['WITH', 'WITH'])
      expect(await rowOf(`one:${id}`)).toEqual({ state: 'completed', owner: 'owner-1' })
      expect(await rowOf(`two:${id}`)).toEqual({ state: 'in_progress', owner: 'owner-2' })
    })

    it('two instances claiming the same keys at once, in opposite call orders: each key is taken once', async () => {
      const instances = [createPostgresStore({ connectionString: DATABASE_URL, table }), createPostgresStore({ connectionString: DATABASE_URL, table })]
      await store.migrate()
      try {
        // Both pools connected first, so both batches reach the server together.
        await Promise.all(instances.map((each) => each.claim(`crossed:warm:${globalThis.crypto.randomUUID()}`, 'warm', 1_000)))
        for (let round = 0; round < 8; round += 1) {
          const keys = Array.from({ length: 128 }, (_, index) => `crossed:${globalThis.crypto.randomUUID()}:${index}`)
          const record = (index: number) => ({ record: `crossed-deal:${index % 7}`, version: round * 100 + index, retentionMs: 60_000 })
          const [forward, backward] = await Promise.all([
            Promise.all(keys.map((key, index) => instances[0]!.claim(key, 'forward', 60_000, record(index)))),
            Promise.all([...keys].reverse().map((key, index) => instances[1]!.claim(key, 'backward', 60_000, record(keys.length - 1 - index)))),
          ])
          const taken = [...forward, ...backward].filter((each) => each.state === 'claimed')
          expect(taken).toHaveLength(keys.length)
          expect([...forward, ...backward].every((each) => each.state === 'claimed' || each.state === 'in_progress')).toBe(true)
        }
      } finally {
        await Promise.all(instances.map((each) => each.close()))
      }
    })

    it("a completion batch and another instance's claim batch over the same keys never deadlock", async () => {
      const ownTable = uniqueTable('lock_order')
      const [first, second] = [0, 1].map(() =>
        createPostgresStore({ connectionString: DATABASE_URL, table: ownTable, autoMigrate: true, commandTimeoutMs: 15_000 }),
      ) as [PostgresStore, PostgresStore]
      const waitingOnLocks = async () =>
        Number(
          (
            await admin.query(
              `SELECT count(*) AS waiting FROM pg_stat_activity
               WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%'`,
              [ownTable],
            )
          ).rows[0].waiting,
        )
      try {
        await first.migrate()
        // A table in service holds many rows, so the planner updates a batch by probing the key index once
        // per entry, in the batch's order (with a handful of rows it may walk the whole index instead, in
        // key order, and this case would prove nothing).
        await admin.query(
          `INSERT INTO "${ownTable}" (key, state, owner, expires_at)
           SELECT 'filler:' || n, 'completed', 'filler', now() + interval '1 hour' FROM generate_series(1, 20000) AS n`,
        )
        await admin.query(`ANALYZE "${ownTable}"`)
        for (let round = 0; round < 3; round += 1) {
          const keys = Array.from({ length: 64 }, (_, index) => `held:${round}:${String(index).padStart(2, '0')}`)
          await Promise.all(keys.map((key) => first.claim(key, 'first', 60_000)))
          // A transaction of the test's own holds the middle row, so both batches lock up to it and wait: a
          // completion that locked in its call order (the reverse of key order here) would hold the rows
          // after it and the claims those before, and each would then wait for the other: a deadlock, which
          // PostgreSQL breaks by failing one of them.
          const blocker = await admin.connect()
          try {
            await blocker.query('BEGIN')
            await blocker.query(`SELECT 1 FROM "${ownTable}" WHERE key = $1 FOR UPDATE`, [keys[32]])
            const both = Promise.allSettled([
              Promise.all([...keys].reverse().map((key) => first.complete(key, 'first', 60_000))),
              Promise.all(keys.map((key) => second.claim(key, 'second', 60_000))),
            ])
            for (let polls = 0; (await waitingOnLocks()) < 2 && polls < 200; polls += 1) await sleep(25)
            await blocker.query('COMMIT')
            const [completed, claimed] = await both
            expect(completed).toEqual({ status: 'fulfilled', value: keys.map(() => true) })
            expect(claimed.status).toBe('fulfilled')
            const states = (claimed as PromiseFulfilledResult<{ state: string }[]>).value.map((each) => each.state)
            expect(states.every((state) => state === 'completed' || state === 'in_progress')).toBe(true)
          } finally {
            blocker.release()
          }
        }
      } finally {
        await Promise.all([first.close(), second.close()])
        await dropTables(ownTable)
      }
    }, 60_000)

    it('a statement that fails fails its own calls only, never those an earlier statement of the batch claimed', async () => {
      const { statements, store: batched } = countingStore({
        before: async (index) => {
          if (index === 1) throw new Error('connection reset')
        },
      })
      const id = globalThis.crypto.randomUUID()
      const [first, again] = await Promise.allSettled([batched.claim(`split:${id}`, 'a', 60_000), batched.claim(`split:${id}`, 'b', 60_000)])
      expect(statements).toEqual(['WITH', 'WITH'])
      expect(first).toEqual({ status: 'fulfilled', value: { state: 'claimed' } })
      expect(again).toMatchObject({ status: 'rejected', reason: { code: 'store_unavailable' } })
      expect(await rowOf(`split:${id}`)).toEqual({ state: 'in_progress', owner: 'a' })
    })

    it('the statements of one batch share one deadline: a call never waits past commandTimeoutMs', async () => {
      const { store: batched } = countingStore({ commandTimeoutMs: 400, before: () => sleep(250) })
      const id = globalThis.crypto.randomUUID()
      const started = Date.now()
      const [first, again] = await Promise.allSettled([batched.claim(`slow:${id}`, 'a', 60_000), batched.claim(`slow:${id}`, 'b', 60_000)])
      expect(first).toEqual({ status: 'fulfilled', value: { state: 'claimed' } })
      // The second statement had 150 ms of the 400 left, and took 250 before it even reached the server.
      expect(again).toMatchObject({ status: 'rejected', reason: { code: 'store_unavailable' } })
      expect(Date.now() - started).toBeLessThan(650)
    })

    it("a claim's follow-up read shares the claim's deadline: the call never waits past commandTimeoutMs", async () => {
      // The read afresh (statement 1) takes 1 s before it even reaches the server.
      const { statements, store: batched } = countingStore({ commandTimeoutMs: 1_000, before: (index) => (index === 1 ? sleep(1_000) : Promise.resolve()) })
      const key = `raced:${globalThis.crypto.randomUUID()}`
      await store.migrate()
      // Another instance's claim of the key commits while this one's statement waits for it, so the
      // statement's snapshot cannot show the row it lost to, and the claim reads it afresh.
      const blocker = await admin.connect()
      try {
        await blocker.query('BEGIN')
        await blocker.query(`INSERT INTO "${table}" (key, state, owner, expires_at) VALUES ($1, 'in_progress', 'other', now() + interval '1 minute')`, [key])
        const started = Date.now()
        const claiming = batched.claim(key, 'late', 60_000).then(
          (value) => ({ value, ms: Date.now() - started }),
          (error: { code: string }) => ({ code: error.code, ms: Date.now() - started }),
        )
        const waiting = async () =>
          Number((await admin.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%'`, [table])).rows[0].n)
        for (let polls = 0; ((await waiting()) === 0 || Date.now() - started < 300) && polls < 100; polls += 1) await sleep(20)
        await blocker.query('COMMIT')
        const settled = await claiming
        expect(statements).toEqual(['WITH', 'SELECT'])
        // At least 300 ms waiting for the row, then 1 s for the read: past the 1 s the call may take.
        expect(settled).toMatchObject({ code: 'store_unavailable' })
        expect(settled.ms).toBeLessThan(1_200)
      } finally {
        blocker.release()
      }
    })

    it('a claim that lands after its deadline while close() waits is still given back before close() resolves', async () => {
      // The claim statement reaches the server 400 ms late: its call was answered 503 at 200 ms.
      const { store: closing } = countingStore({ commandTimeoutMs: 200, before: (index) => (index === 0 ? sleep(400) : Promise.resolve()) })
      const key = `late-close:${globalThis.crypto.randomUUID()}`
      await store.migrate()
      await expect(closing.claim(key, 'owner', 60_000)).rejects.toMatchObject({ code: 'store_unavailable' })
      await closing.close()
      await sleep(400)
      // Held, it would meet the sender's retries with 409 for the whole lease.
      expect(await rowOf(key)).toBeUndefined()
    })

    it('a burst larger than a batch goes in a few statements, every claim answered', async () => {
      const { statements, store: batched } = countingStore()
      const id = globalThis.crypto.randomUUID()
      const results = await Promise.all(Array.from({ length: 300 }, (_, index) => batched.claim(`burst:${id}:${index % 250}`, `o${index}`, 60_000)))
      expect(results.filter((each) => each.state === 'claimed')).toHaveLength(250)
      expect(results.filter((each) => each.state === 'in_progress')).toHaveLength(50)
      // Batches of 128, 128 and 44, on three connections at once: the 50 repeated keys fall in later
      // batches than their first claims, and each meets its first claim's row, taken or being taken (one
      // that committed after the statement began is read afresh, a SELECT of its own).
      expect(statements.filter((each) => each === 'WITH')).toEqual(['WITH', 'WITH', 'WITH'])
      expect(statements.filter((each) => each !== 'WITH' && each !== 'SELECT')).toEqual([])
    })
  })

  it("contains an onError that throws or rejects: a failed sweep reaches it, and nothing escapes", async () => {
    const seen: Error[] = []
    const reporters = [
      (error: Error) => {
        seen.push(error)
        throw new Error('reporter threw')
      },
      async (error: Error) => {
        seen.push(error)
        throw new Error('reporter rejected')
      },
    ]
    for (const onError of reporters) {
      // Never migrated, so each sweep fails.
      const unmigrated = createPostgresStore({ connectionString: DATABASE_URL, table: uniqueTable('unmigrated'), purgeIntervalMs: 20, onError })
      try {
        const before = seen.length
        await vi.waitFor(() => expect(seen.length).toBeGreaterThan(before + 1), { timeout: 5_000 })
      } finally {
        await unmigrated.close()
      }
    }
    expect(seen[0]).toMatchObject({ code: 'store_unavailable' })
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

  it('close() stops a purge between its batches: a backlog of expired rows never holds a shutdown up', async () => {
    const purgeTable = uniqueTable('purge_close')
    const pool = new pg.Pool({ connectionString: DATABASE_URL })
    const purging = createPostgresStore({ pool, table: purgeTable, autoMigrate: true, purgeIntervalMs: 0 })
    // close() is called as the first batch is sent, as a SIGTERM landing mid-purge would.
    let closing: Promise<void> | undefined
    const query = pool.query.bind(pool) as (statement: { text: string }) => Promise<unknown>
    pool.query = ((statement: { text: string }) => {
      const sent = query(statement)
      if (statement.text.includes('doomed') && closing === undefined) closing = purging.close()
      return sent
    }) as typeof pool.query
    try {
      await purging.claim('warm-up', 'o', 60_000)
      // Four batches' worth of expired claims (a batch is 5 000 rows).
      await admin.query(`INSERT INTO "${purgeTable}" (key, state, owner, expires_at) SELECT 'k' || n, 'completed', 'o', now() - interval '1 hour' FROM generate_series(1, 20000) AS n`)
      const total = await purging.purgeExpired()
      await closing
      // The batch under way finished; none began after close().
      expect(total).toBe(5_000)
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM "${purgeTable}" WHERE expires_at < now()`)
      expect(rows[0].n).toBe(15_000)
    } finally {
      await purging.close()
      await pool.end()
      await dropTables(purgeTable)
    }
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

  it('with autoMigrate, tables dropped after the migration (a database recreated empty) are created again by the next call', async () => {
    const dropped = uniqueTable('dropped')
    const store = createPostgresStore({ connectionString: DATABASE_URL, table: dropped, autoMigrate: true })
    try {
      expect(await store.claim('before', 'o', 60_000)).toEqual({ state: 'claimed' })
      await dropTables(dropped)
      const error = (await store.claim('between', 'o', 60_000).catch((caught: unknown) => caught)) as Error & { code: string }
      expect(error.code).toBe('store_unavailable')
      expect(error.message).toMatch(/no longer exists: autoMigrate creates it again on the next call/)
      expect(await store.claim('after', 'o', 60_000)).toEqual({ state: 'claimed' })
      expect(await store.complete('after', 'o', 60_000)).toBe(true)
    } finally {
      await store.close()
      await dropTables(dropped)
    }
  })

  it("through a receiver: the sender gets the generic 503, the receiver's onError the store's message as the cause", async () => {
    const missing = createPostgresStore({ connectionString: DATABASE_URL, table: uniqueTable('missing') })
    const causes: unknown[] = []
    const receiver = createReceiver({ provider: automatenexus, secret: 's', store: missing, onError: (error) => void causes.push(error.cause) })
    try {
      const delivery = await buildSampleDelivery('automatenexus', 'deal.won', { secret: 's' })
      const response = await receiver.handle({ method: delivery.method, headers: delivery.headers, rawBody: delivery.body })
      expect(response.status).toBe(503)
      expect(JSON.parse(response.body).error.message).toBe('the idempotency store is unavailable; retry later')
      expect(causes).toHaveLength(1)
      expect((causes[0] as Error).message).toMatch(/does not exist: call store\.migrate\(\)/)
    } finally {
      await missing.close()
    }
  })

  it('a batch measures its deadline on a monotonic clock: a wall-clock step forward does not fail its claims', async () => {
    const key = `stepped-${globalThis.crypto.randomUUID()}`
    const wallClock = Date.now
    let steps = 0
    // Every reading an hour later than the last, as on a VM that keeps resuming.
    vi.spyOn(Date, 'now').mockImplementation(() => wallClock() + 3_600_000 * ++steps)
    try {
      // Two claims of one key go in two statements, the second after the first: both inside the deadline.
      const [first, second] = await Promise.all([store.claim(key, 'first', 60_000), store.claim(key, 'second', 60_000)])
      expect(first).toEqual({ state: 'claimed' })
      expect(second).toMatchObject({ state: 'in_progress' })
    } finally {
      vi.restoreAllMocks()
    }
  })

  it('the printed migration, run beside stores migrating the same table, races none of them: it takes their lock', async () => {
    for (let round = 0; round < 3; round++) {
      const fresh = uniqueTable('printed_race')
      const stores = [0, 1].map(() => createPostgresStore({ connectionString: DATABASE_URL, table: fresh }))
      try {
        // Without the lock, two of three printed runs failed most rounds on pg_type's unique index.
        const runs = await Promise.allSettled([
          ...stores.map((each) => each.migrate()),
          ...[0, 1, 2].map(() => admin.query(migrationSql({ table: fresh }))),
        ])
        expect(runs.filter((run) => run.status === 'rejected')).toEqual([])
      } finally {
        await Promise.all(stores.map((each) => each.close()))
        await dropTables(fresh)
      }
    }
  })

  it('migrate() gets its own budget, not the command timeout of the pool the store made', async () => {
    const slow = uniqueTable('migrate_budget')
    const store = createPostgresStore({ connectionString: DATABASE_URL, table: slow, commandTimeoutMs: 200 })
    // Another instance's migration holds the lock for 1.5 s: longer than a claim may take, well inside 10 s.
    const other = await admin.connect()
    try {
      await other.query('BEGIN')
      await other.query("SELECT pg_advisory_xact_lock(hashtext('crm-webhooks:migration'))")
      const migrating = store.migrate()
      await sleep(1_500)
      await other.query('COMMIT')
      await migrating
      expect(await store.claim('k', 'o', 1_000)).toEqual({ state: 'claimed' })
    } finally {
      other.release()
      await store.close()
      await dropTables(slow)
    }
  })

  it("a migration whose connection drops fails closed, and the client's error event crashes nothing", async () => {
    // The migration runs on a client of its own, checked out of the pool: pg-pool's idle listener is off it
    // then, and a client emits 'error' when its connection ends, even with a query in progress.
    const slow = uniqueTable('migrate_dropped')
    const application = `crm_webhooks_test_${globalThis.crypto.randomUUID().slice(0, 8)}`
    const store = createPostgresStore({ connectionString: `${DATABASE_URL}?application_name=${application}`, table: slow })
    const uncaught: unknown[] = []
    const collect = (error: unknown) => void uncaught.push(error)
    process.on('uncaughtException', collect)
    const other = await admin.connect()
    try {
      await other.query('BEGIN')
      await other.query("SELECT pg_advisory_xact_lock(hashtext('crm-webhooks:migration'))")
      const migrating = store.migrate().catch((caught: unknown) => caught)
      const waiting = async () =>
        (await admin.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [application])).rows
      for (let polls = 0; (await waiting()).length === 0 && polls < 100; polls += 1) await sleep(20)
      // The connection drops while it waits (a server restart, a failover, pg_terminate_backend).
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [application])
      await other.query('COMMIT')
      expect(await migrating).toMatchObject({ code: 'store_unavailable' })
      await sleep(100)
      expect(uncaught).toEqual([])
      // The next attempt migrates on a fresh connection.
      await store.migrate()
      expect(await store.claim('k', 'o', 1_000)).toEqual({ state: 'claimed' })
    } finally {
      process.off('uncaughtException', collect)
      other.release()
      await store.close()
      await dropTables(slow)
    }
  })

  it("an instance's migration of tables already in place does not hold up another instance's calls", async () => {
    await store.migrate()
    const starting = createPostgresStore({ connectionString: DATABASE_URL, table })
    const serving = createPostgresStore({ connectionString: DATABASE_URL, table, commandTimeoutMs: 500 })
    // Another statement in progress on the table (a claim batch waiting for a row another batch holds): it
    // holds the table's ROW EXCLUSIVE lock until it ends.
    const writer = await admin.connect()
    try {
      expect(await serving.claim(`warm:${globalThis.crypto.randomUUID()}`, 'o', 1_000)).toEqual({ state: 'claimed' })
      await writer.query('BEGIN')
      await writer.query(`DELETE FROM "${table}" WHERE key = 'no such key'`)
      // A new instance starting (autoMigrate, or migrate() at start-up, as the README shows).
      const migrating = starting.migrate().catch((caught: unknown) => caught)
      await sleep(200)
      // CREATE INDEX IF NOT EXISTS took a SHARE lock on the table before it found the index there: waiting
      // behind the writer, it held up every claim and completion of every instance queued behind it.
      expect(await serving.claim(`during-migration:${globalThis.crypto.randomUUID()}`, 'o', 60_000)).toEqual({ state: 'claimed' })
      await writer.query('COMMIT')
      expect(await migrating).toBeUndefined()
    } finally {
      await writer.query('ROLLBACK').catch(() => undefined)
      writer.release()
      await Promise.all([starting.close(), serving.close()])
    }
  })

  it('refuses migrate() after close(), as every other call', async () => {
    const closing = createPostgresStore({ connectionString: DATABASE_URL, table })
    await closing.close()
    await expect(closing.migrate()).rejects.toMatchObject({ code: 'store_unavailable', message: expect.stringMatching(/closed/) })
  })

  it('says a missing schema must be created first: the migration makes tables, not schemas', async () => {
    const missing = createPostgresStore({ connectionString: DATABASE_URL, table: `no_such_schema.${uniqueTable('schema')}` })
    try {
      const error = (await missing.claim('k', 'o', 1_000).catch((caught: unknown) => caught)) as Error
      expect(error.message).toMatch(/call store\.migrate\(\).*its schema must exist first/)
    } finally {
      await missing.close()
    }
  })

  it('a store whose own pool is idle does not hold the process open, even sweeping more often than idle connections end', async () => {
    const idle = uniqueTable('idle')
    try {
      const script = fileURLToPath(new URL('./__fixtures__/idle-store-process.ts', import.meta.url))
      const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, DATABASE_URL, TABLE: idle } })
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
      const exited = await new Promise<number | null | 'running'>((resolve) => {
        const timer = setTimeout(() => resolve('running'), 20_000)
        child.on('exit', (code) => {
          clearTimeout(timer)
          resolve(code)
        })
      })
      child.kill()
      expect({ exited, output }).toEqual({ exited: 0, output: 'claimed\n' })
    } finally {
      await dropTables(idle)
    }
  }, 30_000)

  it('migrate() is idempotent and safe when instances start together, however they spell the table', async () => {
    const shared = uniqueTable('migrate')
    // `t` and `public.t` are one table: a lock per spelling let their CREATE TABLEs race (duplicate pg_type).
    const stores = Array.from({ length: 8 }, (_, index) =>
      createPostgresStore({ connectionString: DATABASE_URL, table: index % 2 ? `public.${shared}` : shared }),
    )
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

  // A pooler in transaction mode (PgBouncer before 1.21) hands the session's next statement to a server connection
  // that never prepared it: under load 12-23% of claims failed with a bare "prepared statement ... does not exist".
  it('names the fix when the connection lost the prepared statements it was given', async () => {
    const session = new pg.Pool({ connectionString: DATABASE_URL, max: 1 })
    try {
      const store = createPostgresStore({ pool: session, table, autoMigrate: true })
      expect(await store.claim('deallocated:1', 'o', 60_000)).toEqual({ state: 'claimed' })
      // pg still takes the statement for prepared on this connection, as a client of a pooler does.
      await session.query('DEALLOCATE ALL')
      const failed = await store.claim('deallocated:2', 'o', 60_000).catch((error: unknown) => error)
      expect(failed).toMatchObject({ code: 'store_unavailable' })
      expect((failed as Error).message).toMatch(/prepared statement "crm_webhooks_\w+" does not exist: .*pass preparedStatements: false$/)
    } finally {
      await session.end()
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

  /**
   * A proxy to the test server whose open connections can go silent, new ones passing: a failover that left
   * the old route a black hole, where the kernel takes a quarter of an hour to give up on a socket.
   */
  async function silencingProxy() {
    const server = new URL(DATABASE_URL)
    const open = new Set<Socket>()
    const silenced = new Set<Socket>()
    const proxy = createServer((downstream) => {
      const upstream = connect(Number(server.port || 5432), server.hostname)
      for (const [from, to] of [[downstream, upstream], [upstream, downstream]] as const) {
        open.add(from)
        from.on('data', (chunk: Buffer) => void (silenced.has(from) || to.write(chunk)))
        from.on('error', () => undefined)
        from.on('close', () => to.destroy())
      }
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    const proxied = new URL(DATABASE_URL)
    proxied.host = `127.0.0.1:${(proxy.address() as { port: number }).port}`
    return {
      url: proxied.href,
      silence: () => open.forEach((socket) => silenced.add(socket)),
      close: async () => {
        for (const socket of open) socket.destroy()
        await new Promise((resolve) => proxy.close(resolve))
      },
    }
  }

  it('with a pool of your own, a connection gone silent is dropped after the command timeout: the store recovers', async () => {
    const proxy = await silencingProxy()
    // As the README shows a pool of your own: a connect timeout, no read timeout.
    const pool = new pg.Pool({ connectionString: proxy.url, max: 1, connectionTimeoutMillis: 1_000 })
    pool.on('error', () => undefined)
    const borrowed = createPostgresStore({ pool, table, commandTimeoutMs: 300 })
    const id = globalThis.crypto.randomUUID()
    try {
      await store.migrate()
      expect(await borrowed.claim(`silent:${id}:1`, 'o', 60_000)).toEqual({ state: 'claimed' })
      proxy.silence()
      await expect(borrowed.claim(`silent:${id}:2`, 'o', 60_000)).rejects.toMatchObject({ code: 'store_unavailable' })
      // The route is back (for new connections): within a second past the command timeout, so is the store.
      await sleep(1_500)
      expect(await borrowed.claim(`silent:${id}:3`, 'o', 60_000)).toEqual({ state: 'claimed' })
    } finally {
      await proxy.close()
      await borrowed.close()
      await pool.end()
    }
  })

  it('with a pool of your own, a migration whose connection went silent gives the connection up: the next migration runs', async () => {
    const proxy = await silencingProxy()
    const pool = new pg.Pool({ connectionString: proxy.url, connectionTimeoutMillis: 1_000 })
    pool.on('error', () => undefined)
    const fresh = uniqueTable('migrate_silent')
    const borrowed = createPostgresStore({ pool, table: fresh, commandTimeoutMs: 300 })
    try {
      // Every statement of the migration goes unanswered, the ROLLBACK after the first one's read timeout too.
      await pool.query('SELECT 1')
      proxy.silence()
      await expect(borrowed.migrate()).rejects.toMatchObject({ code: 'store_unavailable' })
      // 11 s for the migration's first statement, then a second for its ROLLBACK: past them, the attempt is
      // over and the next one runs on a new connection (a ROLLBACK with no read timeout held the attempt, and
      // every later one, until the kernel gave up on the socket).
      await sleep(3_000)
      await borrowed.migrate()
      expect(await borrowed.claim('k', 'o', 1_000)).toEqual({ state: 'claimed' })
    } finally {
      await proxy.close()
      await borrowed.close()
      await pool.end()
      await dropTables(fresh)
    }
  }, 30_000)

  it('close() leaves a pool you passed open; a closed store rejects with store_unavailable', async () => {
    const borrowed = createPostgresStore({ pool: admin, table })
    await borrowed.close()
    expect((await admin.query('SELECT 1 AS one')).rows[0].one).toBe(1)
    await expect(borrowed.claim('after-close', 'o', 1_000)).rejects.toMatchObject({ code: 'store_unavailable', status: 503 })
  })

  it('close() may be called again (a second SIGTERM): every call resolves, the pool is ended once', async () => {
    const owned = createPostgresStore({ connectionString: DATABASE_URL, table })
    expect(await owned.claim('close-twice', 'o', 1_000)).toEqual({ state: 'claimed' })
    await expect(Promise.all([owned.close(), owned.close()])).resolves.toEqual([undefined, undefined])
    await expect(owned.close()).resolves.toBeUndefined()
    await admin.query(`DELETE FROM "${table}" WHERE key = 'close-twice'`)
  })
})
