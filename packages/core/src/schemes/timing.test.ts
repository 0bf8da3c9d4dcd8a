/**
 * Timing: the time a comparison takes must not depend on how many leading bytes of the presented value
 * are right, or a forger could find a signature (or a static secret) byte by byte.
 *
 * Method, built to be robust on two shared, noisy cores:
 * - two candidates of the same length: every byte wrong, and every byte but the last right;
 * - many batches, each timing thousands of calls of one candidate (so a batch lasts about a millisecond,
 *   far above timer resolution), the two candidates interleaved and their order alternated, so drift
 *   and bursts of load from other processes hit both alike;
 * - the ratio of each back-to-back pair of batches, and the median of those ratios: pairing cancels
 *   drift, the median ignores the pairs a neighbour's burst spoiled, and the threshold on it is
 *   generous (noise moves it by a few percent; an early exit by 4x on a 32-byte digest and by orders of
 *   magnitude on long inputs).
 * The same measurement is run against naive early-exit comparisons on long inputs, and must see them:
 * that proves the method can fail, so its passing means something.
 */
import { describe, expect, it } from 'vitest'
import { SignatureVerificationError } from '../errors.js'
import { createHeaderReader } from '../pipeline/headers.js'
import { timingSafeEqualBytes } from './crypto.js'
import { createStaticSecretScheme } from './static-secret.js'

interface TimingComparison {
  /** Median batch time, in ns, of the all-wrong candidate. */
  allWrongMedianNs: number
  /** Median batch time, in ns, of the all-but-last-right candidate. */
  lastWrongMedianNs: number
  /** How far the median of the back-to-back pair ratios is from 1 (0.1 = one candidate 10 % slower). */
  relativeDifference: number
}

// Keeps results alive so no call can be optimized away.
let sink = 0

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

function timeBatch(run: () => unknown, calls: number): number {
  const start = process.hrtime.bigint()
  for (let call = 0; call < calls; call++) if (run()) sink++
  return Number(process.hrtime.bigint() - start)
}

/** Times `run(candidate)` for both candidates over `batches` interleaved batches of `calls` calls. */
function compareTiming<Candidate>(
  run: (candidate: Candidate) => unknown,
  allWrong: Candidate,
  lastWrong: Candidate,
  { batches, calls }: { batches: number; calls: number },
): TimingComparison {
  const runAllWrong = () => run(allWrong)
  const runLastWrong = () => run(lastWrong)
  // Warm-up: both shapes reach the optimizing compiler before anything is measured.
  for (let round = 0; round < 5; round++) {
    timeBatch(runAllWrong, calls)
    timeBatch(runLastWrong, calls)
  }
  const allWrongTimes: number[] = []
  const lastWrongTimes: number[] = []
  for (let batch = 0; batch < batches; batch++) {
    if (batch % 2 === 0) {
      allWrongTimes.push(timeBatch(runAllWrong, calls))
      lastWrongTimes.push(timeBatch(runLastWrong, calls))
    } else {
      lastWrongTimes.push(timeBatch(runLastWrong, calls))
      allWrongTimes.push(timeBatch(runAllWrong, calls))
    }
  }
  // Each pair was timed back to back, so its ratio cancels slow drift; the median ratio ignores bursts.
  const pairRatio = median(allWrongTimes.map((time, index) => time / lastWrongTimes[index]!))
  const comparison = {
    allWrongMedianNs: median(allWrongTimes),
    lastWrongMedianNs: median(lastWrongTimes),
    relativeDifference: Math.max(pairRatio, 1 / pairRatio) - 1,
  }
  // TIMING_REPORT=1 prints the figures docs/RELIABILITY.md quotes.
  if (process.env.TIMING_REPORT) console.info(`timing ${expect.getState().currentTestName}: ${JSON.stringify(comparison)}`)
  return comparison
}

/** A value of `length` random-looking bytes, one with every byte wrong, one with only the last wrong. */
function candidates(length: number): { expected: Uint8Array; allWrong: Uint8Array; lastWrong: Uint8Array } {
  const expected = Uint8Array.from({ length }, (_, index) => (index * 131 + 7) & 0xff)
  const allWrong = expected.map((byte) => byte ^ 0xff)
  const lastWrong = new Uint8Array(expected)
  lastWrong[length - 1] = lastWrong[length - 1]! ^ 0xff
  return { expected, allWrong, lastWrong }
}

// What a careless receiver writes: stop at the first difference.
function earlyExitEqual(expected: Uint8Array, actual: Uint8Array): boolean {
  if (expected.length !== actual.length) return false
  for (let index = 0; index < expected.length; index++) if (expected[index] !== actual[index]) return false
  return true
}

