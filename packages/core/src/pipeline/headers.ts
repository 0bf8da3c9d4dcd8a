/**
 * One way to read a header, whatever shape the framework handed over.
 *
 * @module
 */
import type { HeaderInput, HeaderReader } from '../types.js'

/**
 * Wraps a Fetch `Headers`, Node's `IncomingHttpHeaders` or a plain record in a case-insensitive reader.
 * A header sent more than once reads as its values joined by `, ` (as Fetch does), so a duplicated
 * signature header is malformed rather than silently the first or last copy.
 *
 * @example
 * ```ts
 * const header = createHeaderReader({ 'X-Webhook-Signature': 'ab12' })
 * header('x-webhook-signature') // 'ab12'
 * ```
 */
export function createHeaderReader(headers: HeaderInput): HeaderReader {
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).forEach === 'function') {
    const fetchHeaders = headers as Headers
    return (name) => fetchHeaders.get(name) ?? undefined
  }
  const record = headers as Record<string, string | string[] | undefined>
  // Only the keys that are not lower-case, joined per lower-case name: built on the first header asked for
  // that is absent under its lower-case name (the pipeline asks for Content-Encoding and Transfer-Encoding on
  // every request), and `null` when every key is lower-case, as in Node's records, so that a miss there
  // allocates nothing. A lower-case key need not be in it: its name is always read directly first.
  let otherSpellings: Map<string, string> | null | undefined
  return (name) => {
    const wanted = name.toLowerCase()
    // Header values only: a record with a prototype would answer `constructor` with a function and
    // `__proto__` with an object (a type check is cheaper than Object.hasOwn on this path). The lower-case
    // key, when present, is read as is: checking every key for another spelling of it costs verify 5% at
    // 512 B (`pnpm ab`), and Node's records, which every adapter passes, are lower-case only.
    const direct = record[wanted]
    if (typeof direct === 'string') return direct
    if (Array.isArray(direct)) return direct.join(', ')
    if (otherSpellings === undefined) otherSpellings = joinOtherSpellings(record)
    return otherSpellings?.get(wanted)
  }
}

/** The values of a record's keys that are not lower-case, joined per lower-case name; `null` when it has none. */
function joinOtherSpellings(record: Record<string, string | string[] | undefined>): Map<string, string> | null {
  let joinedByName: Map<string, string> | null = null
  for (const key in record) {
    const lower = key.toLowerCase()
    if (lower === key || !Object.hasOwn(record, key)) continue
    const value = record[key]
    if (value === undefined) continue
    joinedByName ??= new Map()
    const joined = Array.isArray(value) ? value.join(', ') : value
    const previous = joinedByName.get(lower)
    joinedByName.set(lower, previous === undefined ? joined : `${previous}, ${joined}`)
  }
  return joinedByName
}

/** What {@link nodeRequestHeaders} reads of a Node request. */
export interface NodeHeaderSource {
  readonly headers: Record<string, string | string[] | undefined>
  /** Every header line as sent, name and value in turn. */
  readonly rawHeaders?: readonly string[] | undefined
  /** Every header with each copy sent (Node 18.3+). */
  readonly headersDistinct?: Record<string, string[] | undefined> | undefined
}

/** The headers the receiver reads of which Node's parser keeps only the first copy (lib/_http_incoming.js). */
const FIRST_COPY_ONLY_HEADERS: readonly string[] = ['content-type', 'authorization', 'proxy-authorization']

/**
 * Whether a header the receiver reads, and of which Node's parser keeps only the first copy, was sent more
 * than once: `Content-Type`, and a static-secret scheme's `Authorization` or `Proxy-Authorization` (Node
 * joins every other repeated header with `, `, lib/_http_incoming.js). Read from the lines as sent, not from a
 * count of `headers`' keys: that counts a key a middleware added (a request id) too, and one added key would
 * hide one repeated line.
 */
function repeatsFirstCopyOnlyHeader(rawHeaders: readonly string[]): boolean {
  // FIRST_COPY_ONLY_HEADERS, told apart by length first: most names are lower-cased for nothing otherwise.
  let seen = 0
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!
    let bit = 0
    if (name.length === 12) bit = name.toLowerCase() === 'content-type' ? 1 : 0
    else if (name.length === 13) bit = name.toLowerCase() === 'authorization' ? 2 : 0
    else if (name.length === 19) bit = name.toLowerCase() === 'proxy-authorization' ? 4 : 0
    if ((seen & bit) !== 0) return true
    seen |= bit
  }
  return false
}

/**
 * The headers of a Node request with every copy that was sent. Node's parser keeps only the first copy of
 * a repeated `Content-Type`, `Authorization` and a few others, where Fetch joins every copy with `, `: the
 * same bytes were accepted on one entry point and a 415 or 401 on another, and a duplicated credential had
 * one copy picked. Only a request that repeats one of those lines pays for the distinct view.
 *
 * @example
 * ```ts
 * createHeaderReader(nodeRequestHeaders(request))('content-type') // 'application/json, text/plain' when sent twice
 * ```
 */
export function nodeRequestHeaders(request: NodeHeaderSource): HeaderInput {
  const { headers, rawHeaders } = request
  if (rawHeaders === undefined || !repeatsFirstCopyOnlyHeader(rawHeaders)) return headers
  // node:http2's compatibility request has no headersDistinct, and keeps the first copy all the same.
  return request.headersDistinct ?? withEveryCopyOfFirstCopyOnlyHeaders(headers, rawHeaders)
}

/** `headers` with each copy of `Content-Type`, `Authorization` and `Proxy-Authorization` sent, from the lines. */
function withEveryCopyOfFirstCopyOnlyHeaders(headers: NodeHeaderSource['headers'], rawHeaders: readonly string[]): HeaderInput {
  const copies: Record<string, string[]> = {}
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!.toLowerCase()
    if (FIRST_COPY_ONLY_HEADERS.includes(name)) (copies[name] ??= []).push(rawHeaders[index + 1]!)
  }
  return { ...headers, ...copies }
}
