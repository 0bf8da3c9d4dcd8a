/**
 * AutomateNexus CRM's 32 events (seed 000), one zod schema each for the envelope's `data`, keyed by wire
 * name. Record shapes (contact, deal, task, payment, subscription, appointment, email, SMS, call) are
 * declared once and reused.
 *
 * The seed shows two payloads in full (contact.created and deal.stage_changed); their fields are typed as
 * shown. Required are only a contact's and a deal's `data.id` (both examples carry it, and the seed says
 * `data` is "the full record data") and deal.stage_changed's `previous_stage`/`new_stage` (the seed says the
 * payload includes both). Every other field, the id of a record the seed never shows (a form submission, a
 * call) included, is optional: AutomateNexus switches a webhook off after enough failures in a row, so one
 * event type a schema refuses would cost every other. Fields are typed loosely where a real
 * payload could plausibly differ (a user as an object or an id, an amount as a number or a numeric string,
 * a direction as any string): a schema must never reject a genuine delivery. Every object is a
 * `z.looseObject`, so fields a sender adds pass through untouched.
 *
 * @module
 */
import * as z from 'zod'
import { changedFieldsOrChanges, formFieldValues, numberOrNumericString, tagNameOrObject, userObjectOrId, valuesByName } from '../loose-fields.js'

const isoTime = (what: string) => z.string().describe(`${what} (ISO 8601, UTC)`)

/** A CRM user, as the seed's deal.stage_changed `owner` shows it. */
const user = z.looseObject({
  id: z.string().describe('User id, e.g. `user_111`'),
  name: z.string().nullish().describe('Display name'),
})

/** A user where the seed shows none: the seed's `{id, name}` object, or just the user id. */
const userOrId = userObjectOrId(user)

const customFields = valuesByName('Custom field values by field name')
// The seed never shows what was changed: a list of field names, or the changes by field name (`{"phone": {"old":
// ..., "new": ...}}`), as CRMs write an update's diff; refused, either would be a 422 on every retry.
const changedFields = changedFieldsOrChanges('What was modified').nullish()

/** The contact record, as the seed's general payload example shows it. */
const contactFields = {
  id: z.string().describe('Contact id, e.g. `con_12345`'),
  first_name: z.string().nullish().describe('First name'),
  last_name: z.string().nullish().describe('Last name'),
  email: z.string().nullish().describe('Email address'),
  phone: z.string().nullish().describe('Phone number (E.164)'),
  company: z.string().nullish().describe('Company name'),
  tags: z.array(tagNameOrObject).nullish().describe('Tags on the contact (names, or tag objects)'),
  owner: userOrId.nullish().describe('Owner of the contact: a user object or a user id'),
  created_at: isoTime('When the contact was created').nullish(),
  updated_at: isoTime('When the contact was last modified').nullish(),
  custom_fields: customFields.nullish(),
}
const contact = z.looseObject(contactFields)

/** The deal record, as the seed's deal.stage_changed example shows it. */
// Typed as the seed's deal.stage_changed example shows them, and nullable as the contact's fields are: an
// unowned or unvalued deal is sent with `null` there, which must not be a 422 on every retry.
const dealFields = {
  id: z.string().describe('Deal id, e.g. `deal_67890`'),
  title: z.string().nullish().describe('Deal title'),
  value: numberOrNumericString('Deal value in `currency` units').nullish(),
  currency: z.string().nullish().describe('ISO 4217 currency code'),
  pipeline: z.string().nullish().describe('Pipeline name'),
  stage: z.string().nullish().describe('Current pipeline stage'),
  contact_id: z.string().nullish().describe('Contact the deal belongs to'),
  owner: userOrId.nullish().describe('Owner of the deal: a user object or a user id (`null` when unowned)'),
  created_at: isoTime('When the deal was created').nullish(),
  updated_at: isoTime('When the deal was last modified').nullish(),
  custom_fields: customFields.nullish(),
}
const deal = z.looseObject(dealFields)

