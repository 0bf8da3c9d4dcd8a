/**
 * The workflow platform's API v2 subscription events (seed 003), one zod schema each for the envelope's
 * `data`. The seed lists categories, not wire names; the names below are this project's choice, written
 * down in the README: lower-case, dotted, past tense, the seed's spelling kept (`cancelled`).
 *
 * Fields use the snake_case of the platform's merge tags (`{{contact.full_name}}`, `{{opportunity.name}}`).
 * The seed's payload example did not survive, so it shows no `data`: nothing in it is required (a
 * rejected delivery is a 422 on every retry). The fields are what this project expects, declared so
 * handlers see them as `T | undefined`, typed loosely where a real payload could plausibly differ (a user
 * as an object or an id, an amount as a number or a numeric string). Objects are loose.
 *
 * Workflow webhook actions are not here: their bodies are whatever the user mapped, so the user declares
 * their schemas with `createReceiver({ events })`.
 *
 * @module
 */
import * as z from 'zod'
import { changedFieldsOrChanges, formFieldValues, numberOrNumericString, tagNameOrObject, userObjectOrId, valuesByNameOrEntries } from '../loose-fields.js'

const isoTime = (what: string) => z.string().describe(`${what} (ISO 8601)`)

const user = z.looseObject({ id: z.string().nullish().describe('User id'), name: z.string().nullish().describe('Display name') })

/** A user the seed never shows: a user object or the bare user id. */
const userOrId = userObjectOrId(user)

const contactFields = {
  id: z.string().nullish().describe('Contact id'),
  first_name: z.string().nullish().describe('First name'),
  last_name: z.string().nullish().describe('Last name'),
  full_name: z.string().nullish().describe('Full name'),
  email: z.string().nullish().describe('Email address'),
  phone: z.string().nullish().describe('Phone number (E.164)'),
  company_name: z.string().nullish().describe('Company name'),
  source: z.string().nullish().describe('Lead source'),
  tags: z.array(tagNameOrObject).nullish().describe('Tags on the contact (names, or tag objects)'),
  assigned_to: userOrId.nullish().describe('User the contact is assigned to: a user object or a user id'),
  custom_fields: valuesByNameOrEntries('Custom field values by field key').nullish(),
  date_added: isoTime('When the contact was created').nullish(),
  date_updated: isoTime('When the contact was last modified').nullish(),
}

const appointmentFields = {
  id: z.string().nullish().describe('Appointment id'),
  calendar_id: z.string().nullish().describe('Calendar the appointment is on'),
  contact_id: z.string().nullish().describe('Contact who booked'),
  title: z.string().nullish().describe('Appointment title'),
  start_time: isoTime('Start of the appointment').nullish(),
  end_time: isoTime('End of the appointment').nullish(),
  timezone: z.string().nullish().describe('IANA time zone, e.g. `Europe/London`'),
  status: z.string().nullish().describe('e.g. `booked`, `confirmed`, `cancelled`'),
  assigned_to: userOrId.nullish().describe('User the appointment is with: a user object or a user id'),
}

/**
 * The nine API v2 subscription events, keyed by the wire names this project chose.
 *
 * @example
 * ```ts
 * type Data = z.output<(typeof workflowPlatformEvents)['opportunity.stage_changed']>
 * const result = workflowPlatformEvents['opportunity.stage_changed'].safeParse(payload.data)
 * ```
 */
export const workflowPlatformEvents = {
  'contact.created': z.looseObject(contactFields).describe('Contact created: a contact was added to the account.'),
  'contact.updated': z
    .looseObject({ ...contactFields, changed_fields: changedFieldsOrChanges('What was modified').nullish() })
    .describe('Contact updated: a field of a contact changed.'),
  'contact.deleted': z
    .looseObject({
      id: z.string().nullish().describe('Id of the deleted contact'),
      email: z.string().nullish().describe('Email address it had'),
      date_deleted: isoTime('When the contact was deleted').nullish(),
    })
    .describe('Contact deleted: a contact was removed from the account.'),
  'opportunity.stage_changed': z
    .looseObject({
      id: z.string().nullish().describe('Opportunity id'),
      name: z.string().nullish().describe('Opportunity name'),
      pipeline_id: z.string().nullish().describe('Pipeline id'),
      pipeline_name: z.string().nullish().describe('Pipeline name'),
      previous_stage: z.string().nullish().describe('Stage the opportunity left'),
      new_stage: z.string().nullish().describe('Stage the opportunity entered'),
      status: z.string().nullish().describe('`open`, `won`, `lost` or `abandoned`'),
      monetary_value: numberOrNumericString('Value in the account currency').nullish(),
      contact_id: z.string().nullish().describe('Contact the opportunity belongs to'),
      assigned_to: userOrId.nullish().describe('User who owns the opportunity: a user object or a user id'),
    })
    .describe('Opportunity stage changed: an opportunity moved to another pipeline stage.'),
  'form.submitted': z
    .looseObject({
      id: z.string().nullish().describe('Submission id'),
      form_id: z.string().nullish().describe('Form id'),
      form_name: z.string().nullish().describe('Form name'),
      contact_id: z.string().nullish().describe('Contact created or matched from the submission'),
      page_url: z.string().nullish().describe('Page the form was submitted on'),
      fields: formFieldValues('Submitted values by field key').nullish(),
      submitted_at: isoTime('When the form was submitted').nullish(),
    })
    .describe('Form submitted: a visitor submitted a form.'),
  'appointment.booked': z.looseObject(appointmentFields).describe('Appointment booked: an appointment was booked on a calendar.'),
  'appointment.cancelled': z
    .looseObject({ ...appointmentFields, cancel_reason: z.string().nullish().describe('Reason given for cancelling') })
    .describe('Appointment cancelled: a booked appointment was cancelled.'),
  'payment.received': z
    .looseObject({
      id: z.string().nullish().describe('Payment (transaction) id'),
      amount: numberOrNumericString('Amount in `currency` units').nullish(),
      currency: z.string().nullish().describe('ISO 4217 currency code'),
      contact_id: z.string().nullish().describe('Paying contact'),
      invoice_id: z.string().nullish().describe('Invoice the payment settles'),
      payment_method: z.string().nullish().describe('e.g. `card`, `ach`'),
      status: z.string().nullish().describe('e.g. `succeeded`'),
      paid_at: isoTime('When the payment was captured').nullish(),
    })
    .describe('Payment received: a payment was captured.'),
  'conversation.message_received': z
    .looseObject({
      id: z.string().nullish().describe('Message id'),
      conversation_id: z.string().nullish().describe('Conversation the message belongs to'),
      contact_id: z.string().nullish().describe('Contact who wrote'),
      channel: z.string().nullish().describe('e.g. `sms`, `email`, `whatsapp`, `facebook`, `live_chat`'),
      direction: z.string().nullish().describe('`inbound` for a received message'),
      body: z.string().nullish().describe('Message text'),
      attachments: z
        .array(z.union([z.string().describe('Attachment URL'), z.looseObject({ url: z.string().nullish().describe('Attachment URL') })]))
        .nullish()
        .describe('Attachments: URLs, or attachment objects'),
      date_added: isoTime('When the message arrived').nullish(),
    })
    .describe('Conversation message received: a contact sent a message on any channel.'),
}

/**
 * The API v2 wire event names.
 *
 * @example
 * ```ts
 * const type: WorkflowPlatformEventType = 'opportunity.stage_changed'
 * ```
 */
export type WorkflowPlatformEventType = keyof typeof workflowPlatformEvents
