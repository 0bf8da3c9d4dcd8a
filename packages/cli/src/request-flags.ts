/**
 * The flags that describe an HTTP request, shared by `send` (the request to make) and `verify` (the request
 * captured): `--header 'Name: value'` (repeatable) and `--method`.
 *
 * @module
 */
import { UsageError } from './parse-flags.js'

/**
 * Parses `Name: value` header flags into a record keyed by lower-case name (repeated names join with `, `,
 * as HTTP does).
 *
 * @example
 * ```ts
 * headerFlags(['X-Team: sales', 'x-team: support']) // { 'x-team': 'sales, support' }
 * ```
 */
export function headerFlags(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [index, text] of values.entries()) {
    const colon = text.indexOf(':')
    const name = colon > 0 ? text.slice(0, colon).trim() : ''
    // Named by position, never echoed: a header may carry a credential (Auto-Respond's X-Secret-Key, a bearer
    // token), which a typo would otherwise write into the terminal's or CI's log.
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new UsageError(`--header number ${index + 1} is not 'Name: value' (not shown: it may hold a secret)`)
    const key = name.toLowerCase()
    const value = text.slice(colon + 1).trim()
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`
  }
  return headers
}

/**
 * The `--method` flag upper-cased, or `undefined` when it was not given.
 *
 * @example
 * ```ts
 * methodFlag('put') // 'PUT'
 * ```
 */
export function methodFlag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  if (!/^[A-Za-z]+$/.test(value)) throw new UsageError(`--method ${JSON.stringify(value)} is not an HTTP method`)
  return value.toUpperCase()
}
