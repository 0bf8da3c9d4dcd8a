/**
 * ConnectGain's 17 events (seed 001), one zod schema each for the envelope's `data`, keyed by wire name.
 * Record shapes (contact, deal, conversation, message, user) are declared once and reused.
 *
 * The seed shows one `data` (a contact: `id`, `first_name`, `last_name`, `organization_id`, "other fields
 * specific to the event") and says "all webhook calls follow this format". Records require their `id`;
 * every other field is one the seed does not show, so it is optional, named in the seed's snake_case style,
 * and typed loosely where a real payload could plausibly differ (a user as an object or an id, a value as
 * a number or a numeric string). Objects are loose, so fields ConnectGain adds pass through.
 *
 * @module
 */
import * as z from 'zod'
import { numberOrNumericString, numberOrText, tagNameOrObject, userObjectOrId } from '../loose-fields.js'

const isoTime = (what: string) => z.string().describe(`${what} (ISO 8601)`)


const user = z.looseObject({
  id: z.string().nullish().describe('User id'),
  name: z.string().nullish().describe('Display name'),
  email: z.string().nullish().describe('Email address'),
})

/** A user the seed never shows: a user object or the bare user id (its records refer to others by id). */
const userOrId = userObjectOrId(user)

const assignment = {
  assigned_to: userOrId.nullish().describe('User the record is now assigned to: a user object or a user id (`null` when unassigned)'),
  previous_assignee: userOrId.nullish().describe('User it was assigned to before, if any: a user object or a user id'),
  assigned_by: userOrId.nullish().describe('User who made the assignment: a user object or a user id'),
}

const contactFields = {
  id: z.string().describe('Contact id (UUID)'),
  first_name: z.string().nullish().describe('First name'),
  last_name: z.string().nullish().describe('Last name'),
  organization_id: z.string().nullish().describe('Your ConnectGain organization (workspace) id'),
  email: z.string().nullish().describe('Email address'),
  phone: z.string().nullish().describe('Phone number (E.164)'),
  tags: z.array(tagNameOrObject).nullish().describe('Tags on the contact (names, or tag objects)'),
  created_at: isoTime('When the contact was created').nullish(),
  updated_at: isoTime('When the contact was last modified').nullish(),
}

const dealFields = {
  id: z.string().describe('Deal (lead) id'),
  title: z.string().nullish().describe('Deal title'),
  value: numberOrNumericString('Deal value in `currency` units').nullish(),
  currency: z.string().nullish().describe('ISO 4217 currency code'),
  pipeline_id: z.string().nullish().describe('Pipeline the deal is in'),
  stage: z.string().nullish().describe('Current pipeline stage'),
  contact_id: z.string().nullish().describe('Contact the deal belongs to'),
  organization_id: z.string().nullish().describe('Your ConnectGain organization id'),
  created_at: isoTime('When the deal was created').nullish(),
  updated_at: isoTime('When the deal was last modified').nullish(),
}

const conversationFields = {
  id: z.string().describe('Conversation id'),
  contact_id: z.string().nullish().describe('Contact on the other end'),
  channel: z.string().nullish().describe('Channel, e.g. `whatsapp`, `sms`, `email`, `instagram`'),
  status: z.string().nullish().describe('`OPEN` or `CLOSED`'),
  organization_id: z.string().nullish().describe('Your ConnectGain organization id'),
  created_at: isoTime('When the conversation started').nullish(),
}

const messageFields = {
  id: z.string().describe('Message id'),
  conversation_id: z.string().nullish().describe('Conversation the message belongs to'),
  contact_id: z.string().nullish().describe('Contact on the other end'),
  direction: z.string().nullish().describe('`inbound` or `outbound`'),
  channel: z.string().nullish().describe('Channel, e.g. `whatsapp`, `sms`, `email`'),
  type: z.string().nullish().describe('Content type, e.g. `text`, `image`, `template`'),
  // An image, a location or a template message carries no text: channels write its content as an object.
  content: z
    .union([z.string().describe('Message text'), z.record(z.string(), z.unknown()).describe('Structured content (media, location, template), as the channel sends it')])
    .nullish()
    .describe('Message text, or the structured content of a `type` other than text'),
  status: z.string().nullish().describe('Delivery status, e.g. `sent`, `delivered`, `read`, `failed`'),
  created_at: isoTime('When the message was created').nullish(),
}

