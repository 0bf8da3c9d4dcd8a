/**
 * The automation platform of seed 003 (`workflow-platform`): API v2 subscription events and workflow
 * Webhook actions, both signed with `X-Hmac-Signature` (hex HMAC-SHA256 of the raw body; for a bodiless
 * GET or DELETE action, of the raw query string, where its fields travel). Subscription
 * confirmations are answered automatically; workflow actions carry user-mapped bodies (JSON or form,
 * POST/GET/PUT/DELETE) typed by the schemas the user declares. See this folder's README.
 *
 * @module
 */
import { createHmacSha256Scheme } from '../../schemes/hmac-sha256.js'
import type { DeliveryContext } from '../../types.js'
import { defineProvider } from '../define-provider.js'
import { asId, createFieldEnvelope, nonEmptyText } from '../field-envelope.js'
import { decodeJsonFieldsForm, encodeJsonFieldsForm } from '../json-fields-form.js'
import { recordVersionByOccurredAt } from '../record-version.js'
import { workflowPlatformEvents } from './events.js'
import { answerSubscriptionConfirmation } from './subscription-confirmation.js'

/**
 * The event name of a workflow action whose body maps no `event` field.
 *
 * @example
 * ```ts
 * createReceiver({ provider: workflowPlatform, secret, events: { [WORKFLOW_ACTION_EVENT]: z.looseObject({ email: z.string() }) } })
 * ```
 */
export const WORKFLOW_ACTION_EVENT = 'workflow.action'

const API_V2_EVENTS: ReadonlySet<string> = new Set(Object.keys(workflowPlatformEvents))
const fields = createFieldEnvelope({ type: 'event', id: 'event_id', occurredAt: 'timestamp', data: 'data' })

function eventTypeOf(context: DeliveryContext): string {
  return fields.eventType(context) ?? WORKFLOW_ACTION_EVENT
}

/**
 * The workflow platform provider.
 *
 * @example
 * ```ts
 * import * as z from 'zod'
 * import { createReceiver } from '@crm-webhooks/core'
 * import { workflowPlatform } from '@crm-webhooks/core/providers'
 *
 * const receiver = createReceiver({
 *   provider: workflowPlatform,
 *   secret: process.env.PLATFORM_HMAC_SECRET!,
 *   // A workflow Webhook action that maps event=lead.qualified, email={{contact.email}}, score=...
 *   events: { 'lead.qualified': z.looseObject({ email: z.string(), score: z.coerce.number() }) },
 * })
 * receiver.on('lead.qualified', (event) => console.log(event.data.email, event.data.score))
 * receiver.on('opportunity.stage_changed', (event) => console.log(event.data.new_stage))
 * ```
 */
export const workflowPlatform = defineProvider({
  id: 'workflow-platform',
  name: 'Workflow platform',
  scheme: createHmacSha256Scheme({ header: 'X-Hmac-Signature' }),
  envelope: {
    eventType: eventTypeOf,
    eventId: fields.eventId!,
    occurredAt: fields.occurredAt!,
    // API v2 events wrap their data; a workflow action's body is the data, as the user mapped it.
    data: (context) => (API_V2_EVENTS.has(eventTypeOf(context)) ? fields.data!(context) : context.payload),
  },
  events: workflowPlatformEvents,
  methods: ['POST', 'GET', 'PUT', 'DELETE'],
  contentTypes: ['json', 'form'],
  // Form and query fields stay text, as the user mapped them; only an API v2 envelope carries `data` as
  // JSON text, the way the reference sender (and AutomateNexus) encodes it in a form. A field sent twice
  // keeps its last value, so the event named here is the one the envelope reads.
  decodeForm: (form) => decodeJsonFieldsForm(form, API_V2_EVENTS.has(form.getAll('event').at(-1) ?? '') ? ['data'] : []),
  // And written back the same way: an API v2 `data` always as JSON text (a string or null too), so the
  // reference sender's form or query reads back as its JSON body would.
  encodeForm: (payload) =>
    encodeJsonFieldsForm(payload, API_V2_EVENTS.has(String((payload as { event?: unknown } | null)?.event)) ? ['data'] : []),
  handshake: answerSubscriptionConfirmation,
  // Only API v2 events are versions of a record the platform keeps. A workflow action's `id` and `timestamp`
  // are whatever its author mapped (a note's id, the time the workflow ran): read as a record's version,
  // an action marked a genuine, later-arriving contact.updated stale, or one workflow's action another's.
  recordVersion: (event) => (API_V2_EVENTS.has(event.type) ? recordVersionByOccurredAt(event) : undefined),
  compose: (event) => {
    const timestamp = event.occurredAt.toISOString()
    if (API_V2_EVENTS.has(event.type)) {
      return { payload: { event: event.type, event_id: event.id, timestamp, data: event.data } }
    }
    // Fields are a map: data that is none (a number, a list) goes as one field, `value`; a list spread would
    // have gone as fields named 0, 1, ...
    const mapped: Record<string, unknown> =
      event.data !== null && typeof event.data === 'object' && !Array.isArray(event.data) ? { ...event.data } : { value: event.data }
    // A mapped `event` or `event_id` is what the receiver routes and keys by, read as the receiver reads them
    // (an empty or non-text event names no type: workflow.action; a number id is its digits): one that reads
    // as another type or id would be handled as another event, or keyed apart from what the sender logged.
    const routed = mapped.event === undefined ? event.type : (nonEmptyText(mapped.event) ?? WORKFLOW_ACTION_EVENT)
    if (routed !== event.type) {
      throw new TypeError(`crm-webhooks: this action's data maps event ${JSON.stringify(mapped.event)}, which the receiver routes as ${routed}; send it as that type instead of ${event.type}`)
    }
    if (mapped.event_id !== undefined && asId(mapped.event_id) === undefined) {
      throw new TypeError(`crm-webhooks: this action's data maps event_id ${JSON.stringify(mapped.event_id)}, which names no id: the receiver would key the delivery by its digest, not by the id sent; leave it out, or map the event's id`)
    }
    if (mapped.event_id !== undefined && asId(mapped.event_id) !== event.id) {
      throw new TypeError(`crm-webhooks: this action's data maps event_id ${JSON.stringify(mapped.event_id)}, which the receiver would key by; send the event with that id (the CLI's --id)`)
    }
    return {
      payload: { ...(event.type === WORKFLOW_ACTION_EVENT ? {} : { event: event.type }), event_id: event.id, ...mapped },
    }
  },
})

export { workflowPlatformEvents } from './events.js'
export type { WorkflowPlatformEventType } from './events.js'
export { workflowPlatformFixtures } from './fixtures.js'
export {
  MAX_CONFIRMATION_TOKEN_LENGTH,
  SUBSCRIPTION_CONFIRMATION_EVENT,
  answerSubscriptionConfirmation,
} from './subscription-confirmation.js'
