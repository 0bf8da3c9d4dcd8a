/**
 * The idempotency key of a delivery, from the first source that names one.
 *
 * @module
 */
import { canonicalJson } from '../idempotency/canonical-json.js'
import { sha256HexOf } from '../schemes/crypto.js'
import { isThenable, mapMaybePromise } from '../schemes/maybe-promise.js'
import type { DeliveryContext, MaybePromise } from '../types.js'
import { idKey } from './id-key.js'
import type { PipelineConfig } from './pipeline-config.js'

const textEncoder = new TextEncoder()

// In order, each source that names no key falling through to the next: the receiver's option, the
// provider's own, the event id (the signed id, else the envelope's), the digest of the signed bytes.
export function idempotencyKeyOf(
  config: PipelineConfig,
  context: DeliveryContext,
  eventId: string | undefined,
  digested: Uint8Array,
): MaybePromise<string> {
  const fromReceiver = config.idempotencyKey?.(context)
  if (isThenable(fromReceiver)) return Promise.resolve(fromReceiver).then((key) => (namesNoKey(key) ? providerKeyOf(config, context, eventId, digested) : idKey(key)))
  return namesNoKey(fromReceiver) ? providerKeyOf(config, context, eventId, digested) : idKey(fromReceiver)
}

// What a key function answers to pass on to the next source; anything else is its key (0 included), or a
// TypeError (id-key.ts).
function namesNoKey(key: unknown): boolean {
  return key === undefined || key === null || key === ''
}

function providerKeyOf(config: PipelineConfig, context: DeliveryContext, eventId: string | undefined, digested: Uint8Array): MaybePromise<string> {
  const fromProvider = config.provider.idempotencyKey?.(context)
  const idOrDigest = (key: string | number | undefined) => (!namesNoKey(key) ? idKey(key) : eventId ? idKey(eventId) : digestKey(config, context, digested))
  return isThenable(fromProvider) ? Promise.resolve(fromProvider).then(idOrDigest) : idOrDigest(fromProvider)
}

// No id from the sender: retries resend the same bytes, so their digest identifies the delivery; a
// provider whose sender writes a resend out again digests the payload's canonical JSON instead.
function digestKey(config: PipelineConfig, context: DeliveryContext, signed: Uint8Array): MaybePromise<string> {
  if (config.provider.idempotencyDigest === 'canonical-json') {
    return mapMaybePromise(sha256HexOf(textEncoder.encode(canonicalJson(context.payload))), (digest) => `json-sha256:${digest}`)
  }
  return mapMaybePromise(sha256HexOf(signed), (digest) => `sha256:${digest}`)
}
