/**
 * The physical floor: what a hand-written receiver on node:crypto cannot avoid doing. `hmacOnly` is one
 * `createHmac` over the raw bytes and one `timingSafeEqual` against the header's digest; `floor` adds one
 * UTF-8 decode and one `JSON.parse` of the same bytes.
 *
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Contender } from '../alternate.js'
import { type Delivery, FLOOR_SECRET } from '../deliveries.js'

function verifyByHand(delivery: Delivery): void {
  const digest = createHmac('sha256', FLOOR_SECRET).update(delivery.body).digest()
  const claimed = Buffer.from(delivery.floorSignature, 'hex')
  if (claimed.length !== digest.length || !timingSafeEqual(digest, claimed)) throw new Error('floor: bad signature')
}

/** HMAC and constant-time compare, nothing else: the floor of verify-only. */
export const hmacOnly: Contender<Delivery> = {
  name: 'HMAC-only floor',
  async: false,
  run(delivery) {
    verifyByHand(delivery)
    return true
  },
}

/** HMAC, compare and one JSON.parse: the floor of verify + parse and of the full pipeline. */
export const floor: Contender<Delivery> = {
  name: 'floor',
  async: false,
  run(delivery) {
    verifyByHand(delivery)
    return JSON.parse(delivery.body.toString('utf8'))
  },
}
