/**
 * The in-process benchmarks: for each size, every contender against its floor (verify-only against the
 * HMAC-only floor; verify + parse, the full pipeline and the peers against the verify + parse floor).
 * Every contender is first checked to accept its signed input and to reject a tampered body; then all
 * cells run round after round, a few alternating pairs per cell per round, so slow drift of a shared
 * machine spreads over every cell rather than landing on one.
 *
 * @module
 */
import { type Contender, type PairSamples, alternate, calibrate, median } from './alternate.js'
import { floor, hmacOnly } from './contenders/floor.js'
import { createOurContenders, createOurStandardWebhooks } from './contenders/ours.js'
import { peers } from './contenders/peers.js'
import { type Delivery, deliveries, tampered } from './deliveries.js'
import { type CrmEventBody, buildCrmEvent } from './payloads.js'

/** What one cell measured. */
export interface MicroResult {
  readonly group: 'verify' | 'verify + parse' | 'pipeline' | 'peer'
  readonly contender: string
  readonly floor: string
  readonly size: number
  readonly pairs: number
  /** Median of floor time / contender time over all pairs. */
  readonly ratio: number
  /** Interquartile range of the ratios, a measure of the noise. */
  readonly ratioSpread: readonly [number, number]
  /** The floor's fastest batch over the contender's fastest: what preemption by other processes cannot inflate. */
  readonly bestRatio: number
  readonly contenderNs: number
  readonly floorNs: number
}

/** Options of {@link runMicro}. */
export interface MicroOptions {
  readonly sizes: readonly number[]
  readonly rounds: number
  readonly pairsPerRound: number
  /** Target duration of one floor batch, in ms. */
  readonly batchMs: number
  /** Only these groups (default all): `verify`, `verify + parse`, `pipeline`, `peer`. */
  readonly groups?: readonly MicroResult['group'][]
  readonly log?: (line: string) => void
}

interface Cell {
  readonly group: MicroResult['group']
  readonly event: CrmEventBody
  readonly floor: Contender<Delivery>
  readonly contender: Contender<Delivery>
  readonly batch: (count: number) => Delivery[]
  perBatch: number
  readonly samples: PairSamples
}

/**
 * Throws unless `contender` accepts `delivery` and rejects the same delivery with one byte changed.
 *
 * @example
 * ```ts
 * await checkAcceptsAndRejects(peer.contender, batch(1)[0], event)
 * ```
 */
export async function checkAcceptsAndRejects(contender: Contender<Delivery>, delivery: Delivery, event: CrmEventBody): Promise<void> {
  try {
    await contender.run(delivery)
  } catch (error) {
    throw new Error(`${contender.name} rejected its own correctly signed ${event.size} B input`, { cause: error })
  }
  let rejected = false
  try {
    await contender.run(tampered(delivery, event))
  } catch {
    rejected = true
  }
  if (!rejected) throw new Error(`${contender.name} accepted a tampered ${event.size} B body`)
}

function quartiles(values: readonly number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b)
  return [sorted[Math.floor((sorted.length - 1) / 4)]!, sorted[Math.ceil(((sorted.length - 1) * 3) / 4)]!]
}

/**
 * Runs every cell and returns one result per cell.
 *
 * @example
 * ```ts
 * const results = await runMicro({ sizes: [512, 4096, 65536], rounds: 10, pairsPerRound: 4, batchMs: 3 })
 * ```
 */
export async function runMicro(options: MicroOptions): Promise<MicroResult[]> {
  const log = options.log ?? (() => {})
  const ours = createOurContenders()
  const oursStandard = createOurStandardWebhooks()
  const cells: Cell[] = []
  for (const size of options.sizes) {
    const event = buildCrmEvent(size)
    const cell = (group: Cell['group'], floorOf: Contender<Delivery>, contender: Contender<Delivery>, batch: Cell['batch']) =>
      (options.groups ?? [group]).includes(group) &&
      cells.push({ group, event, floor: floorOf, contender, batch, perBatch: 0, samples: { ratios: [], contenderNs: [], floorNs: [] } })
    const fixed = (sign: Parameters<typeof deliveries>[1]) => deliveries(event, sign, { unique: false })
    cell('verify', hmacOnly, ours.verify, fixed(ours.sign))
    cell('verify + parse', floor, ours.verifyParse, fixed(ours.sign))
    cell('pipeline', floor, ours.pipeline, deliveries(event, ours.sign, { unique: true }))
    cell('peer', floor, oursStandard.verifyParse, fixed(oursStandard.sign))
    for (const peer of Object.values(peers)) cell('peer', floor, peer.contender, fixed(peer.sign))
  }
  for (const cell of cells) {
    await checkAcceptsAndRejects(cell.contender, cell.batch(1)[0]!, cell.event)
    // Warm both sides up before sizing the batches, so the JIT has settled on what is timed.
    await alternate({ floor: cell.floor, contender: cell.contender, batch: () => cell.batch(64), pairs: 3 })
    cell.perBatch = await calibrate(cell.floor, () => cell.batch(32), options.batchMs)
  }
  log(`micro: ${cells.length} cells checked (accept signed, reject tampered) and warmed up`)
  for (let round = 0; round < options.rounds; round++) {
    for (const cell of cells) {
      await alternate({
        floor: cell.floor,
        contender: cell.contender,
        batch: () => cell.batch(cell.perBatch),
        pairs: options.pairsPerRound,
        into: cell.samples,
      })
    }
    log(`micro: round ${round + 1}/${options.rounds}`)
  }
  return cells.map((cell) => ({
    group: cell.group,
    contender: cell.contender.name,
    floor: cell.floor.name,
    size: cell.event.size,
    pairs: cell.samples.ratios.length,
    ratio: median(cell.samples.ratios),
    ratioSpread: quartiles(cell.samples.ratios),
    bestRatio: Math.min(...cell.samples.floorNs) / Math.min(...cell.samples.contenderNs),
    contenderNs: median(cell.samples.contenderNs),
    floorNs: median(cell.samples.floorNs),
  }))
}
