/**
 * The idempotency stores' process (bundled and run by run.ts, as the other processes are): runs
 * bench/src/store-throughput.ts and writes its rows as JSON to stdout; progress goes to stderr. Options come
 * as JSON in the first argument.
 *
 * @module
 */
import { type StoreThroughputOptions, runStoreThroughput } from './store-throughput.js'

const options = JSON.parse(process.argv[2] ?? '{}') as StoreThroughputOptions
const rows = await runStoreThroughput({ ...options, log: (line) => console.error(`[bench] stores: ${line}`) })
console.log(JSON.stringify(rows))
