/**
 * The one assertion the store contracts use, so they run under any test runner (vitest, node:test,
 * jest) without importing one.
 *
 * @module
 */
import { canonicalJson } from './canonical-json.js'

/**
 * Thrown when a store breaks its contract; the message names the step, what was expected and what came.
 *
 * @example
 * ```ts
 * try { await contractCase.run(subject) } catch (error) { if (error instanceof StoreContractViolation) console.error(error.message) }
 * ```
 */
export class StoreContractViolation extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StoreContractViolation'
  }
}

/**
 * Throws a {@link StoreContractViolation} unless `actual` equals `expected` as JSON, whatever the order of
 * their keys: a store may build `{ stale: false, state: 'claimed' }` as well as the other way round. As in
 * JSON, a member whose value is `undefined` counts as absent.
 *
 * @example
 * ```ts
 * expectSame(await store.claim('k', 'a', 1000), { state: 'claimed' }, 'first claim')
 * ```
 */
export function expectSame(actual: unknown, expected: unknown, what: string): void {
  // Keys sorted at every depth, so two answers differing only in key order match.
  const actualJson = canonicalJson(actual)
  const expectedJson = canonicalJson(expected)
  if (actualJson !== expectedJson) {
    throw new StoreContractViolation(`${what}: expected ${expectedJson}, got ${actualJson}`)
  }
}
