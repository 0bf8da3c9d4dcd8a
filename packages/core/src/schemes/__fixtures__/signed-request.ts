/**
 * Builds the `SignedRequest` a scheme's `verify` receives, through the pipeline's own header reader, so
 * scheme tests read headers exactly as the receiver does. Test-only.
 *
 * @module
 */
import { createHeaderReader } from '../../pipeline/headers.js'
import type { SignedRequest } from '../../types.js'
import { toBytes } from '../crypto.js'

/**
 * A request with these headers (any casing) and this body (a string is taken as UTF-8).
 *
 * @example
 * ```ts
 * scheme.verify(signedRequest({ 'X-Secret-Key': 'k' }, '{}'), prepared, { toleranceSeconds: 300, nowMs: 0 })
 * ```
 */
export function signedRequest(headers: Record<string, string>, body: Uint8Array | string): SignedRequest {
  return { header: createHeaderReader(headers), body: toBytes(body) }
}