const taskFields = {
  id: z.string().nullish().describe('Task id'),
  title: z.string().nullish().describe('Task title'),
  description: z.string().nullish().describe('Task description'),
  status: z.string().nullish().describe('Task status, e.g. `open`, `completed`'),
  priority: z.string().nullish().describe('Priority, e.g. `low`, `normal`, `high`'),
  due_date: isoTime('When the task is due').nullish(),
  contact_id: z.string().nullish().describe('Related contact'),
  deal_id: z.string().nullish().describe('Related deal'),
  assigned_to: userOrId.nullish().describe('User the task is assigned to: a user object or a user id'),
  completed_at: isoTime('When the task was completed').nullish(),
  created_at: isoTime('When the task was created').nullish(),
  updated_at: isoTime('When the task was last modified').nullish(),
}
const task = z.looseObject(taskFields)

const paymentFields = {
  id: z.string().nullish().describe('Payment id'),
  // Not in the seed, so optional: a payment.failed for a declined card may well carry no amount.
  amount: numberOrNumericString('Amount in `currency` units').nullish(),
  currency: z.string().nullish().describe('ISO 4217 currency code'),
  status: z.string().nullish().describe('Payment status, e.g. `succeeded`, `failed`, `refunded`'),
  contact_id: z.string().nullish().describe('Paying contact'),
  invoice_id: z.string().nullish().describe('Invoice the payment settles'),
  subscription_id: z.string().nullish().describe('Subscription the payment belongs to'),
  payment_method: z.string().nullish().describe('Method, e.g. `card`, `paypal`'),
  processor: z.string().nullish().describe('Payment processor, e.g. `stripe`, `paypal`'),
  created_at: isoTime('When the payment was attempted').nullish(),
}
const payment = z.looseObject(paymentFields)

const subscriptionFields = {
  id: z.string().nullish().describe('Subscription id'),
  plan: z.string().nullish().describe('Plan name'),
  amount: numberOrNumericString('Recurring amount in `currency` units').nullish(),
  currency: z.string().nullish().describe('ISO 4217 currency code'),
  interval: z.string().nullish().describe('Billing interval, e.g. `month`, `year`'),
  status: z.string().nullish().describe('Subscription status, e.g. `active`, `canceled`'),
  contact_id: z.string().nullish().describe('Subscribed contact'),
  started_at: isoTime('When the subscription started').nullish(),
}

const appointmentFields = {
  id: z.string().nullish().describe('Appointment id'),
  title: z.string().nullish().describe('Appointment title'),
  start_time: isoTime('Start of the appointment').nullish(),
  end_time: isoTime('End of the appointment').nullish(),
  timezone: z.string().nullish().describe('IANA time zone of the booking, e.g. `America/New_York`'),
  status: z.string().nullish().describe('Status, e.g. `booked`, `canceled`'),
  contact_id: z.string().nullish().describe('Contact who booked'),
  booking_page: z.string().nullish().describe('Booking page the appointment came through'),
  assigned_to: userOrId.nullish().describe('User the appointment is with: a user object or a user id'),
}

const emailFields = {
  id: z.string().nullish().describe('Email message id'),
  contact_id: z.string().nullish().describe('Recipient contact'),
  to: z.string().nullish().describe('Recipient address'),
  from: z.string().nullish().describe('Sender address'),
  subject: z.string().nullish().describe('Subject line'),
  campaign_id: z.string().nullish().describe('Campaign the email belongs to'),
  sent_at: isoTime('When the email was sent').nullish(),
}

const smsFields = {
  id: z.string().nullish().describe('SMS message id'),
  contact_id: z.string().nullish().describe('Contact on the other end'),
  from: z.string().nullish().describe('Sending number (E.164)'),
  to: z.string().nullish().describe('Receiving number (E.164)'),
  body: z.string().nullish().describe('Message text (empty or absent for a media-only message)'),
  status: z.string().nullish().describe('Delivery status, e.g. `queued`, `sent`, `received`'),
}

