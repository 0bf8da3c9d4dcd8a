/**
 * Both crypto engines, for tests that must give identical results on node:crypto and Web Crypto.
 * Test-only: nothing in the published entry points imports it.
 *
 * @module
 */
import * as nodeCrypto from 'node:crypto'
import { type CryptoEngine, createNodeCryptoEngine, createWebCryptoEngine } from '../crypto.js'

/**
 * The node:crypto engine and the Web Crypto engine, named for `describe.each`.
 *
 * @example
 * ```ts
 * describe.each(cryptoEngines)('$name', ({ engine }) => { ... })
 * ```
 */
export const cryptoEngines: ReadonlyArray<{ name: string; engine: CryptoEngine }> = [
  { name: 'node:crypto', engine: createNodeCryptoEngine(nodeCrypto) },
  { name: 'webcrypto', engine: createWebCryptoEngine(globalThis.crypto.subtle) },
]
