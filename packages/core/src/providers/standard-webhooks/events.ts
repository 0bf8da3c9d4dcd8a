/**
 * A small CRM catalog for senders that speak Standard Webhooks: the specification fixes the envelope
 * (`{type, timestamp, data}`) and the signature, not the event names, so these are the common CRM
 * lifecycle events, named as the specification's own example (`contact.created`). A sender with other
 * events passes their schemas to `createReceiver({ events })`; events in neither are acknowledged 202.
 *
 * The specification shows `data` for one event, `contact.created`: a thin payload `{"id"}` and a full one
 * `{"id", "type": "contact", "fullName", "address", "phoneNumber", "birthday", "occupation"}`, whose fields
 * are declared here beside the usual CRM ones. So contact events require `data.id`; every other field, the deal's and task's `id` and `new_stage` included, is not
 * shown and is optional and nullable (a sender leaving a field empty sends `null`), typed loosely where a sender
 * could plausibly differ (a value as a number or a numeric string).
 *
 * @module
 */
import * as z from 'zod'
import { numberOrNumericString } from '../loose-fields.js'

const isoTime = (what: string) => z.string().describe(`${what} (ISO 8601)`)

const contactFields = {
  id: z.string().describe('Contact id'),
  type: z.string().nullish().describe('The kind of record, `contact` (the specification\'s full payload)'),
  fullName: z.string().nullish().describe('Full name (the specification\'s full payload)'),
  address: z.string().nullish().describe('Postal address, one line (the specification\'s full payload)'),
  phoneNumber: z.string().nullish().describe('Phone number as written (the specification\'s full payload)'),
  birthday: z.string().nullish().describe('Birthday, `YYYY-MM-DD` (the specification\'s full payload)'),
  occupation: z.string().nullish().describe('Occupation (the specification\'s full payload)'),
  name: z.string().nullish().describe('Full name'),
  email: z.string().nullish().describe('Email address'),
  phone: z.string().nullish().describe('Phone number (E.164)'),
  company: z.string().nullish().describe('Company name'),
  created_at: isoTime('When the contact was created').nullish(),
  updated_at: isoTime('When the contact was last modified').nullish(),
}

const dealFields = {
  id: z.string().nullish().describe('Deal id'),
  title: z.string().nullish().describe('Deal title'),
  value: numberOrNumericString('Deal value in `currency` units').nullish(),
  currency: z.string().nullish().describe('ISO 4217 currency code'),
  stage: z.string().nullish().describe('Current pipeline stage'),
  contact_id: z.string().nullish().describe('Contact the deal belongs to'),
  updated_at: isoTime('When the deal was last modified').nullish(),
}

const taskFields = {
  id: z.string().nullish().describe('Task id'),
  title: z.string().nullish().describe('Task title'),
  due_at: isoTime('When the task is due').nullish(),
  contact_id: z.string().nullish().describe('Related contact'),
  deal_id: z.string().nullish().describe('Related deal'),
}

/**
 * The default Standard Webhooks catalog, keyed by `type`.
 *
 * @example
 * ```ts
 * type Data = z.output<(typeof standardWebhooksEvents)['contact.created']>
 * const result = standardWebhooksEvents['contact.created'].safeParse(payload.data)
 * ```
 */
export const standardWebhooksEvents = {
  'contact.created': z.looseObject(contactFields).describe('A contact was created.'),
  'contact.updated': z.looseObject(contactFields).describe('A contact was modified.'),
  'contact.deleted': z.looseObject({ id: z.string().describe('Id of the deleted contact') }).describe('A contact was deleted.'),
  'deal.created': z.looseObject(dealFields).describe('A deal was created.'),
  'deal.updated': z.looseObject(dealFields).describe('A deal was modified.'),
  'deal.stage_changed': z
    .looseObject({
      ...dealFields,
      previous_stage: z.string().nullish().describe('Stage the deal left'),
      new_stage: z.string().nullish().describe('Stage the deal entered'),
    })
    .describe('A deal moved to another pipeline stage.'),
  'task.created': z.looseObject(taskFields).describe('A task was created.'),
  'task.completed': z
    .looseObject({ ...taskFields, completed_at: isoTime('When the task was completed').nullish() })
    .describe('A task was marked as completed.'),
}

/**
 * Event types of the default catalog.
 *
 * @example
 * ```ts
 * const type: StandardWebhooksEventType = 'contact.created'
 * ```
 */
export type StandardWebhooksEventType = keyof typeof standardWebhooksEvents
