/**
 * A realistic `data` for every event of the default Standard Webhooks catalog.
 *
 * @module
 */
import type { z } from 'zod'
import type { standardWebhooksEvents } from './events.js'

type Fixtures = { [Type in keyof typeof standardWebhooksEvents]: z.input<(typeof standardWebhooksEvents)[Type]> }

// The contact id is the specification's own example.
const contact = {
  id: '1f81eb52-5198-4599-803e-771906343485',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  phone: '+442079460000',
  company: 'Analytical Engines Ltd',
  created_at: '2022-11-03T20:26:10.344Z',
}
const deal = {
  id: 'deal_2Hq7xLm',
  title: 'Difference Engine support plan',
  value: 12000,
  currency: 'GBP',
  contact_id: contact.id,
}
const task = {
  id: 'task_9Kd3Pz',
  title: 'Book the kickoff call',
  due_at: '2022-11-07T10:00:00.000Z',
  contact_id: contact.id,
  deal_id: deal.id,
}

/**
 * One `data` per event, keyed by type.
 *
 * @example
 * ```ts
 * const data = standardWebhooksFixtures['contact.created'] // validates against standardWebhooksEvents['contact.created']
 * ```
 */
export const standardWebhooksFixtures: Fixtures = {
  'contact.created': contact,
  'contact.updated': { ...contact, phone: '+442079460001', updated_at: '2022-11-04T09:00:00.000Z' },
  'contact.deleted': { id: '6c1e0b9a-2f3d-4e5a-8b7c-9d0e1f2a3b4c' },
  'deal.created': { ...deal, stage: 'Discovery' },
  'deal.updated': { ...deal, stage: 'Discovery', value: 15000, updated_at: '2022-11-05T12:00:00.000Z' },
  'deal.stage_changed': { ...deal, stage: 'Proposal', previous_stage: 'Discovery', new_stage: 'Proposal' },
  'task.created': task,
  'task.completed': { ...task, completed_at: '2022-11-06T16:30:00.000Z' },
}
