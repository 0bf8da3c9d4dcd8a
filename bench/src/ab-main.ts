/**
 * The A/B process (bundled by ab.ts): our contenders built from the baseline revision's core and from the
 * working tree's, each alternating with its floor in the same process, rounds interleaving the two, so a
 * change is measured against what it replaces under the same machine conditions.
 *
 * @module
 */
import * as baselineCore from 'crm-webhooks-baseline/core'
import * as baselineParseBody from 'crm-webhooks-baseline/parse-body'
import * as baselineProviders from 'crm-webhooks-baseline/providers'
import { type Contender, type PairSamples, alternate, calibrate, median } from './alternate.js'
import { floor, hmacOnly } from './contenders/floor.js'
import { createOurContenders } from './contenders/ours.js'
import { type Delivery, deliveries } from './deliveries.js'
import { checkAcceptsAndRejects } from './micro.js'
import { buildCrmEvent } from './payloads.js'

const { groups, sizes, rounds } = JSON.parse(process.argv[2] ?? '{}') as { groups: string[]; sizes: number[]; rounds: number }
const sides = {
  baseline: createOurContenders({ core: baselineCore, providers: baselineProviders, parseBody: baselineParseBody }),
  current: createOurContenders(),
}

for (const size of sizes) {
  const event = buildCrmEvent(size)
  for (const group of groups) {
    const floorOf: Contender<Delivery> = group === 'verify' ? hmacOnly : floor
    const pick = (side: keyof typeof sides) =>
      group === 'verify' ? sides[side].verify : group === 'parse' ? sides[side].verifyParse : sides[side].pipeline
    const batch = deliveries(event, sides.current.sign, { unique: group === 'pipeline' })
    for (const side of ['baseline', 'current'] as const) {
      await checkAcceptsAndRejects(pick(side), batch(1)[0]!, event)
      await alternate({ floor: floorOf, contender: pick(side), batch: () => batch(32), pairs: 3 })
    }
    const perBatch = await calibrate(floorOf, () => batch(32), 1)
    const samples: Record<string, PairSamples> = {}
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 === 0 ? (['baseline', 'current'] as const) : (['current', 'baseline'] as const)) {
        samples[side] = await alternate({ floor: floorOf, contender: pick(side), batch: () => batch(perBatch), pairs: 2, into: samples[side] })
      }
    }
    const line = (['baseline', 'current'] as const).map((side) => {
      const { ratios, floorNs, contenderNs } = samples[side]!
      return `${side} ${median(ratios).toFixed(3)}x (best ${(Math.min(...floorNs) / Math.min(...contenderNs)).toFixed(3)}x)`
    })
    console.log(`${size} B ${group}: ${line.join('  ->  ')}  [${samples.current!.ratios.length} pairs each]`)
  }
}
