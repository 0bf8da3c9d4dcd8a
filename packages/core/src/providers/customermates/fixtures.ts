/**
 * A realistic `data` for every Customermates event, checked against its schema's input type at compile
 * time and by the tests at run time.
 *
 * @module
 */
import type { z } from 'zod'
import type { customermatesEvents } from './events.js'

type Fixtures = { [Type in keyof typeof customermatesEvents]: z.input<(typeof customermatesEvents)[Type]> }

const actor = { userId: '3d2c1b0a-9f8e-4d7c-b6a5-948372615049', companyId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' }
const lena = {
  id: '3d2c1b0a-9f8e-4d7c-b6a5-948372615049',
  firstName: 'Lena',
  lastName: 'Hoffmann',
  email: 'lena@customermates-customer.example',
  avatarUrl: null,
}
const orgRef = { id: '7c6b5a49-3827-4165-a4b3-c2d1e0f9a8b7', name: 'Nordlicht GmbH' }
const dealRef = { id: 'f0e1d2c3-b4a5-4967-8879-6a5b4c3d2e1f', name: 'Website relaunch' }
const industry = { columnId: '11111111-2222-4333-8444-555555555555', value: 'Manufacturing' }

const contact = {
  id: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d',
  firstName: 'Max',
  lastName: 'Weber',
  createdAt: '2026-02-10T09:00:00.000Z',
  updatedAt: '2026-02-10T09:00:00.000Z',
  organizations: [orgRef],
  users: [lena],
  deals: [dealRef],
  customFieldValues: [{ columnId: '66666666-7777-4888-9999-000000000000', value: 'Trade fair' }],
}
const organization = {
  id: orgRef.id,
  name: orgRef.name,
  createdAt: '2026-02-09T15:30:00.000Z',
  updatedAt: '2026-02-09T15:30:00.000Z',
  contacts: [{ id: contact.id, firstName: 'Max', lastName: 'Weber' }],
  users: [lena],
  deals: [dealRef],
  customFieldValues: [industry],
}
const service = {
  id: '2b3c4d5e-6f70-4819-aa2b-3c4d5e6f7081',
  name: 'UX workshop (day)',
  amount: 1800,
  createdAt: '2026-01-05T08:00:00.000Z',
  updatedAt: '2026-01-05T08:00:00.000Z',
  users: [lena],
  deals: [dealRef],
  customFieldValues: [],
}
const deal = {
  id: dealRef.id,
  name: dealRef.name,
  totalValue: 5400,
  totalQuantity: 3,
  createdAt: '2026-02-11T10:15:00.000Z',
  updatedAt: '2026-02-11T10:15:00.000Z',
  organizations: [orgRef],
  users: [lena],
  contacts: [{ id: contact.id, firstName: 'Max', lastName: 'Weber' }],
  services: [{ id: service.id, name: service.name, amount: service.amount }],
  servicesWithQuantity: [{ serviceId: service.id, quantity: 3 }],
  customFieldValues: [],
}
const task = {
  id: '8e7d6c5b-4a39-4281-b0f9-e8d7c6b5a493',
  name: 'Send workshop agenda to Max',
  type: 'email',
  createdAt: '2026-02-11T10:20:00.000Z',
  updatedAt: '2026-02-11T10:20:00.000Z',
  users: [lena],
  customFieldValues: [],
}
const later = '2026-02-12T14:00:00.000Z'

/**
 * One `data` per event, keyed by wire name.
 *
 * @example
 * ```ts
 * const data = customermatesFixtures['deal.updated'] // validates against customermatesEvents['deal.updated']
 * ```
 */
export const customermatesFixtures: Fixtures = {
  'contact.created': { ...actor, payload: contact },
  'contact.updated': {
    ...actor,
    payload: { contact: { ...contact, lastName: 'Weber-Lang', updatedAt: later }, changes: { lastName: { previous: 'Weber', current: 'Weber-Lang' } } },
  },
  'contact.deleted': { ...actor, payload: contact },

  'organization.created': { ...actor, payload: organization },
  'organization.updated': {
    ...actor,
    payload: {
      organization: { ...organization, name: 'Nordlicht Solutions GmbH', updatedAt: later },
      changes: { name: { previous: 'Nordlicht GmbH', current: 'Nordlicht Solutions GmbH' } },
    },
  },
  'organization.deleted': { ...actor, payload: organization },

  'deal.created': { ...actor, payload: deal },
  'deal.updated': {
    ...actor,
    payload: {
      deal: { ...deal, totalValue: 7200, totalQuantity: 4, servicesWithQuantity: [{ serviceId: service.id, quantity: 4 }], updatedAt: later },
      changes: { totalValue: { previous: 5400, current: 7200 }, totalQuantity: { previous: 3, current: 4 } },
    },
  },
  'deal.deleted': { ...actor, payload: deal },

  'service.created': { ...actor, payload: service },
  'service.updated': {
    ...actor,
    payload: { service: { ...service, amount: 1950, updatedAt: later }, changes: { amount: { previous: 1800, current: 1950 } } },
  },
  'service.deleted': { ...actor, payload: service },

  'task.created': { ...actor, payload: task },
  'task.updated': {
    ...actor,
    payload: { task: { ...task, name: 'Send workshop agenda and quote to Max', updatedAt: later }, changes: { name: { previous: task.name, current: 'Send workshop agenda and quote to Max' } } },
  },
  'task.deleted': { ...actor, payload: task },
}
