import { outageContract } from '@crm-webhooks/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type OwnPostgresServer, postgresBinariesAvailable, startOwnPostgresServer } from './__fixtures__/own-postgres-server.js'
import { postgresAvailable } from './__fixtures__/postgres-test-env.js'
import { type PostgresStore, createPostgresStore } from './index.js'

// The test's own instance needs the server binaries, not only a server to talk to: without them the tests
// skip with a notice, or fail under CI=true, as for a missing server.
const available = (await postgresAvailable()) && (await postgresBinariesAvailable())

describe.skipIf(!available)('postgres store: fails closed while its server is unreachable, recovers when it is back', () => {
  let server: OwnPostgresServer
  let store: PostgresStore
  const createStore = () =>
    createPostgresStore({ connectionString: server.connectionString, autoMigrate: true, commandTimeoutMs: 1_000, connectTimeoutMs: 1_000 })

  beforeAll(async () => {
    server = await startOwnPostgresServer()
    store = createStore()
  }, 60_000)
  afterAll(async () => {
    await store?.close()
    await server?.destroy()
  })

  for (const contractCase of outageContract) {
    it(contractCase.name, () => contractCase.run({ store, server, createStore }), 60_000)
  }

  it('purgeExpired fails closed too', async () => {
    await server.stop()
    try {
      await expect(store.purgeExpired()).rejects.toMatchObject({ name: 'IdempotencyError', code: 'store_unavailable' })
    } finally {
      await server.start()
    }
  }, 60_000)
})