const callFields = {
  id: z.string().nullish().describe('Call id'),
  contact_id: z.string().nullish().describe('Contact on the other end'),
  // Not in the seed: any string, so a value this project does not expect (`missed`, `internal`) is no 422.
  direction: z.string().nullish().describe('Who placed the call; expected `inbound` or `outbound`'),
  from: z.string().nullish().describe('Calling number (E.164)'),
  to: z.string().nullish().describe('Called number (E.164)'),
  status: z.string().nullish().describe('Outcome, e.g. `completed`, `no-answer`, `busy`'),
  duration_seconds: numberOrNumericString('Talk time in seconds').nullish(),
  recording_url: z.string().nullish().describe('Recording, when the call was recorded'),
  started_at: isoTime('When the call started').nullish(),
  ended_at: isoTime('When the call ended').nullish(),
  user: userOrId.nullish().describe('CRM user on the call: a user object or a user id'),
}

/** A deleted record: the seed does not show one; its id is required or not as the record's own is. */
const deleted = <Id extends z.ZodType>(what: string, id: Id) =>
  z.looseObject({
    id: id.describe(`Id of the deleted ${what}`),
    deleted_at: isoTime(`When the ${what} was deleted`).nullish(),
  })

const tagChange = z.looseObject({
  ...contactFields,
  tag: tagNameOrObject.nullish().describe('The tag added or removed (a name, or a tag object); the seed does not show it'),
})

/**
 * The 32 events of seed 000, keyed by wire name, in the seed's order.
 *
 * @example
 * ```ts
 * type Data = z.output<(typeof automatenexusEvents)['deal.stage_changed']>
 * const result = automatenexusEvents['deal.stage_changed'].safeParse(payload.data)
 * ```
 */
