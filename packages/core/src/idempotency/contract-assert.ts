/**
 * The one assertion the store contracts use, so they run under any test runner (vitest, node:test,
 * jest) without importing one.
 *
 * @module
 */

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
 * Throws a {@link StoreContractViolation} unless `actual` equals `expected` as JSON.
 *
 * @example
 * ```ts
 * expectSame(await store.claim('k', 'a', 1000), { state: 'claimed' }, 'first claim')
 * ```
 */
export function expectSame(actual: unknown, expected: unknown, what: string): void {
  const actualJson = JSON.stringify(actual)
  const expectedJson = JSON.stringify(expected)
  if (actualJson !== expectedJson) {
    throw new StoreContractViolation(`${what}: expected ${expectedJson}, got ${actualJson}`)
  }
}
