/**
 * A focused loop for `--cpu-prof`: one contender, one size, long enough for the profiler to see where
 * the time goes. Usage:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx src/profile.ts pipeline 4096
 *   node src/profile-summary.ts /tmp/prof/<file>.cpuprofile   (self time by function)
 *
 * @module
 */
import { timeBatch } from './alternate.js'
import { floor, hmacOnly } from './contenders/floor.js'
import { createOurContenders, createOurStandardWebhooks } from './contenders/ours.js'
import { peers } from './contenders/peers.js'
import { deliveries } from './deliveries.js'
import { buildCrmEvent } from './payloads.js'

const [which = 'pipeline', sizeText = '4096', secondsText = '4'] = process.argv.slice(2)
const ours = createOurContenders()
const oursStandard = createOurStandardWebhooks()
const event = buildCrmEvent(Number(sizeText))
const choices = {
  floor: { contender: floor, sign: ours.sign, unique: false },
  'hmac-only': { contender: hmacOnly, sign: ours.sign, unique: false },
  verify: { contender: ours.verify, sign: ours.sign, unique: false },
  'verify-parse': { contender: ours.verifyParse, sign: ours.sign, unique: false },
  pipeline: { contender: ours.pipeline, sign: ours.sign, unique: true },
  'standard-webhooks': { contender: oursStandard.verifyParse, sign: oursStandard.sign, unique: false },
  ...Object.fromEntries(Object.entries(peers).map(([name, peer]) => [name, { contender: peer.contender, sign: peer.sign, unique: false }])),
}
const choice = choices[which as keyof typeof choices]
if (!choice) throw new Error(`unknown contender ${which}; one of ${Object.keys(choices).join(', ')}`)
const batch = deliveries(event, choice.sign, { unique: choice.unique })
const until = Date.now() + Number(secondsText) * 1000
let operations = 0
let nanoseconds = 0
while (Date.now() < until) {
  nanoseconds += (await timeBatch(choice.contender, batch(200))) * 200
  operations += 200
}
console.log(`${choice.contender.name} at ${event.size} B: ${(nanoseconds / operations).toFixed(0)} ns/op over ${operations} ops`)
