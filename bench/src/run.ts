/**
 * `pnpm bench`: bundles the contenders, runs the micro benchmarks in their own process, then the HTTP
 * benchmark (servers in a forked process, autocannon here), and writes docs/BENCHMARKS.md. Flags:
 * `--quick` for a short smoke run (fewer rounds, 1 s HTTP runs; the report says so), `--no-http`,
 * `--no-stores`, `--out <file>` to write elsewhere, `--only <groups>` (comma-separated: verify, parse,
 * pipeline, peers, http, stores) to time a few groups while working on them (the results go to stdout unless
 * `--out`).
 *
 * @module
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleEntries } from './bundle.js'
import { FLOOR_SECRET } from './deliveries.js'
import { type HttpResult, runHttp } from './http/load.js'
import { describeMachine } from './machine.js'
import type { MicroOptions, MicroResult } from './micro.js'
import { PAYLOAD_SIZES, buildCrmEvent } from './payloads.js'
import { renderReport } from './report.js'
import { type StoreThroughputRow, storeThroughputTable } from './store-throughput.js'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const outIndex = args.indexOf('--out')
const onlyIndex = args.indexOf('--only')
const groupNames = { verify: 'verify', parse: 'verify + parse', pipeline: 'pipeline', peers: 'peer' } as const
const onlyNames = onlyIndex >= 0 ? args[onlyIndex + 1]!.split(',') : undefined
const otherSections = ['http', 'stores']
for (const name of onlyNames ?? []) {
  if (!otherSections.includes(name) && !Object.hasOwn(groupNames, name)) {
    throw new Error(`--only takes ${[...otherSections, ...Object.keys(groupNames)].join(', ')}`)
  }
}
const only = onlyNames?.filter((name) => !otherSections.includes(name)).map((name) => groupNames[name as keyof typeof groupNames])
const runHttpToo = !args.includes('--no-http') && (!onlyNames || onlyNames.includes('http'))
const runStoresToo = !args.includes('--no-stores') && (!onlyNames || onlyNames.includes('stores'))
const outPath =
  outIndex >= 0 ? args[outIndex + 1]! : only ? undefined : fileURLToPath(new URL('../../docs/BENCHMARKS.md', import.meta.url))
const log = (line: string) => console.log(`[bench] ${line}`)

const microOptions: Omit<MicroOptions, 'log'> = quick
  ? { sizes: PAYLOAD_SIZES, rounds: 3, pairsPerRound: 2, batchMs: 2, groups: only }
  : { sizes: PAYLOAD_SIZES, rounds: 12, pairsPerRound: 8, batchMs: 1, groups: only }
const httpOptions = quick ? { rounds: 2, durationSeconds: 1, connections: 32 } : { rounds: 5, durationSeconds: 2, connections: 32 }
const storeOptions = quick ? { rounds: 2, deliveriesPerRound: 500 } : { rounds: 5, deliveriesPerRound: 2_000 }

function runMicroProcess(entry: string): Promise<MicroResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-webhooks-bench-'))
  const resultsPath = join(dir, 'micro.json')
  return new Promise<MicroResult[]>((resolve, reject) => {
    const child = spawn(process.execPath, [entry, resultsPath, JSON.stringify(microOptions)], { stdio: ['ignore', 'pipe', 'inherit'] })
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => process.stdout.write(chunk.replace(/^(?=.)/gm, '[bench] ')))
    child.once('error', reject)
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`the micro benchmark process exited with ${code}`))
      resolve(JSON.parse(readFileSync(resultsPath, 'utf8')) as MicroResult[])
    })
  }).finally(() => rmSync(dir, { recursive: true, force: true }))
}

// From the bundle, as the other processes. Under tsx every closure the pipeline makes paid a `__name(...)`
// call: the same time added to every delivery, whatever its store, which lifted each store's ratio to the
// memory store (Redis's by about 0.03-0.05, measured side by side).
function runStoresProcess(entry: string): Promise<StoreThroughputRow[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, JSON.stringify(storeOptions)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    child.once('error', reject)
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(output) as StoreThroughputRow[]) : reject(new Error(`the store benchmark process exited with ${code}`)),
    )
  })
}

const STORES_INTRO =
  'Deliveries per second through the whole pipeline (`createReceiver(...).handle`) at 32 in flight, each a ' +
  'distinct signed AutomateNexus event, per idempotency store; the stores take turns in small chunks within ' +
  'each round (ABBA). A store whose server does not answer is listed as skipped.\n\n' +
  'The target is Redis >= 0.5x memory. A Redis delivery makes two round trips (the claim, which also records ' +
  'the ordering guard\'s version, and the completion), and the claims (and the completions) of one event-loop ' +
  'turn share one script call. On two shared cores the receiver and redis-server take turns rather than ' +
  'overlap, so throughput comes out near 1 / (1/S + 1/M), S the store\'s own rate and M the memory pipeline\'s: ' +
  'under 0.5x unless Redis\'s share of a delivery cost no more than the whole memory pipeline. See ' +
  'docs/idempotency.md for the breakdown.'

const startedAt = new Date()
const machineBefore = describeMachine()
log(`${machineBefore.cpuModel} x${machineBefore.cores}, Node ${machineBefore.node}, load ${machineBefore.loadAverage.join(' ')}`)
const entries = await bundleEntries()
log('bundled the contenders (tsup, as published)')

const micro = only?.length === 0 ? [] : await runMicroProcess(entries.micro)
let http: HttpResult[] = []
if (runHttpToo) {
  http = await runHttp({ serverEntry: entries.server, secret: FLOOR_SECRET, event: buildCrmEvent(4096), ...httpOptions, log })
}
const stores = runStoresToo ? await runStoresProcess(entries.stores) : []

const report = renderReport({
  startedAt,
  durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
  command: `pnpm bench${quick ? ' -- --quick' : ''}`,
  machineBefore,
  loadAfter: loadavg().map((load) => Math.round(load * 100) / 100),
  settings:
    `micro: ${microOptions.rounds} rounds x ${microOptions.pairsPerRound} pairs, ~${microOptions.batchMs} ms floor batches; ` +
    `HTTP: ${httpOptions.rounds} rounds x ${httpOptions.durationSeconds} s, ${httpOptions.connections} connections; ` +
    `stores: ${storeOptions.rounds} rounds x ${storeOptions.deliveriesPerRound} deliveries${quick ? ' (quick run)' : ''}`,
  micro,
  http,
  stores,
  extraSections: stores.length ? [`## Idempotency stores (bench/src/store-throughput.ts)\n\n${STORES_INTRO}\n\n${storeThroughputTable(stores)}`] : [],
})
if (outPath) {
  writeFileSync(outPath, report)
  log(`wrote ${outPath} in ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s`)
} else {
  if (stores.length) log(`stores:\n${storeThroughputTable(stores)}`)
  for (const result of http) {
    const rps = result.runs.map((run) => Math.round(run.requestsPerSecond)).join(', ')
    const cpu = result.cpuToInline.map((ratio) => ratio.toFixed(2)).join(', ')
    log(`${result.framework}/${result.variant}: ${rps} req/s; vs inline ${result.toInline.map((r) => r.toFixed(2)).join(', ')}; CPU ${cpu}`)
  }
  for (const result of micro) {
    const spread = result.ratioSpread.map((value) => value.toFixed(2)).join('-')
    log(`${result.size} B  ${result.contender}: ${result.ratio.toFixed(3)}x (IQR ${spread}, ${result.pairs} pairs; best batches ${result.bestRatio.toFixed(3)}x)`)
  }
}
