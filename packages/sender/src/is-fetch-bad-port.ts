/**
 * The Fetch standard's "bad ports" (https://fetch.spec.whatwg.org/#bad-port): fetch, Node's included,
 * refuses any request to them before it opens a connection ("bad port"), however the server on the other
 * side listens. A sender configured with one would fail every attempt as a network error, retried for a
 * day, and a `listen` on one could never be reached by the sender (nodejs/node#45481: a receiver on 6000).
 *
 * @module
 */

// The spec's table, in its order. 0 joined it in 2025 (whatwg/fetch#1847); Node 20's undici does not list
// it yet, but nothing can be reached on port 0 either way.
const BAD_PORTS: ReadonlySet<number> = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111,
  113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554,
  556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666,
  6667, 6668, 6669, 6679, 6697, 10080,
])

/**
 * Whether fetch refuses to send a request to `port` (a Fetch standard "bad port").
 *
 * @example
 * ```ts
 * isFetchBadPort(6000) // true: X11's, refused by fetch
 * isFetchBadPort(3000) // false
 * ```
 */
export function isFetchBadPort(port: number): boolean {
  return BAD_PORTS.has(port)
}
