/**
 * Deliveries per second through the whole pipeline (`createReceiver(...).handle`: verify, parse, schema,
 * idempotency claim, ordering guard, handler, completion) with the memory, Redis and PostgreSQL stores,
 * at a fixed concurrency, and each store's ratio to the memory store.
 *
 * Every delivery is a distinct, correctly signed AutomateNexus `deal.stage_changed` (its own body digest,
 * hence its own key; one of 1 000 deals, so the ordering guard writes too), built before the timed
 * region. Within each round the stores take turns in small chunks, in ABBA order, so drift of a shared
 * machine lands on all of them; the report takes medians over rounds, and each ratio is the median of
 * the per-round ratios. Not a test: it asserts no speed, only that every delivery was handled once.
 *
 * Run alone: `cd bench && npx tsx src/run.ts --only stores` bundles it (src/store-main.ts) and prints its table.
 *
 * @module
 */
import { type IdempotencyStore, createMemoryStore, createReceiver } from '@crm-webhooks/core'
import { automatenexus, automatenexusFixtures, buildSampleDelivery } from '@crm-webhooks/core/providers'
import { createPostgresStore } from '@crm-webhooks/store-postgres'
import { createRedisStore } from '@crm-webhooks/store-redis'
import pg from 'pg'
import { createClient } from 'redis'

/** Options of {@link runStoreThroughput}. */
export interface StoreThroughputOptions {
  /** Default `REDIS_URL`, else redis://127.0.0.1:6379. */
  redisUrl?: string
  /** Default `DATABASE_URL`, else postgres://postgres@127.0.0.1:5432/test. */
  databaseUrl?: string
  /** Deliveries in flight at once; default 32. */
  concurrency?: number
  /** Deliveries per store per round; default 2 000. */
  deliveriesPerRound?: number
  /** Timed rounds; default 5, as `pnpm bench` runs them. */
  rounds?: number
  /** Progress lines; default silent. */
  log?: (line: string) => void
}

/** One store's result. */
export interface StoreThroughputRow {
  store: 'memory' | 'redis' | 'postgres'
  /** Median over rounds. */
  deliveriesPerSecond: number
  /** Median over rounds of this store's rate over the memory store's rate in the same round. */
  ratioToMemory: number
  /** Why the store was not measured (its server did not answer); the numbers are then NaN. */
  skipped?: string
}

const SECRET = 'bench-store-throughput-secret'
const DEALS = 1_000
/** Deliveries per store between turns. */
const CHUNK = 1_000

interface StoreUnderTest {
  name: StoreThroughputRow['store']
  store: IdempotencyStore
  cleanup: () => Promise<void>
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

let sequence = 0
const baseMs = Date.parse('2026-03-21T15:00:00Z')
const fixture = automatenexusFixtures['deal.stage_changed'] as Record<string, unknown>

async function buildBatch(count: number) {
  const batch = []
  for (let index = 0; index < count; index += 1) {
    sequence += 1
    const data = { ...fixture, id: `deal_${sequence % DEALS}` }
    const delivery = await buildSampleDelivery('automatenexus', 'deal.stage_changed', { secret: SECRET, now: baseMs + sequence * 1_000, data })
    batch.push({ method: delivery.method, headers: delivery.headers, rawBody: Buffer.from(delivery.body) })
  }
  return batch
}

/** Handles `batch` with `concurrency` deliveries in flight; resolves with deliveries per second. */
async function timeBatch(store: IdempotencyStore, batch: Awaited<ReturnType<typeof buildBatch>>, concurrency: number) {
  let handled = 0
  const receiver = createReceiver({ provider: automatenexus, secret: SECRET, store }).onAny(() => {
    handled += 1
  })
  let next = 0
  const started = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < batch.length) {
        const response = await receiver.handle(batch[next++]!)
        if (response.status !== 200) throw new Error(`a delivery was answered ${response.status}: ${response.body}`)
      }
    }),
  )
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (handled !== batch.length) throw new Error(`${handled} of ${batch.length} deliveries handled`)
  return batch.length / seconds
}

