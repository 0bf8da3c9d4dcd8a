/**
 * The load run of docs/RELIABILITY.md: mixed genuine, resent and forged deliveries against every entry
 * point with the Redis store, bounded in count and time, on loopback. Exits 1 when an invariant broke
 * (a genuine delivery not acknowledged or handled other than once, a forgery let in, the heap growing).
 *
 *   pnpm exec tsx scripts/reliability/load.ts [--valid 1000] [--duplicates 250] [--forged 250]
 *     [--concurrency 32] [--rounds 3] [--only express,hono]
 *
 * REDIS_URL picks the server (default redis://127.0.0.1:6379); keys live under a prefix of the run's own,
 * deleted at the end.
 *
 * @module
 */
import { cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { createClient } from 'redis'
import { ENTRY_KINDS, type EntryKind } from './entry-servers.js'
import { type LoadFigures, runLoad } from './load-run.js'

/**
 * Heap growth, in MB, from the first measured round to the last, past which a run counts as leaking. A
 * flat run moves by well under 1 MB (code caches warming up); a leak of 1 KB per delivery grows 1.5 MB a
 * round.
 */
const HEAP_GROWTH_LIMIT_MB = 3

const { values } = parseArgs({
  options: {
    valid: { type: 'string', default: '1000' },
    duplicates: { type: 'string', default: '250' },
    forged: { type: 'string', default: '250' },
    concurrency: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
  },
})
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const keyPrefix = `crm-webhooks-load:${process.pid}:${Date.now()}:`
const entries = (values.only?.split(',') ?? ENTRY_KINDS) as EntryKind[]

const figures: LoadFigures[] = []
for (const entry of entries) {
  const result = await runLoad(entry, {
    redisUrl,
    keyPrefix,
    valid: Number(values.valid),
    duplicates: Number(values.duplicates),
    forged: Number(values.forged),
    concurrency: Number(values.concurrency),
    rounds: Number(values.rounds),
  })
  const growthMb = result.heapAfterMb - result.heapByRoundMb[0]!
  if (growthMb > HEAP_GROWTH_LIMIT_MB) result.violations.push(`heap grew ${growthMb.toFixed(1)} MB over the measured rounds`)
  figures.push(result)
  console.error(`${entry}: ${result.requests} requests, ${result.violations.length} violations`)
}

const cleanup = createClient({ url: redisUrl })
await cleanup.connect()
for await (const keys of cleanup.scanIterator({ MATCH: `${keyPrefix}*`, COUNT: 1000 })) if (keys.length) await cleanup.del(keys)
cleanup.destroy()

const format = (value: number, digits = 1) => value.toFixed(digits)
const finals = (result: LoadFigures, kind: string) =>
  Object.entries(result.statuses[kind] ?? {})
    .map(([status, count]) => `${count}×${status}`)
    .join(' ')
console.log(`Node ${process.version}, ${cpus().length} cores (load average ${loadavg().map((load) => load.toFixed(1)).join(' ')} at the end), ${values.rounds} measured rounds of ${values.valid} genuine + ${values.duplicates} resent + ${values.forged} forged, concurrency ${values.concurrency}, Redis store\n`)
console.log('| entry | requests | req/s | p50 ms | p99 ms | genuine | resent | forged | retried (409) | heap MB after warm-up → after each round | violations |')
console.log('|---|---:|---:|---:|---:|---|---|---|---:|---|---:|')
for (const result of figures) {
  console.log(
    `| ${result.entry} | ${result.requests} | ${format(result.requestsPerSecond, 0)} | ${format(result.p50Ms)} | ${format(result.p99Ms)} | ` +
      `${finals(result, 'valid')} | ${finals(result, 'duplicate')} | ${finals(result, 'forged')} | ${result.retried} | ` +
      `${[result.heapBeforeMb, ...result.heapByRoundMb].map((mb) => format(mb)).join(' → ')} | ${result.violations.length} |`,
  )
}
const violations = figures.flatMap((result) => result.violations.map((violation) => `${result.entry}: ${violation}`))
if (violations.length > 0) {
  console.error(violations.slice(0, 50).join('\n'))
  process.exit(1)
}
