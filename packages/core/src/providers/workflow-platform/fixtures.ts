/**
 * A realistic `data` for every API v2 subscription event, checked against its schema's input type at
 * compile time and by the tests at run time.
 *
 * @module
 */
import type { z } from 'zod'
import type { workflowPlatformEvents } from './events.js'

type Fixtures = { [Type in keyof typeof workflowPlatformEvents]: z.input<(typeof workflowPlatformEvents)[Type]> }

const coach = { id: 'usr_Zk29fPq1', name: 'Morgan Lee' }
const sam = {
  id: 'ct_8FvR2kLm0Q',
  first_name: 'Sam',
  last_name: 'Rivera',
  full_name: 'Sam Rivera',
  email: 'sam.rivera@example.com',
  phone: '+447700900123',
  company_name: 'Rivera Fitness Ltd',
  source: 'Facebook lead ad',
  tags: ['lead', 'personal-training'],
  assigned_to: coach,
  custom_fields: { goal: 'Marathon in under 4h', budget_per_month: 250 },
  date_added: '2026-05-04T08:15:00.000Z',
}
const consult = {
  id: 'apt_Q7wX1b',
  calendar_id: 'cal_intro30',
  contact_id: sam.id,
  title: 'Intro consultation (30 min)',
  start_time: '2026-05-06T17:00:00.000Z',
  end_time: '2026-05-06T17:30:00.000Z',
  timezone: 'Europe/London',
  assigned_to: coach,
}

/**
 * One `data` per event, keyed by wire name.
 *
 * @example
 * ```ts
 * const data = workflowPlatformFixtures['opportunity.stage_changed'] // validates against workflowPlatformEvents['opportunity.stage_changed']
 * ```
 */
export const workflowPlatformFixtures: Fixtures = {
  'contact.created': sam,
  'contact.updated': { ...sam, tags: ['client', 'personal-training'], date_updated: '2026-05-07T09:00:00.000Z', changed_fields: ['tags'] },
  'contact.deleted': { id: 'ct_3HsN9pQ2aa', email: 'old.lead@example.com', date_deleted: '2026-05-08T10:00:00.000Z' },
  'opportunity.stage_changed': {
    id: 'opp_Lp4s8Dw2',
    name: 'Sam Rivera - 12 week coaching',
    pipeline_id: 'pl_coaching',
    pipeline_name: 'Coaching sales',
    previous_stage: 'Consultation booked',
    new_stage: 'Proposal sent',
    status: 'open',
    monetary_value: 900,
    contact_id: sam.id,
    assigned_to: coach,
  },
  'form.submitted': {
    id: 'fs_0a9b8c7d',
    form_id: 'frm_free_plan',
    form_name: 'Free training plan',
    contact_id: sam.id,
    page_url: 'https://rivera-fitness.example/free-plan',
    fields: { full_name: 'Sam Rivera', email: 'sam.rivera@example.com', runs_per_week: 3, consent: true },
    submitted_at: '2026-05-04T08:14:51.000Z',
  },
  'appointment.booked': { ...consult, status: 'booked' },
  'appointment.cancelled': { ...consult, status: 'cancelled', cancel_reason: 'Injured my ankle, will rebook' },
  'payment.received': {
    id: 'txn_5Yh2Kq',
    amount: 300,
    currency: 'GBP',
    contact_id: sam.id,
    invoice_id: 'inv_2026_0142',
    payment_method: 'card',
    status: 'succeeded',
    paid_at: '2026-05-09T12:00:00.000Z',
  },
  'conversation.message_received': {
    id: 'msg_9TzQ4n',
    conversation_id: 'conv_7Rk2',
    contact_id: sam.id,
    channel: 'sms',
    direction: 'inbound',
    body: 'Can we move Wednesday to 6pm?',
    attachments: [],
    date_added: '2026-05-05T19:42:10.000Z',
  },
}
