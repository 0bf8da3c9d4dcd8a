/**
 * Both crypto engines, and one of your own answering another realm's promises, for tests that must give
 * identical results on each.
 * Test-only: nothing in the published entry points imports it.
 *
 * @module
 */
import * as nodeCrypto from 'node:crypto'
import { runInNewContext } from 'node:vm'
import { type CryptoEngine, createNodeCryptoEngine, createWebCryptoEngine } from '../crypto.js'

/**
 * The node:crypto engine, the Web Crypto engine and a foreign-promise one, named for `describe.each`.
 *
 * @example
 * ```ts
 * describe.each(cryptoEngines)('$name', ({ engine }) => { ... })
 * ```
 */
export const cryptoEngines: ReadonlyArray<{ name: string; engine: CryptoEngine }> = [
  { name: 'node:crypto', engine: createNodeCryptoEngine(nodeCrypto) },
  { name: 'webcrypto', engine: createWebCryptoEngine(globalThis.crypto.subtle) },
  { name: "an engine of your own answering another realm's promises", engine: inAnotherRealm(createNodeCryptoEngine(nodeCrypto)) },
]

/**
 * `engine` with every answer a promise made in another realm (a vm context): no `instanceof Promise` here,
 * so a scheme that looked only for this realm's promises would take one for its digest.
 */
function inAnotherRealm(engine: CryptoEngine): CryptoEngine {
  const promiseOf = runInNewContext('(work) => new Promise((resolve, reject) => { try { resolve(work()) } catch (error) { reject(error) } })') as <T>(
    work: () => T | Promise<T>,
  ) => Promise<T>
  return {
    name: `${engine.name} in another realm`,
    hmacSha256: (key, parts) => promiseOf(() => engine.hmacSha256(key, parts)),
    sha256: (data) => promiseOf(() => engine.sha256(data)),
    sha256Hex: (data) => promiseOf(() => engine.sha256Hex!(data)),
  }
}
