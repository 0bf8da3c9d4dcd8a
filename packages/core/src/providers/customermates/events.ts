/**
 * Customermates' 15 events (seed 002): created, updated and deleted for contact, organization, deal,
 * service and task, one zod schema each for the envelope's `data`, keyed by wire name.
 *
 * The seed names the events and the envelope `{event, data, timestamp}` but shows no `data`. The shapes
 * here follow Customermates' published OpenAPI webhook schemas (camelCase; `data` is
 * `{userId, companyId, payload}`; `*.updated` carries `payload: {<entity>, changes}`). Only ids are
 * required, so a field Customermates drops never turns a genuine delivery into a 422; objects are loose,
 * so fields it adds pass through.
 *
 * @module
 */
import { z } from 'zod'

const isoTime = (what: string) => z.string().describe(`${what} (ISO 8601)`)
const uuid = (what: string) => z.string().describe(`${what} (UUID)`)

const userRef = z.looseObject({
  id: uuid('User id'),
  firstName: z.string().optional().describe('First name'),
  lastName: z.string().optional().describe('Last name'),
  email: z.string().optional().describe('Email address'),
  avatarUrl: z.string().nullish().describe('Avatar image URL'),
})
const contactRef = z.looseObject({
  id: uuid('Contact id'),
  firstName: z.string().optional().describe('First name'),
  lastName: z.string().optional().describe('Last name'),
})
const organizationRef = z.looseObject({ id: uuid('Organization id'), name: z.string().optional().describe('Name') })
const dealRef = z.looseObject({ id: uuid('Deal id'), name: z.string().optional().describe('Name') })
const serviceRef = z.looseObject({
  id: uuid('Service id'),
  name: z.string().optional().describe('Name'),
  amount: z.number().optional().describe('Price of one unit'),
})
const customFieldValue = z.looseObject({
  columnId: uuid('Custom column id'),
  value: z.string().nullish().describe('The value, as text'),
})

const recordFields = (what: string) => ({
  id: uuid(`${what} id`),
  createdAt: isoTime(`When the ${what.toLowerCase()} was created`).optional(),
  updatedAt: isoTime(`When the ${what.toLowerCase()} was last modified`).optional(),
  users: z.array(userRef).optional().describe('Users assigned'),
  customFieldValues: z.array(customFieldValue).optional().describe('Custom field values by column'),
})

const contact = z.looseObject({
  ...recordFields('Contact'),
  firstName: z.string().optional().describe('First name'),
  lastName: z.string().optional().describe('Last name'),
  organizations: z.array(organizationRef).optional().describe('Organizations the contact belongs to'),
  deals: z.array(dealRef).optional().describe('Related deals'),
})
const organization = z.looseObject({
  ...recordFields('Organization'),
  name: z.string().optional().describe('Organization name'),
  contacts: z.array(contactRef).optional().describe('Contacts in the organization'),
  deals: z.array(dealRef).optional().describe('Related deals'),
})
const deal = z.looseObject({
  ...recordFields('Deal'),
  name: z.string().optional().describe('Deal name'),
  totalValue: z.number().optional().describe('Sum of the services times their quantities'),
  totalQuantity: z.number().optional().describe('Total quantity of services'),
  organizations: z.array(organizationRef).optional().describe('Organizations on the deal'),
  contacts: z.array(contactRef).optional().describe('Contacts on the deal'),
  services: z.array(serviceRef).optional().describe('Services sold'),
  servicesWithQuantity: z
    .array(z.looseObject({ serviceId: uuid('Service id'), quantity: z.number().describe('Units sold') }))
    .optional()
    .describe('Quantity per service'),
})
const service = z.looseObject({
  ...recordFields('Service'),
  name: z.string().optional().describe('Service name'),
  amount: z.number().optional().describe('Price of one unit'),
  deals: z.array(dealRef).optional().describe('Deals that include the service'),
})
const task = z.looseObject({
  ...recordFields('Task'),
  name: z.string().optional().describe('Task name'),
  type: z.string().optional().describe('Task type'),
})

const actor = {
  userId: uuid('User who made the change').optional(),
  companyId: uuid('Your Customermates company (workspace) id').optional(),
}

const changes = z
  .record(z.string(), z.looseObject({ previous: z.unknown().describe('Value before'), current: z.unknown().describe('Value after') }))
  .optional()
  .describe('Changed fields by name, each with its previous and current value')

/** `data` of a created or deleted event: the record as it is (or was) in `payload`. */
const snapshot = <RecordSchema extends z.ZodType>(record: RecordSchema, description: string) =>
  z.looseObject({ ...actor, payload: record.describe('The record') }).describe(description)

/**
 * The 15 events of seed 002, keyed by wire name, in the seed's order.
 *
 * @example
 * ```ts
 * type Data = z.output<(typeof customermatesEvents)['deal.updated']>
 * const result = customermatesEvents['deal.updated'].safeParse(payload.data)
 * ```
 */
export const customermatesEvents = {
  'contact.created': snapshot(contact, 'Fired when a contact is created.'),
  'contact.updated': z
    .looseObject({ ...actor, payload: z.looseObject({ contact, changes }).describe('The contact after the change, and what changed') })
    .describe('Fired when a contact is updated.'),
  'contact.deleted': snapshot(contact, 'Fired when a contact is deleted; `payload` is the contact as it was.'),

  'organization.created': snapshot(organization, 'Fired when an organization is created.'),
  'organization.updated': z
    .looseObject({
      ...actor,
      payload: z.looseObject({ organization, changes }).describe('The organization after the change, and what changed'),
    })
    .describe('Fired when an organization is updated.'),
  'organization.deleted': snapshot(organization, 'Fired when an organization is deleted; `payload` is the organization as it was.'),

  'deal.created': snapshot(deal, 'Fired when a deal is created.'),
  'deal.updated': z
    .looseObject({ ...actor, payload: z.looseObject({ deal, changes }).describe('The deal after the change, and what changed') })
    .describe('Fired when a deal is updated.'),
  'deal.deleted': snapshot(deal, 'Fired when a deal is deleted; `payload` is the deal as it was.'),

  'service.created': snapshot(service, 'Fired when a service is created.'),
  'service.updated': z
    .looseObject({ ...actor, payload: z.looseObject({ service, changes }).describe('The service after the change, and what changed') })
    .describe('Fired when a service is updated.'),
  'service.deleted': snapshot(service, 'Fired when a service is deleted; `payload` is the service as it was.'),

  'task.created': snapshot(task, 'Fired when a task is created.'),
  'task.updated': z
    .looseObject({ ...actor, payload: z.looseObject({ task, changes }).describe('The task after the change, and what changed') })
    .describe('Fired when a task is updated.'),
  'task.deleted': snapshot(task, 'Fired when a task is deleted; `payload` is the task as it was.'),
}

/**
 * Customermates wire event names.
 *
 * @example
 * ```ts
 * const type: CustomermatesEventType = 'deal.updated'
 * ```
 */
export type CustomermatesEventType = keyof typeof customermatesEvents
