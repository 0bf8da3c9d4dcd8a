/**
 * A realistic `data` for every AutomateNexus event, checked against its schema's input type at compile
 * time and by the tests at run time. The sender, the demo, the docs and the tests use them.
 *
 * @module
 */
import type { z } from 'zod'
import type { automatenexusEvents } from './events.js'

type Fixtures = { [Type in keyof typeof automatenexusEvents]: z.input<(typeof automatenexusEvents)[Type]> }

const owner = { id: 'user_111', name: 'Sales Rep' }

// The seed's own contact.created example.
const jane = {
  id: 'con_12345',
  first_name: 'Jane',
  last_name: 'Doe',
  email: 'jane.doe@example.com',
  phone: '+15551234567',
  company: 'Acme Corp',
  created_at: '2026-03-21T14:30:00.000Z',
  custom_fields: { industry: 'Technology', lead_source: 'Website' },
}

// The seed's own deal.stage_changed example, less the stage fields.
const enterpriseDeal = {
  id: 'deal_67890',
  title: 'Enterprise License - Acme Corp',
  value: 50000,
  currency: 'USD',
  pipeline: 'Sales Pipeline',
  contact_id: 'con_12345',
  owner,
  created_at: '2026-03-02T09:12:00.000Z',
}

const followUp = {
  id: 'task_4411',
  title: 'Send revised proposal',
  description: 'Include the 3-year pricing option Jane asked about.',
  priority: 'high',
  due_date: '2026-03-24T17:00:00.000Z',
  contact_id: 'con_12345',
  deal_id: 'deal_67890',
  assigned_to: owner,
  created_at: '2026-03-21T15:05:00.000Z',
}

const cardPayment = {
  id: 'pay_90210',
  amount: 1499,
  currency: 'USD',
  contact_id: 'con_12345',
  invoice_id: 'inv_3301',
  payment_method: 'card',
  processor: 'stripe',
  created_at: '2026-03-22T10:00:00.000Z',
}

const proPlan = {
  id: 'sub_7720',
  plan: 'Professional (annual)',
  amount: 1499,
  currency: 'USD',
  interval: 'year',
  contact_id: 'con_12345',
  started_at: '2026-03-22T10:00:00.000Z',
}

const demoCall = {
  id: 'appt_5150',
  title: 'Product demo',
  start_time: '2026-03-26T15:00:00.000Z',
  end_time: '2026-03-26T15:30:00.000Z',
  timezone: 'America/New_York',
  contact_id: 'con_12345',
  booking_page: 'demo-30',
  assigned_to: owner,
}

const proposalEmail = {
  id: 'msg_e_2201',
  contact_id: 'con_12345',
  to: 'jane.doe@example.com',
  from: 'sales@automatenexus-customer.example',
  subject: 'Your Enterprise License proposal',
  sent_at: '2026-03-21T16:00:00.000Z',
}

/**
 * One `data` per event, keyed by wire name.
 *
 * @example
 * ```ts
 * const data = automatenexusFixtures['deal.stage_changed'] // validates against automatenexusEvents['deal.stage_changed']
 * ```
 */
