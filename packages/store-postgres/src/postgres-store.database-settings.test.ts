/**
 * The store on databases set up otherwise than the test database: a LATIN1 encoding, which cannot hold every
 * key a sender's ids make, and serializable isolation set as the database's default. Each test creates its
 * own database on the shared server and drops it.
 */
import { createReceiver } from '@crm-webhooks/core'
import { buildSampleDelivery, demoSecrets, standardWebhooks } from '@crm-webhooks/core/providers'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DATABASE_URL, postgresAvailable } from './__fixtures__/postgres-test-env.js'
import { type PostgresStore, createPostgresStore } from './index.js'

const available = await postgresAvailable()

/** Creates a database of its own beside DATABASE_URL's (dropped by the returned function) and returns its URL. */
async function scratchDatabase(label: string, create: string, settings: string[] = []): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `cwt_${label}_${process.pid}_${globalThis.crypto.randomUUID().slice(0, 8)}`
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE "${name}" ${create}`)
    for (const setting of settings) await admin.query(`ALTER DATABASE "${name}" SET ${setting}`)
  } finally {
    await admin.end()
  }
  const url = new URL(DATABASE_URL)
  url.pathname = `/${name}`
  const drop = async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL })
    await client.connect()
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    } finally {
      await client.end()
    }
  }
  return { url: url.toString(), drop }
}

const errorCodeOf = (settled: PromiseSettledResult<unknown>) => (settled.status === 'rejected' ? (settled.reason as { code?: string }).code : 'fulfilled')

describe.skipIf(!available)('a LATIN1 database: a key it cannot hold fails its own call, not the batch it shares', () => {
  let database: Awaited<ReturnType<typeof scratchDatabase>>
  let store: PostgresStore
  beforeAll(async () => {
    database = await scratchDatabase('latin1', "ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
    store = createPostgresStore({ connectionString: database.url, autoMigrate: true })
    await store.migrate()
  }, 30_000)
  afterAll(async () => {
    await store?.close()
    await database?.drop()
  })

  // The statement failed at Bind (22P05, nothing written) for every claim of the turn, on every retry of the
  // delivery whose id held the character: each of them was a 503 for as long as that sender kept retrying.
  it('claims: a key, or a record, outside the encoding fails alone; the others of the turn are claimed', async () => {
    const run = globalThis.crypto.randomUUID()
    const settled = await Promise.allSettled([
      store.claim(`ok1:${run}`, 'owner', 60_000),
      store.claim(`bad€:${run}`, 'owner', 60_000),
      store.claim(`ok2:${run}`, 'owner', 60_000, { record: `deal:😀:${run}`, version: 1, retentionMs: 60_000 }),
      store.claim(`ok3:${run}`, 'owner', 60_000, { record: `deal:3:${run}`, version: 1, retentionMs: 60_000 }),
    ])
    expect(settled.map(errorCodeOf)).toEqual(['fulfilled', 'store_unavailable', 'store_unavailable', 'fulfilled'])
    expect((settled[1] as PromiseRejectedResult).reason.cause.code).toBe('22P05')
    expect(settled[0]).toEqual({ status: 'fulfilled', value: { state: 'claimed' } })
    expect(settled[3]).toEqual({ status: 'fulfilled', value: { state: 'claimed', stale: false } })
    // The refused claim took nothing: its key, alone again with a record the encoding holds, is free.
    await expect(store.claim(`ok2:${run}`, 'owner', 60_000, { record: `deal:2:${run}`, version: 1, retentionMs: 60_000 })).resolves.toEqual({
      state: 'claimed',
      stale: false,
    })
  })

  it('completions: likewise', async () => {
    const run = globalThis.crypto.randomUUID()
    await store.claim(`ok1:${run}`, 'owner', 60_000)
    await store.claim(`ok2:${run}`, 'owner', 60_000)
    const settled = await Promise.allSettled([
      store.complete(`ok1:${run}`, 'owner', 60_000),
      store.complete(`bad€:${run}`, 'owner', 60_000),
      store.complete(`ok2:${run}`, 'owner', 60_000),
    ])
    expect(settled.map(errorCodeOf)).toEqual(['fulfilled', 'store_unavailable', 'fulfilled'])
    await expect(store.claim(`ok2:${run}`, 'other', 60_000)).resolves.toEqual({ state: 'completed' })
  })

  it('through a receiver: concurrent deliveries are handled, the one whose id the database cannot hold is a 503', async () => {
    const secret = demoSecrets['standard-webhooks']
    const handled: string[] = []
    const receiver = createReceiver({ provider: standardWebhooks, secret, store }).onAny((event) => void handled.push(event.id!))
    const run = globalThis.crypto.randomUUID()
    const ids = [`msg_a_${run}`, `msg_€_${run}`, `msg_b_${run}`]
    const deliveries = await Promise.all(ids.map((id) => buildSampleDelivery('standard-webhooks', 'contact.created', { secret, id })))
    const answers = await Promise.all(deliveries.map((delivery) => receiver.handle({ method: delivery.method, headers: delivery.headers, rawBody: delivery.body })))
    await receiver.drain()
    expect(answers.map((answer) => answer.status)).toEqual([200, 503, 200])
    expect(handled.sort()).toEqual([ids[0], ids[2]].sort())
  })
})

describe.skipIf(!available)("a database whose default isolation is serializable: concurrent claims are run again, not failed", () => {
  let database: Awaited<ReturnType<typeof scratchDatabase>>
  let instances: PostgresStore[]
  beforeAll(async () => {
    database = await scratchDatabase('serial', '', ["default_transaction_isolation = 'serializable'"])
    // Two stores, two pools: two receiver instances on one database.
    instances = [0, 1].map(() => createPostgresStore({ connectionString: database.url, autoMigrate: true }))
    await instances[0]!.migrate()
  }, 30_000)
  afterAll(async () => {
    await Promise.all((instances ?? []).map((store) => store.close()))
    await database?.drop()
  })

  // Without running them again, about half of these rounds failed a claim with 40001 ("could not serialize
  // access"), a 503 to a sender whose delivery nobody was handling.
  it('every key is claimed by exactly one instance and found in progress by the other; no call fails', async () => {
    const tally: Record<string, number> = {}
    for (let round = 0; round < 20; round += 1) {
      const run = globalThis.crypto.randomUUID()
      const claims = instances.flatMap((store, instance) =>
        [0, 1, 2].map((n) => store.claim(`key${n}:${run}`, `owner${instance}`, 60_000, { record: `deal:${n}:${run}`, version: round, retentionMs: 60_000 })),
      )
      for (const settled of await Promise.allSettled(claims)) {
        const outcome = settled.status === 'fulfilled' ? settled.value.state : `error ${(settled.reason as { cause?: { code?: string } }).cause?.code}`
        tally[outcome] = (tally[outcome] ?? 0) + 1
      }
    }
    expect(tally).toEqual({ claimed: 60, in_progress: 60 })
  })
})
