/**
 * Signed deliveries for the micro benchmarks. Every delivery carries the headers its contender's scheme
 * expects and, beside them, the floor's own hex HMAC of the same bytes, so a contender and its floor
 * always work on identical bodies. Signing happens here, outside the timed region.
 *
 * @module
 */
import { createHmac } from 'node:crypto'
import { type CrmEventBody, REVISION_WIDTH, uniqueDelivery } from './payloads.js'

/** One request as a receiver gets it. */
export interface Delivery {
  readonly body: Buffer
  /** Lower-case header names, as Node's `IncomingHttpHeaders` has them. */
  readonly headers: Record<string, string>
  /** Hex HMAC-SHA256 of `body` under {@link FLOOR_SECRET}, what the floor checks. */
  readonly floorSignature: string
}

/** Signs a body the way one contender's sender would; returns the headers to send. */
export type Signer = (body: Buffer, sequence: number) => Record<string, string>

/** The secret of the floor and of every plain HMAC-SHA256 contender (ours, octokit). */
export const FLOOR_SECRET = 'bench-signing-secret-4f6c1d2e9a7b'

/**
 * Hex HMAC-SHA256 of `body` under `secret`.
 *
 * @example
 * ```ts
 * hmacHex(FLOOR_SECRET, Buffer.from('{}'))
 * ```
 */
export function hmacHex(secret: string | Uint8Array, body: Uint8Array | string): string {
  return createHmac('sha256', secret).update(body).digest('hex')
}

let sequence = 0

/**
 * Batches of deliveries of `event`. With `unique`, every delivery gets a fresh event id (and is signed
 * again), as the full pipeline's idempotency store needs; otherwise one signed delivery is repeated.
 *
 * @example
 * ```ts
 * const batch = deliveries(event, ourSigner, { unique: true })
 * batch(64) // 64 distinct, signed deliveries
 * ```
 */
export function deliveries(event: CrmEventBody, sign: Signer, options: { unique: boolean }): (count: number) => Delivery[] {
  return (count) => {
    if (!options.unique) {
      // Signed again for each batch, so timestamped schemes stay inside their tolerance all run long.
      const body = event.bytes
      const one: Delivery = { body, headers: sign(body, sequence), floorSignature: hmacHex(FLOOR_SECRET, body) }
      return new Array<Delivery>(count).fill(one)
    }
    const batch: Delivery[] = []
    for (let index = 0; index < count; index++) {
      const body = uniqueDelivery(event, ++sequence)
      batch.push({ body, headers: sign(body, sequence), floorSignature: hmacHex(FLOOR_SECRET, body) })
    }
    return batch
  }
}

/**
 * The same delivery with one digit of its revision changed (the JSON stays valid), to prove a contender
 * rejects a body that was not signed.
 *
 * @example
 * ```ts
 * tampered(delivery, event).body.equals(delivery.body) // false
 * ```
 */
export function tampered(delivery: Delivery, event: CrmEventBody): Delivery {
  const body = Buffer.from(delivery.body)
  const at = event.revisionOffset + REVISION_WIDTH - 1
  body[at] = body[at] === 0x39 ? 0x38 : body[at]! + 1
  return { ...delivery, body }
}
