/**
 * A small seeded generator for the reliability tests and scripts, so a run that found a fault replays
 * with the same fault plan and traffic mix. Test support only.
 *
 * @module
 */

/**
 * Returns a function yielding numbers in [0, 1), the same sequence for the same seed (mulberry32-style).
 *
 * @example
 * ```ts
 * const random = seededRandom(42)
 * random() // always the same first value for seed 42
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = Math.imul(state ^ (state >>> 15), state | 1)
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61)
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 32
  }
}
