/**
 * Timing by alternation: a contender and its floor run in small batches, one after the other, in the same
 * process, in ABBA order (contender-floor, then floor-contender), so drift from a shared, noisy machine
 * (other processes, CPU frequency, GC debt) lands on both sides of every pair and cancels in the ratio.
 * Each pair yields one ratio; the report takes medians over all pairs of all rounds.
 *
 * @module
 */

/** One operation over one prepared input; throws (or rejects) when it rejects the input. */
export type Operation<Input> = (input: Input) => unknown

/** A named operation; `async` ones are awaited one by one, as a server would. */
export interface Contender<Input> {
  readonly name: string
  readonly async: boolean
  readonly run: Operation<Input>
}

/** Samples gathered for one contender against its floor. */
export interface PairSamples {
  /** floor time / contender time, per pair: 1 is as fast as the floor, 0.5 is twice as slow. */
  readonly ratios: number[]
  readonly contenderNs: number[]
  readonly floorNs: number[]
}

/** Keeps results alive, so no engine can drop an operation whose value nobody reads. */
let sink = 0

/** What the operations produced, folded into a number (printed once, so it is observable). */
export function sinkValue(): number {
  return sink
}

function absorb(value: unknown): void {
  sink = (sink + (value === undefined || value === null ? 1 : typeof value === 'object' ? 2 : 3)) | 0
}

/**
 * Runs `contender` once over every input and returns nanoseconds per operation.
 *
 * @example
 * ```ts
 * const ns = await timeBatch(floor, inputs)
 * ```
 */
export async function timeBatch<Input>(contender: Contender<Input>, inputs: readonly Input[]): Promise<number> {
  const { run } = contender
  const started = process.hrtime.bigint()
  if (contender.async) {
    for (const input of inputs) absorb(await run(input))
  } else {
    for (const input of inputs) absorb(run(input))
  }
  return Number(process.hrtime.bigint() - started) / inputs.length
}

/** Options of {@link alternate}. */
export interface AlternateOptions<Input> {
  readonly floor: Contender<Input>
  readonly contender: Contender<Input>
  /** Fresh inputs for one batch, built outside the timed region (unique deliveries are built here). */
  readonly batch: () => readonly Input[]
  /** Pairs to run. */
  readonly pairs: number
  /** Where to add the samples (several rounds add to the same record). */
  readonly into?: PairSamples
}

/**
 * Times `contender` against `floor` in alternating batches and adds the samples to `into`.
 *
 * @example
 * ```ts
 * const samples = await alternate({ floor, contender, batch: () => inputs, pairs: 6 })
 * median(samples.ratios)
 * ```
 */
export async function alternate<Input>(options: AlternateOptions<Input>): Promise<PairSamples> {
  const samples = options.into ?? { ratios: [], contenderNs: [], floorNs: [] }
  for (let pair = 0; pair < options.pairs; pair++) {
    // ABBA across every pair of the record: `samples.ratios` has already grown by one per earlier pair, so
    // its length alone alternates (adding `pair` as well kept the parity fixed: always contender first,
    // which would let the contender's garbage and cache misses land on the floor's batch every time).
    const contenderFirst = samples.ratios.length % 2 === 0
    let contenderNs: number
    let floorNs: number
    if (contenderFirst) {
      contenderNs = await timeBatch(options.contender, options.batch())
      floorNs = await timeBatch(options.floor, options.batch())
    } else {
      floorNs = await timeBatch(options.floor, options.batch())
      contenderNs = await timeBatch(options.contender, options.batch())
    }
    samples.ratios.push(floorNs / contenderNs)
    samples.contenderNs.push(contenderNs)
    samples.floorNs.push(floorNs)
  }
  return samples
}

/**
 * The median of a list of numbers (NaN when empty).
 *
 * @example
 * ```ts
 * median([3, 1, 2]) // 2
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/**
 * How many operations of `contender` fill about `targetMs`, measured on a few warm-up runs.
 *
 * @example
 * ```ts
 * const perBatch = await calibrate(floor, () => inputs(64), 5)
 * ```
 */
export async function calibrate<Input>(
  contender: Contender<Input>,
  sample: () => readonly Input[],
  targetMs: number,
): Promise<number> {
  let nsPerOp = Number.POSITIVE_INFINITY
  for (let attempt = 0; attempt < 3; attempt++) nsPerOp = Math.min(nsPerOp, await timeBatch(contender, sample()))
  return Math.max(4, Math.min(20_000, Math.round((targetMs * 1e6) / nsPerOp)))
}
