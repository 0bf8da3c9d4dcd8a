/**
 * Requests whose fields travel in the query string: a GET, HEAD or DELETE without a body (seed 003's
 * workflow actions may use GET and DELETE). The pipeline parses their fields from the query, so the
 * signature must cover the query too: the signed bytes are the raw query string exactly as sent
 * (see the workflow-platform README, "How it signs"). The sender signs the same bytes, through the
 * same function.
 *
 * @module
 */

/**
 * Methods whose fields travel in the query string when the request has no body.
 *
 * @example
 * ```ts
 * QUERY_FIELD_METHODS.has('DELETE') // true
 * ```
 */
export const QUERY_FIELD_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'DELETE'])

/**
 * Whether a request carries its fields in the query string: a GET, HEAD or DELETE with an empty body.
 *
 * @example
 * ```ts
 * carriesQueryFields('get', 0)  // true
 * carriesQueryFields('POST', 0) // false
 * ```
 */
export function carriesQueryFields(method: string, bodyLength: number): boolean {
  return bodyLength === 0 && QUERY_FIELD_METHODS.has(method.toUpperCase())
}

/**
 * The query string of a request URL (absolute, or a path as Node's `req.url` gives it) exactly as sent:
 * the characters after the first `?` and before any `#`, neither decoded, re-encoded nor re-ordered;
 * `''` when there is none. Parsing with `new URL()` would not do: it percent-encodes some characters
 * (`'` among them), and the signature is over what the sender sent.
 *
 * @example
 * ```ts
 * rawQueryOf('/hooks?b=2&a=O%27Brien#top') // 'b=2&a=O%27Brien'
 * rawQueryOf('https://example.com/hooks')  // ''
 * ```
 */
export function rawQueryOf(url: string | undefined): string {
  if (url === undefined) return ''
  const fragment = url.indexOf('#')
  const end = fragment === -1 ? url.length : fragment
  const question = url.indexOf('?')
  return question === -1 || question > end ? '' : url.slice(question + 1, end)
}