/**
 * Measured on the two shared cores with two CPU hogs beside the test: the constant-time comparisons stay
 * within 3 % (32 bytes), 10 % (16 KiB) and 16 % (the static-secret path, which allocates); the early-exit
 * controls differ by 4x (32 bytes), 700x (16 KiB) and 1 000x (=== on 1 MiB). 50 % sits far from both.
 */
const CONSTANT_TIME_BAND = 0.5
/** An early exit must show at least a 2x difference to count as seen. */
const EARLY_EXIT_FLOOR = 1

describe('signature comparison time does not depend on how many leading bytes are right', () => {
  it('timingSafeEqualBytes on a 32-byte HMAC digest', () => {
    const { expected, allWrong, lastWrong } = candidates(32)
    const result = compareTiming((candidate: Uint8Array) => timingSafeEqualBytes(expected, candidate), allWrong, lastWrong, {
      batches: 61,
      calls: 20_000,
    })
    expect(result.relativeDifference, JSON.stringify(result)).toBeLessThan(CONSTANT_TIME_BAND)
  })

  it('timingSafeEqualBytes on 16 KiB, where any early exit would be plain to see', () => {
    const { expected, allWrong, lastWrong } = candidates(16_384)
    const result = compareTiming((candidate: Uint8Array) => timingSafeEqualBytes(expected, candidate), allWrong, lastWrong, {
      batches: 61,
      calls: 40,
    })
    expect(result.relativeDifference, JSON.stringify(result)).toBeLessThan(CONSTANT_TIME_BAND)
  })

  it('the static-secret scheme (X-Secret-Key) end to end, with a 4 KiB secret', () => {
    // The static secret is compared itself, not a digest of it: the path where a leak would hurt most.
    const secret = 'k'.repeat(4095) + 'Z'
    const scheme = createStaticSecretScheme({ header: 'X-Secret-Key' })
    const prepared = scheme.prepareSecrets([secret])
    const request = (presented: string) => ({ header: createHeaderReader({ 'x-secret-key': presented }), body: new Uint8Array() })
    const rejects = (presented: ReturnType<typeof request>) => {
      try {
        scheme.verify(presented, prepared, { toleranceSeconds: 300, nowMs: 0 })
        return false
      } catch (error) {
        return error instanceof SignatureVerificationError
      }
    }
    const allWrong = request('x'.repeat(4096))
    const lastWrong = request('k'.repeat(4096))
    expect(rejects(allWrong) && rejects(lastWrong)).toBe(true)
    // Both candidates throw the same error; its stack capture is common cost that only adds noise.
    const stackTraceLimit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    try {
      const result = compareTiming(rejects, allWrong, lastWrong, { batches: 61, calls: 150 })
      expect(result.relativeDifference, JSON.stringify(result)).toBeLessThan(CONSTANT_TIME_BAND)
    } finally {
      Error.stackTraceLimit = stackTraceLimit
    }
  })
})

describe('the method can fail: it sees naive early-exit comparisons', () => {
  it('a byte loop that returns at the first difference, on a 32-byte digest', () => {
    const { expected, allWrong, lastWrong } = candidates(32)
    const result = compareTiming((candidate: Uint8Array) => earlyExitEqual(expected, candidate), allWrong, lastWrong, {
      batches: 61,
      calls: 20_000,
    })
    expect(result.relativeDifference, JSON.stringify(result)).toBeGreaterThan(EARLY_EXIT_FLOOR)
  })

  it('a byte loop that returns at the first difference, on 16 KiB', () => {
    const { expected, allWrong, lastWrong } = candidates(16_384)
    const result = compareTiming((candidate: Uint8Array) => earlyExitEqual(expected, candidate), allWrong, lastWrong, {
      batches: 61,
      calls: 40,
    })
    expect(result.relativeDifference, JSON.stringify(result)).toBeGreaterThan(EARLY_EXIT_FLOOR)
  })

  it('=== on two 1 MiB strings (V8 compares flat strings with an early exit)', () => {
    const length = 1 << 20
    const expected = 'a'.repeat(length - 1) + 'b'
    // Built by concatenation, then flattened by a read, so neither is the interned literal of the other.
    const allWrong = ('c' + 'a'.repeat(length - 2) + 'b').slice(0)
    const lastWrong = ('a'.repeat(length - 1) + 'c').slice(0)
    void allWrong.charCodeAt(length - 1)
    void lastWrong.charCodeAt(0)
    const result = compareTiming((candidate: string) => candidate === expected, allWrong, lastWrong, { batches: 61, calls: 20 })
    expect(result.relativeDifference, JSON.stringify(result)).toBeGreaterThan(EARLY_EXIT_FLOOR)
  })
})



