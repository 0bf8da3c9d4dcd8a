/**
 * A small provider and signed deliveries for the store contracts and the multi-process harness: HMAC
 * over the raw body, an `{event, id, timestamp, data}` envelope, one event whose data names a record and
 * its version, so the ordering guard has something to guard.
 *
 * @module
 */
import { defineProvider } from '../providers/define-provider.js'
import { createFieldEnvelope } from '../providers/field-envelope.js'
import { createHmacSha256Scheme } from '../schemes/hmac-sha256.js'
import type { StandardSchemaV1 } from '../standard-schema.js'
import type { WebhookRequest } from '../types.js'

/**
 * The secret contract deliveries are signed with.
 *
 * @example
 * ```ts
 * const receiver = createReceiver({ provider: contractProvider, secret: CONTRACT_SECRET, store })
 * ```
 */
export const CONTRACT_SECRET = 'contract-secret-2026'

interface RecordUpdate {
  record: string
  version: number
}

const recordUpdate: StandardSchemaV1<unknown, RecordUpdate> = {
  '~standard': {
    version: 1,
    vendor: 'crm-webhooks-contract',
    validate(value) {
      const data = value as Partial<RecordUpdate> | null
      return typeof data?.record === 'string' && typeof data.version === 'number'
        ? { value: { record: data.record, version: data.version } }
        : { issues: [{ message: 'expected { record: string, version: number }' }] }
    },
  },
}

/**
 * The contract's provider: event `record.updated`, idempotency key from the envelope's `id`, ordering
 * by `data.record` and `data.version`.
 *
 * @example
 * ```ts
 * const receiver = createReceiver({ provider: contractProvider, secret: CONTRACT_SECRET, store })
 * ```
 */
export const contractProvider = defineProvider({
  id: 'contract',
  name: 'Store contract',
  scheme: createHmacSha256Scheme({ header: 'X-Contract-Signature' }),
  envelope: createFieldEnvelope({ type: 'event', id: 'id', occurredAt: 'timestamp', data: 'data' }),
  events: { 'record.updated': recordUpdate },
  recordVersion: (event) => {
    const data = event.data as RecordUpdate
    return { record: data.record, version: data.version }
  },
})

/** What a contract delivery carries. */
export interface ContractDelivery {
  /** The event id, hence the idempotency key (`contract:<id>`). */
  id: string
  record?: string
  version?: number
}

/**
 * A signed `record.updated` delivery, ready for `receiver.handle` (or, with its `rawBody` and `headers`,
 * for `fetch`).
 *
 * @example
 * ```ts
 * const response = await receiver.handle(await signContractDelivery({ id: 'evt_1' }))
 * ```
 */
export async function signContractDelivery(delivery: ContractDelivery): Promise<WebhookRequest & { headers: Record<string, string>; rawBody: string }> {
  const rawBody = JSON.stringify({
    event: 'record.updated',
    id: delivery.id,
    timestamp: new Date(delivery.version ?? 0).toISOString(),
    data: { record: delivery.record ?? `record-${delivery.id}`, version: delivery.version ?? 1 },
  })
  const signature = await contractProvider.scheme.sign({ body: rawBody }, CONTRACT_SECRET)
  return { method: 'POST', headers: { 'content-type': 'application/json', ...signature }, rawBody }
}
