/**
 * Test data: the events each seed document lists, written out from the documents in ../shared/seeds by
 * hand (not derived from the code), so a test can prove every one has a schema, a fixture, a JSON Schema
 * and a docs entry. Seeds 003 and 004 list categories rather than wire names; each category is mapped to
 * the name this project chose (see the providers' READMEs).
 *
 * @module
 */

/** Seed 000 (AutomateNexus CRM), "Available Event Types": 32 events in 7 categories. */
const automatenexus = [
  'contact.created', 'contact.updated', 'contact.deleted', 'contact.merged', 'contact.tag_added', 'contact.tag_removed',
  'deal.created', 'deal.updated', 'deal.stage_changed', 'deal.won', 'deal.lost', 'deal.deleted',
  'task.created', 'task.updated', 'task.completed', 'task.deleted',
  'form.submitted',
  'payment.received', 'payment.failed', 'payment.refunded', 'subscription.created', 'subscription.canceled',
  'appointment.booked', 'appointment.rescheduled', 'appointment.canceled',
  'email.sent', 'email.opened', 'email.clicked', 'email.bounced', 'sms.sent', 'sms.received', 'call.completed',
]

/** Seed 001 (ConnectGain), "Available Events (17 Total)". */
const connectgain = [
  'contact.created', 'contact.updated', 'contact.assigned',
  'deal.created', 'deal.updated', 'deal.stage.changed', 'deal.assigned',
  'conversation.created', 'conversation.assigned', 'conversation.status.changed',
  'message.received', 'message.sent', 'message.delivered', 'message.read', 'message.failed',
  'broadcast.response',
  'zoom.recording.completed',
]

/** Seed 002 (Customermates): "fifteen webhook events" over five entities. */
const customermates = ['contact', 'organization', 'deal', 'service', 'task'].flatMap((entity) =>
  ['created', 'updated', 'deleted'].map((action) => `${entity}.${action}`),
)

/** Seed 003 (workflow platform), "Supported event categories include", category -> chosen wire names. */
const workflowPlatformCategories: Record<string, string[]> = {
  'Contact created / updated / deleted': ['contact.created', 'contact.updated', 'contact.deleted'],
  'Opportunity stage changed': ['opportunity.stage_changed'],
  'Form submitted': ['form.submitted'],
  'Appointment booked / cancelled': ['appointment.booked', 'appointment.cancelled'],
  'Payment received': ['payment.received'],
  'Conversation message received': ['conversation.message_received'],
}

/** Seed 004 (Auto-Respond): "a new lead, new contact info, a new message" -> chosen wire names. */
const autorespondLeadEvents: Record<string, string> = {
  'a new lead': 'lead.created',
  'new contact info': 'lead.contact_info_added',
  'a new message': 'lead.message_added',
}

/** Every event name each seed lists, by provider id, with the count the document states where it states one. */
export const SEED_EVENTS: Record<string, { names: readonly string[]; statedCount?: number }> = {
  automatenexus: { names: automatenexus, statedCount: 32 },
  connectgain: { names: connectgain, statedCount: 17 },
  customermates: { names: customermates, statedCount: 15 },
  'workflow-platform': { names: Object.values(workflowPlatformCategories).flat() },
  autorespond: { names: Object.values(autorespondLeadEvents), statedCount: 3 },
}