async function openStores(options: Required<Pick<StoreThroughputOptions, 'redisUrl' | 'databaseUrl'>>) {
  const stores: StoreUnderTest[] = [{ name: 'memory', store: createMemoryStore(), cleanup: async () => {} }]
  const skipped: Partial<Record<StoreThroughputRow['store'], string>> = {}
  const run = `${process.pid}_${Date.now().toString(36)}`

  const keyPrefix = `crm-webhooks-bench:${run}:`
  const redis = createRedisStore({ url: options.redisUrl, keyPrefix })
  try {
    await redis.claim(`${keyPrefix}probe`, 'bench', 1_000)
    stores.push({
      name: 'redis',
      store: redis,
      cleanup: async () => {
        await redis.close()
        const client = createClient({ url: options.redisUrl })
        await client.connect()
        for await (const keys of client.scanIterator({ MATCH: `${keyPrefix}*`, COUNT: 1_000 })) if (keys.length) await client.del(keys)
        client.destroy()
      },
    })
  } catch (error) {
    await redis.close()
    skipped.redis = `Redis at ${options.redisUrl} did not answer (${(error as Error).message})`
  }

  const table = `crm_webhooks_bench_${run}`
  const postgres = createPostgresStore({ connectionString: options.databaseUrl, table })
  try {
    await postgres.migrate()
    stores.push({
      name: 'postgres',
      store: postgres,
      cleanup: async () => {
        await postgres.close()
        const pool = new pg.Pool({ connectionString: options.databaseUrl })
        await pool.query(`DROP TABLE IF EXISTS "${table}", "${table}_versions"`)
        await pool.end()
      },
    })
  } catch (error) {
    await postgres.close()
    skipped.postgres = `PostgreSQL at ${options.databaseUrl} did not answer (${(error as Error).message})`
  }
  return { stores, skipped }
}

/**
 * Measures every store it can reach; a store whose server does not answer is reported as skipped.
 *
 * @example
 * ```ts
 * const rows = await runStoreThroughput({ rounds: 5 })
 * // [{ store: 'memory', deliveriesPerSecond: 31000, ratioToMemory: 1 }, { store: 'redis', ... }, ...]
 * ```
 */
export async function runStoreThroughput(options: StoreThroughputOptions = {}): Promise<StoreThroughputRow[]> {
  const concurrency = options.concurrency ?? 32
  const perRound = options.deliveriesPerRound ?? 2_000
  const rounds = options.rounds ?? 5
  const log = options.log ?? (() => {})
  const { stores, skipped } = await openStores({
    redisUrl: options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    databaseUrl: options.databaseUrl ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  })
  const rates = new Map(stores.map((each) => [each.name, [] as number[]]))
  const ratios = new Map(stores.map((each) => [each.name, [] as number[]]))
  try {
    for (const each of stores) await timeBatch(each.store, await buildBatch(Math.min(perRound, 500)), concurrency) // warm-up
    for (let round = 0; round < rounds; round += 1) {
      const seconds = new Map(stores.map((each) => [each.name, 0]))
      const handled = new Map(stores.map((each) => [each.name, 0]))
      // Small chunks, the stores' order reversed every other chunk (ABBA), so a burst of load from another
      // process lands on every store of the round instead of on one.
      for (let chunk = 0; chunk * CHUNK < perRound; chunk += 1) {
        const size = Math.min(CHUNK, perRound - chunk * CHUNK)
        const batches = await Promise.all(stores.map(() => buildBatch(size)))
        const order = stores.map((_, index) => index)
        if ((round + chunk) % 2 === 1) order.reverse()
        for (const index of order) {
          const { name, store } = stores[index]!
          seconds.set(name, seconds.get(name)! + size / (await timeBatch(store, batches[index]!, concurrency)))
          handled.set(name, handled.get(name)! + size)
        }
      }
      const rate = new Map(stores.map((each) => [each.name, handled.get(each.name)! / seconds.get(each.name)!]))
      for (const each of stores) {
        rates.get(each.name)!.push(rate.get(each.name)!)
        ratios.get(each.name)!.push(rate.get(each.name)! / rate.get('memory')!)
      }
      log(`round ${round + 1}/${rounds}: ${stores.map((each) => `${each.name} ${Math.round(rate.get(each.name)!)}/s`).join(', ')}`)
    }
  } finally {
    for (const each of stores) await each.cleanup().catch((error: Error) => log(`cleanup of ${each.name} failed: ${error.message}`))
  }
  const names: StoreThroughputRow['store'][] = ['memory', 'redis', 'postgres']
  return names.map((name) =>
    skipped[name]
      ? { store: name, deliveriesPerSecond: Number.NaN, ratioToMemory: Number.NaN, skipped: skipped[name] }
      : { store: name, deliveriesPerSecond: median(rates.get(name)!), ratioToMemory: median(ratios.get(name)!) },
  )
}

/**
 * The rows as a markdown table.
 *
 * @example
 * ```ts
 * console.log(storeThroughputTable(await runStoreThroughput()))
 * ```
 */
export function storeThroughputTable(rows: readonly StoreThroughputRow[]): string {
  const lines = ['| store | deliveries/s (median) | ratio to memory (median) |', '|---|---:|---:|']
  for (const row of rows) {
    lines.push(
      row.skipped
        ? `| ${row.store} | skipped: ${row.skipped} | |`
        : `| ${row.store} | ${Math.round(row.deliveriesPerSecond)} | ${row.ratioToMemory.toFixed(2)}x |`,
    )
  }
  return lines.join('\n')
}