export const automatenexusEvents = {
  'contact.created': contact.describe('Fired when a new contact is created.'),
  'contact.updated': z
    .looseObject({ ...contactFields, changed_fields: changedFields })
    .describe('Fired when any field on a contact is modified.'),
  'contact.deleted': deleted('contact', contactFields.id).describe('Fired when a contact is deleted.'),
  'contact.merged': z
    .looseObject({
      ...contactFields,
      merged_contact_ids: z.array(z.string()).nullish().describe('Ids of the contacts merged into this one (no longer exist)'),
    })
    .describe('Fired when two contact records are merged; `data` is the surviving contact.'),
  'contact.tag_added': tagChange.describe('Fired when a tag is added to a contact.'),
  'contact.tag_removed': tagChange.describe('Fired when a tag is removed from a contact.'),

  'deal.created': deal.describe('Fired when a new deal is created.'),
  'deal.updated': z
    .looseObject({ ...dealFields, changed_fields: changedFields })
    .describe('Fired when a deal is modified (value, title, custom fields).'),
  'deal.stage_changed': z
    .looseObject({
      ...dealFields,
      previous_stage: z.string().describe('Stage the deal left'),
      new_stage: z.string().describe('Stage the deal entered'),
    })
    .describe('Fired when a deal moves to a different pipeline stage; includes the previous and the new stage.'),
  'deal.won': z
    .looseObject({ ...dealFields, won_at: isoTime('When the deal was marked won').nullish() })
    .describe('Fired when a deal is marked as won.'),
  'deal.lost': z
    .looseObject({
      ...dealFields,
      lost_reason: z.string().nullish().describe('Reason given for losing the deal'),
      lost_at: isoTime('When the deal was marked lost').nullish(),
    })
    .describe('Fired when a deal is marked as lost.'),
  'deal.deleted': deleted('deal', dealFields.id).describe('Fired when a deal is deleted.'),

  'task.created': task.describe('Fired when a new task is created.'),
  'task.updated': task.describe('Fired when a task is modified.'),
  'task.completed': task.describe('Fired when a task is marked as completed.'),
  'task.deleted': deleted('task', taskFields.id).describe('Fired when a task is deleted.'),

  'form.submitted': z
    .looseObject({
      id: z.string().nullish().describe('Submission id'),
      form_id: z.string().nullish().describe('Form id'),
      form_name: z.string().nullish().describe('Form name'),
      contact_id: z.string().nullish().describe('Contact created or matched from the submission'),
      page_url: z.string().nullish().describe('Page the form was submitted on'),
      submitted_at: isoTime('When the form was submitted').nullish(),
      // The seed says the payload "includes all form field values" but not under which key: they may be here
      // or at the top level of `data`, which passes through.
      fields: formFieldValues('Every form field value, by field name').nullish(),
    })
    .describe('Fired when a form is submitted; includes all form field values.'),

  'payment.received': payment.describe('Fired when a payment is successfully processed.'),
  'payment.failed': z
    .looseObject({ ...paymentFields, failure_reason: z.string().nullish().describe('Why the processor declined the payment') })
    .describe('Fired when a payment attempt fails.'),
  'payment.refunded': z
    .looseObject({
      ...paymentFields,
      refunded_amount: numberOrNumericString('Amount refunded, in `currency` units (partial refunds are less than `amount`)').nullish(),
      refund_reason: z.string().nullish().describe('Reason given for the refund'),
    })
    .describe('Fired when a payment is refunded.'),
  'subscription.created': z.looseObject(subscriptionFields).describe('Fired when a new subscription is created.'),
  'subscription.canceled': z
    .looseObject({
      ...subscriptionFields,
      canceled_at: isoTime('When the subscription was canceled').nullish(),
      cancel_reason: z.string().nullish().describe('Reason given for canceling'),
    })
    .describe('Fired when a subscription is canceled.'),

  'appointment.booked': z.looseObject(appointmentFields).describe('Fired when an appointment is booked through a booking page.'),
  'appointment.rescheduled': z
    .looseObject({
      ...appointmentFields,
      previous_start_time: isoTime('Start before the move').nullish(),
      previous_end_time: isoTime('End before the move').nullish(),
    })
    .describe('Fired when an appointment is moved to a new date/time.'),
  'appointment.canceled': z
    .looseObject({ ...appointmentFields, cancel_reason: z.string().nullish().describe('Reason given for canceling') })
    .describe('Fired when an appointment is canceled.'),

  'email.sent': z.looseObject(emailFields).describe('Fired when an email is sent from the CRM.'),
  'email.opened': z
    .looseObject({ ...emailFields, opened_at: isoTime('When the recipient opened the email').nullish() })
    .describe('Fired when a tracked email is opened by the recipient.'),
  'email.clicked': z
    .looseObject({
      ...emailFields,
      url: z.string().nullish().describe('The tracked link that was clicked'),
      clicked_at: isoTime('When the link was clicked').nullish(),
    })
    .describe('Fired when a tracked link in an email is clicked.'),
  'email.bounced': z
    .looseObject({
      ...emailFields,
      bounce_type: z.string().nullish().describe('`hard` or `soft`'),
      reason: z.string().nullish().describe('Bounce reason from the receiving server'),
    })
    .describe('Fired when an email bounces.'),
  'sms.sent': z
    .looseObject({ ...smsFields, sent_at: isoTime('When the SMS was sent').nullish() })
    .describe('Fired when an SMS is sent.'),
  'sms.received': z
    .looseObject({ ...smsFields, received_at: isoTime('When the SMS arrived').nullish() })
    .describe('Fired when an inbound SMS is received.'),
  'call.completed': z.looseObject(callFields).describe('Fired when a voice call ends.'),
}

/**
 * AutomateNexus wire event names.
 *
 * @example
 * ```ts
 * const type: AutomatenexusEventType = 'deal.stage_changed'
 * ```
 */
export type AutomatenexusEventType = keyof typeof automatenexusEvents
