/**
 * One receiver process of the multi-process test: the contract provider over node:http, the PostgreSQL
 * store under test, and a handler that counts its runs in a table the parent reads. The first run of a
 * delivery for record `hang-once` never finishes, so the parent can kill the worker mid-handler.
 *
 * @module
 */
import { serveReceiverWorker } from '@crm-webhooks/core/testing'
import pg from 'pg'
import { createPostgresStore } from '../index.js'

const connectionString = process.env.DATABASE_URL!
const table = process.env.TABLE!
const counter = new pg.Pool({ connectionString, max: 2 })
counter.on('error', () => {})

await serveReceiverWorker({
  store: createPostgresStore({ connectionString, table }),
  lockTtlMs: Number(process.env.LOCK_TTL_MS),
  handlerTimeoutMs: Number(process.env.HANDLER_TIMEOUT_MS),
  async handle(event) {
    const { rows } = await counter.query<{ runs: number }>(
      `INSERT INTO "${table}_runs" (event_id, runs) VALUES ($1, 1)
       ON CONFLICT (event_id) DO UPDATE SET runs = "${table}_runs".runs + 1 RETURNING runs`,
      [event.id],
    )
    if (event.data.record === 'hang-once' && rows[0]!.runs === 1) await new Promise(() => {})
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.HANDLER_DELAY_MS)))
  },
})
