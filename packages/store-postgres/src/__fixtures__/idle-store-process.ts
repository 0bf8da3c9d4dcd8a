/**
 * A process that makes one claim through a store owning its pool, sweeping every 200 ms, and never closes
 * it: the parent checks that the process still ends by itself once nothing else is left to do.
 *
 * @module
 */
import { createPostgresStore } from '../index.js'

const store = createPostgresStore({
  connectionString: process.env.DATABASE_URL!,
  table: process.env.TABLE!,
  autoMigrate: true,
  purgeIntervalMs: 200,
})
await store.claim(`idle:${process.pid}`, 'owner', 60_000)
process.stdout.write('claimed\n')