/**
 * The 17 events of seed 001, keyed by wire name, in the seed's order.
 *
 * @example
 * ```ts
 * type Data = z.output<(typeof connectgainEvents)['deal.stage.changed']>
 * const result = connectgainEvents['deal.stage.changed'].safeParse(payload.data)
 * ```
 */
export const connectgainEvents = {
  'contact.created': z.looseObject(contactFields).describe('Fired when a new contact is created.'),
  'contact.updated': z.looseObject(contactFields).describe('Fired when a contact is updated.'),
  'contact.assigned': z
    .looseObject({ ...contactFields, ...assignment })
    .describe('Fired when a contact is assigned to someone.'),

  'deal.created': z.looseObject(dealFields).describe('Fired when a new deal/lead is created.'),
  'deal.updated': z.looseObject(dealFields).describe('Fired when a deal is updated.'),
  'deal.stage.changed': z
    .looseObject({
      ...dealFields,
      previous_stage: z.string().nullish().describe('Stage the deal left'),
      new_stage: z.string().nullish().describe('Stage the deal entered'),
    })
    .describe('Fired when a deal moves to a different pipeline stage.'),
  'deal.assigned': z.looseObject({ ...dealFields, ...assignment }).describe('Fired when a deal is assigned to someone.'),

  'conversation.created': z.looseObject(conversationFields).describe('Fired when a new conversation is created.'),
  'conversation.assigned': z
    .looseObject({ ...conversationFields, ...assignment })
    .describe('Fired when a conversation is assigned.'),
  'conversation.status.changed': z
    .looseObject({
      ...conversationFields,
      previous_status: z.string().nullish().describe('Status before the change, `OPEN` or `CLOSED`'),
    })
    .describe('Fired when conversation status changes (OPEN/CLOSED).'),

  'message.received': z.looseObject(messageFields).describe('Fired when a new message is received.'),
  'message.sent': z.looseObject(messageFields).describe('Fired when a message is sent.'),
  'message.delivered': z
    .looseObject({ ...messageFields, delivered_at: isoTime('When the recipient received it').nullish() })
    .describe('Fired when a sent message is delivered to the recipient.'),
  'message.read': z
    .looseObject({ ...messageFields, read_at: isoTime('When the recipient read it').nullish() })
    .describe('Fired when a sent message is read by the recipient.'),
  'message.failed': z
    .looseObject({
      ...messageFields,
      error: z.string().nullish().describe('Why the message could not be sent'),
      // Passed on from the channel: WhatsApp writes its error codes (`131047`) as JSON numbers.
      error_code: numberOrText("The channel's error code, when it gives one").nullish(),
    })
    .describe('Fired when a message fails to send.'),

  'broadcast.response': z
    .looseObject({
      broadcast_id: z.string().nullish().describe('Broadcast (campaign) the contact replied to'),
      broadcast_name: z.string().nullish().describe('Broadcast name'),
      contact_id: z.string().nullish().describe('Contact who replied'),
      conversation_id: z.string().nullish().describe('Conversation the reply landed in'),
      // Not about a CRM record, so nothing here is required (README): the reply is a message whose id may be
      // absent, or just the reply's text; a strict message object made either a 422 on every retry.
      message: z
        .union([
          z.looseObject({ ...messageFields, id: messageFields.id.nullish() }),
          z.string().describe("The reply's text"),
        ])
        .nullish()
        .describe('The reply: a message object, or its text'),
    })
    .describe('Fired when a contact replies to a broadcast/campaign message.'),

  'zoom.recording.completed': z
    .looseObject({
      meeting_id: numberOrText('Zoom meeting id').nullish(),
      topic: z.string().nullish().describe('Meeting topic'),
      start_time: isoTime('When the meeting started').nullish(),
      duration_minutes: numberOrNumericString('Meeting length in minutes').nullish(),
      contact_id: z.string().nullish().describe('Contact the meeting was with'),
      recording_files: z
        .array(
          z.looseObject({
            id: z.string().nullish().describe('Recording file id'),
            file_type: z.string().nullish().describe('e.g. `MP4`, `M4A`, `TRANSCRIPT`'),
            download_url: z.string().nullish().describe('Where to fetch the file'),
            file_size: numberOrNumericString('Size in bytes').nullish(),
          }),
        )
        .nullish()
        .describe('The processed recording files'),
    })
    .describe('Fired when a Zoom cloud recording finishes processing.'),
}

/**
 * ConnectGain wire event names.
 *
 * @example
 * ```ts
 * const type: ConnectgainEventType = 'deal.stage.changed'
 * ```
 */
export type ConnectgainEventType = keyof typeof connectgainEvents
