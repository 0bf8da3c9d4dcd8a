/**
 * Auto-Respond's REST Webhook (seed 004) posts one payload, the lead as it stands, for three lead events.
 * The schema is declared once and shared by the three event names this project chose (see the README and
 * `classifyLeadEvent`).
 *
 * @module
 */
import * as z from 'zod'

/**
 * One message of the transcript. The seed shows text messages in two directions; every later delivery about
 * the lead carries the whole transcript again, so a message of another kind (a system note, a photo without
 * text, a time as Unix seconds) refused here would lose that lead's every delivery, each sent once.
 */
const message = z.looseObject({
  direction: z.string().nullish().describe('`inbound` from the lead, `outbound` from Auto-Respond (or you); other values pass'),
  text: z.string().nullish().describe('Message text (absent or `null` for a message without text)'),
  timestamp: z
    .union([z.string().describe('ISO 8601'), z.number().describe('Unix seconds or ms')])
    .nullish()
    .describe('When the message was sent (ISO 8601, or Unix seconds or ms)'),
})

/** The lead payload, as the seed's sample shows it. */
const lead = z.looseObject({
  lead_id: z.string().describe('Stable lead id; the same lead arrives again as it updates'),
  name: z.string().nullish().describe('Name, when collected'),
  email: z.string().nullish().describe('Email address, when collected'),
  phone: z.string().nullish().describe('Phone number, when collected'),
  postal_code: z.string().nullish().describe('Postal code, when collected'),
  tags: z.array(z.string()).nullish().describe('Tags attached to the lead'),
  source_name: z.string().nullish().describe('Source the lead came from (only with "Include source name")'),
  messages: z.array(message).describe('The conversation so far, oldest first'),
  integrations: z
    .looseObject({
      created_in_crm: z.boolean().nullish().describe('Whether Auto-Respond created the lead in a CRM'),
      crm_name: z.string().nullish().describe('Which CRM, e.g. `hubspot`'),
    })
    .nullish()
    .describe('What Auto-Respond has done with this lead in other integrations'),
})

/**
 * The three lead events, keyed by the wire names this project chose; all share the lead payload.
 *
 * @example
 * ```ts
 * type Data = z.output<(typeof autorespondEvents)['lead.contact_info_added']>
 * const result = autorespondEvents['lead.contact_info_added'].safeParse(payload.data)
 * ```
 */
export const autorespondEvents = {
  'lead.created': lead.describe('A new lead reached out: the transcript holds at most one message.'),
  'lead.contact_info_added': lead.describe(
    "New contact info: the lead's latest inbound message carries the phone number or email now on the lead.",
  ),
  'lead.message_added': lead.describe('A new message on a known lead: any other update of the transcript.'),
}

/**
 * Auto-Respond event names (this project's names; the payload carries none).
 *
 * @example
 * ```ts
 * const type: AutorespondEventType = 'lead.contact_info_added'
 * ```
 */
export type AutorespondEventType = keyof typeof autorespondEvents
