/**
 * The micro benchmarks' own process (run from the bundle, see bundle.ts): runs every cell and writes the
 * results as JSON to the path given as the first argument. Options come as JSON in the second.
 *
 * @module
 */
import { writeFileSync } from 'node:fs'
import { sinkValue } from './alternate.js'
import { type MicroOptions, runMicro } from './micro.js'

const [outPath, optionsJson] = process.argv.slice(2)
if (!outPath || !optionsJson) throw new Error('usage: micro-main <out.json> <options json>')
const options = JSON.parse(optionsJson) as MicroOptions
const results = await runMicro({ ...options, log: (line) => console.log(line) })
writeFileSync(outPath, JSON.stringify(results, null, 2))
// Printing what the operations produced keeps every one of them observable.
console.log(`micro: done (sink ${sinkValue()})`)