export const automatenexusFixtures: Fixtures = {
  'contact.created': jane,
  'contact.updated': { ...jane, phone: '+15557654321', updated_at: '2026-03-22T08:00:00.000Z', changed_fields: ['phone'] },
  'contact.deleted': { id: 'con_12399', deleted_at: '2026-03-22T08:30:00.000Z' },
  'contact.merged': { ...jane, updated_at: '2026-03-22T09:00:00.000Z', merged_contact_ids: ['con_12398'] },
  'contact.tag_added': { ...jane, tags: ['customer', 'vip'], tag: 'vip' },
  'contact.tag_removed': { ...jane, tags: ['customer'], tag: 'vip' },

  'deal.created': { ...enterpriseDeal, stage: 'Qualification' },
  'deal.updated': { ...enterpriseDeal, stage: 'Proposal', value: 55000, changed_fields: ['value'] },
  'deal.stage_changed': { ...enterpriseDeal, stage: 'Negotiation', previous_stage: 'Proposal', new_stage: 'Negotiation' },
  'deal.won': { ...enterpriseDeal, stage: 'Closed Won', won_at: '2026-04-02T12:00:00.000Z' },
  'deal.lost': { ...enterpriseDeal, stage: 'Closed Lost', lost_reason: 'Chose a competitor', lost_at: '2026-04-02T12:00:00.000Z' },
  'deal.deleted': { id: 'deal_67891', deleted_at: '2026-04-03T08:00:00.000Z' },

  'task.created': { ...followUp, status: 'open' },
  'task.updated': { ...followUp, status: 'open', priority: 'normal', updated_at: '2026-03-22T11:00:00.000Z' },
  'task.completed': { ...followUp, status: 'completed', completed_at: '2026-03-23T16:20:00.000Z' },
  'task.deleted': { id: 'task_4412', deleted_at: '2026-03-23T16:30:00.000Z' },

  'form.submitted': {
    id: 'sub_f_88301',
    form_id: 'form_contact_us',
    form_name: 'Contact us',
    contact_id: 'con_12345',
    page_url: 'https://acme.example/contact',
    submitted_at: '2026-03-21T14:29:58.000Z',
    fields: { full_name: 'Jane Doe', email: 'jane.doe@example.com', seats: 250, message: 'Interested in an enterprise plan.' },
  },

  'payment.received': { ...cardPayment, status: 'succeeded' },
  'payment.failed': { ...cardPayment, id: 'pay_90211', status: 'failed', failure_reason: 'card_declined' },
  'payment.refunded': { ...cardPayment, status: 'refunded', refunded_amount: 499, refund_reason: 'Seat count reduced' },
  'subscription.created': { ...proPlan, status: 'active' },
  'subscription.canceled': {
    ...proPlan,
    status: 'canceled',
    canceled_at: '2026-09-01T00:00:00.000Z',
    cancel_reason: 'Moving to monthly billing',
  },

  'appointment.booked': { ...demoCall, status: 'booked' },
  'appointment.rescheduled': {
    ...demoCall,
    status: 'booked',
    start_time: '2026-03-27T14:00:00.000Z',
    end_time: '2026-03-27T14:30:00.000Z',
    previous_start_time: '2026-03-26T15:00:00.000Z',
    previous_end_time: '2026-03-26T15:30:00.000Z',
  },
  'appointment.canceled': { ...demoCall, status: 'canceled', cancel_reason: 'Travelling that week' },

  'email.sent': proposalEmail,
  'email.opened': { ...proposalEmail, opened_at: '2026-03-21T16:42:10.000Z' },
  'email.clicked': { ...proposalEmail, url: 'https://acme.example/proposal/67890', clicked_at: '2026-03-21T16:43:02.000Z' },
  'email.bounced': {
    ...proposalEmail,
    id: 'msg_e_2202',
    to: 'j.doe@old-domain.example',
    bounce_type: 'hard',
    reason: '550 5.1.1 mailbox unavailable',
  },
  'sms.sent': {
    id: 'msg_s_7001',
    contact_id: 'con_12345',
    from: '+15550001111',
    to: '+15551234567',
    body: 'Hi Jane, your demo is confirmed for Thursday 11:00.',
    status: 'sent',
    sent_at: '2026-03-22T13:00:00.000Z',
  },
  'sms.received': {
    id: 'msg_s_7002',
    contact_id: 'con_12345',
    from: '+15551234567',
    to: '+15550001111',
    body: 'Thanks, see you then!',
    status: 'received',
    received_at: '2026-03-22T13:02:41.000Z',
  },
  'call.completed': {
    id: 'call_3141',
    contact_id: 'con_12345',
    direction: 'outbound',
    from: '+15550001111',
    to: '+15551234567',
    status: 'completed',
    duration_seconds: 754,
    recording_url: 'https://recordings.automatenexus-customer.example/call_3141.mp3',
    started_at: '2026-03-23T15:00:04.000Z',
    ended_at: '2026-03-23T15:12:38.000Z',
    user: owner,
  },
}
