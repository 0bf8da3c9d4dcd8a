import { fileURLToPath } from 'node:url'
import { type ReceiverWorkers, multiProcessContract, startReceiverWorkers } from '@crm-webhooks/core/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { DATABASE_URL, dropTables, postgresAvailable, uniqueTable } from './__fixtures__/postgres-test-env.js'
import { createPostgresStore } from './index.js'

const available = await postgresAvailable()
const table = uniqueTable('processes')
const LOCK_TTL_MS = 3_000

describe.skipIf(!available)('postgres store: three receiver processes share one store', () => {
  let workers: ReceiverWorkers
  let admin: pg.Pool

  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: DATABASE_URL })
    const store = createPostgresStore({ pool: admin, table })
    await store.migrate()
    await admin.query(`CREATE TABLE "${table}_runs" (event_id text PRIMARY KEY, runs int NOT NULL)`)
    workers = await startReceiverWorkers({
      script: fileURLToPath(new URL('./__fixtures__/postgres-receiver-worker.ts', import.meta.url)),
      count: 3,
      env: { DATABASE_URL, TABLE: table, LOCK_TTL_MS: String(LOCK_TTL_MS), HANDLER_TIMEOUT_MS: '2000', HANDLER_DELAY_MS: '300' },
    })
  }, 90_000)
  afterAll(async () => {
    await workers?.stop()
    await admin?.end()
    await dropTables(table, [`${table}_runs`])
  })

  for (const contractCase of multiProcessContract) {
    it(contractCase.name, () =>
      contractCase.run({
        workers,
        lockTtlMs: LOCK_TTL_MS,
        runsOf: async (id) => (await admin.query(`SELECT runs FROM "${table}_runs" WHERE event_id = $1`, [id])).rows[0]?.runs ?? 0,
      }),
    )
  }
})
