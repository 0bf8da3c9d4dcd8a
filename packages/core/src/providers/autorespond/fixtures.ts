/**
 * One lead payload per Auto-Respond event, each classified as its event by `classifyLeadEvent`: the same
 * lead at three points of its conversation. The middle one is the seed's own sample payload.
 *
 * @module
 */
import type { z } from 'zod'
import type { autorespondEvents } from './events.js'

type Fixtures = { [Type in keyof typeof autorespondEvents]: z.input<(typeof autorespondEvents)[Type]> }

const firstMessage = { direction: 'inbound', text: 'Hi, do you handle AC repair in 90210?', timestamp: '2026-04-21T15:42:18Z' } as const
const reply = { direction: 'outbound', text: "Yes — what's the best number to reach you on?", timestamp: '2026-04-21T15:42:35Z' } as const
const number = { direction: 'inbound', text: '555-123-4567', timestamp: '2026-04-21T15:43:02Z' } as const

const alex = {
  lead_id: 'lead_01HX7Q5W9J2E8K1M3YPABCDEFG',
  name: 'Alex Rivera',
  postal_code: '90210',
  tags: ['yelp', 'hvac', 'emergency'],
  source_name: 'Yelp – Downtown',
}

/**
 * One lead payload per event, keyed by wire name.
 *
 * @example
 * ```ts
 * const data = autorespondFixtures['lead.contact_info_added'] // validates against autorespondEvents['lead.contact_info_added']
 * ```
 */
export const autorespondFixtures: Fixtures = {
  'lead.created': {
    ...alex,
    email: null,
    phone: null,
    messages: [firstMessage],
    integrations: { created_in_crm: false, crm_name: null },
  },
  'lead.contact_info_added': {
    ...alex,
    email: 'alex@example.com',
    phone: '+15551234567',
    messages: [firstMessage, reply, number],
    integrations: { created_in_crm: true, crm_name: 'hubspot' },
  },
  'lead.message_added': {
    ...alex,
    email: 'alex@example.com',
    phone: '+15551234567',
    messages: [
      firstMessage,
      reply,
      number,
      { direction: 'outbound', text: 'Thanks Alex! When would you like a technician to come by?', timestamp: '2026-04-21T15:43:20Z' },
      { direction: 'inbound', text: 'Tomorrow morning if possible, the unit is blowing warm air', timestamp: '2026-04-21T15:44:51Z' },
    ],
    integrations: { created_in_crm: true, crm_name: 'hubspot' },
  },
}
