/**
 * Customermates' 15 events (seed 002): created, updated and deleted for contact, organization, deal,
 * service and task, one zod schema each for the envelope's `data`, keyed by wire name.
 *
 * The seed names the events and the envelope `{event, data, timestamp}` but shows no `data`, so nothing
 * inside `data` is required: it must be an object, and that is all. The shapes here are what this project
 * expects, after Customermates' published OpenAPI webhook schemas (camelCase; `data` is
 * `{userId, companyId, entityId, payload}`; `*.updated` carries `payload: {<entity>, changes}`), declared so
 * handlers see them as `T | undefined`. A related record is its object or its bare id, and a money or
 * quantity field a number or a numeric string (a decimal column often serializes as text). Objects are
 * loose, so fields Customermates adds pass through.
 *
 * @module
 */
import * as z from 'zod'
import { numberOrNumericString } from '../loose-fields.js'

const isoTime = (what: string) => z.string().describe(`${what} (ISO 8601)`)
const uuid = (what: string) => z.string().describe(`${what} (UUID)`)

const name = (what: string) => z.string().nullish().describe(what)

/** A related record: the object this project expects, or just its id. */
const refOf = <Shape extends z.core.$ZodLooseShape>(what: string, shape: Shape) =>
  z.union([z.looseObject({ id: uuid(`${what} id`).nullish(), ...shape }), uuid(`${what} id`)])

const userRef = refOf('User', {
  firstName: name('First name'),
  lastName: name('Last name'),
  email: name('Email address'),
  avatarUrl: z.string().nullish().describe('Avatar image URL'),
})
const contactRef = refOf('Contact', { firstName: name('First name'), lastName: name('Last name') })
const organizationRef = refOf('Organization', { name: name('Name') })
const dealRef = refOf('Deal', { name: name('Name') })
const serviceRef = refOf('Service', { name: name('Name'), amount: numberOrNumericString('Price of one unit').nullish() })
const customFieldValue = z.looseObject({
  columnId: uuid('Custom column id').nullish(),
  value: z
    .union([z.string().describe('Text'), z.number().describe('A number'), z.boolean().describe('A checkbox'), z.array(z.unknown()).describe('A list (a multi-select)')])
    .nullish()
    .describe('The value: text, a number, a boolean or a list'),
})

const recordFields = (what: string) => ({
  id: uuid(`${what} id`).nullish(),
  createdAt: isoTime(`When the ${what.toLowerCase()} was created`).nullish(),
  updatedAt: isoTime(`When the ${what.toLowerCase()} was last modified`).nullish(),
  users: z.array(userRef).nullish().describe('Users assigned (objects or ids)'),
  customFieldValues: z.array(customFieldValue).nullish().describe('Custom field values by column'),
})

const contact = z.looseObject({
  ...recordFields('Contact'),
  firstName: name('First name'),
  lastName: name('Last name'),
  organizations: z.array(organizationRef).nullish().describe('Organizations the contact belongs to'),
  deals: z.array(dealRef).nullish().describe('Related deals'),
})
const organization = z.looseObject({
  ...recordFields('Organization'),
  name: name('Organization name'),
  contacts: z.array(contactRef).nullish().describe('Contacts in the organization'),
  deals: z.array(dealRef).nullish().describe('Related deals'),
})
const deal = z.looseObject({
  ...recordFields('Deal'),
  name: name('Deal name'),
  totalValue: numberOrNumericString('Sum of the services times their quantities').nullish(),
  totalQuantity: numberOrNumericString('Total quantity of services').nullish(),
  organizations: z.array(organizationRef).nullish().describe('Organizations on the deal'),
  contacts: z.array(contactRef).nullish().describe('Contacts on the deal'),
  services: z.array(serviceRef).nullish().describe('Services sold'),
  servicesWithQuantity: z
    .array(z.looseObject({ serviceId: uuid('Service id').nullish(), quantity: numberOrNumericString('Units sold').nullish() }))
    .nullish()
    .describe('Quantity per service'),
})
const service = z.looseObject({
  ...recordFields('Service'),
  name: name('Service name'),
  amount: numberOrNumericString('Price of one unit').nullish(),
  deals: z.array(dealRef).nullish().describe('Deals that include the service'),
})
const task = z.looseObject({
  ...recordFields('Task'),
  name: name('Task name'),
  type: z.string().nullish().describe('Task type'),
})

/** What every event's `data` carries beside the record: who acted, in which workspace, on which record. */
const dataFields = {
  userId: uuid('User who made the change').nullish(),
  companyId: uuid('Your Customermates company (workspace) id').nullish(),
  entityId: uuid('The record the event is about').nullish(),
}

const changes = z
  .record(z.string(), z.looseObject({ previous: z.unknown().optional().describe('Value before (absent when the field had none)'), current: z.unknown().optional().describe('Value after (absent when the field was cleared)') }))
  .nullish()
  .describe('Changed fields by name, each with its previous and current value')

/** `data` of a created or deleted event: the record as it is (or was) in `payload`. */
const snapshot = <RecordSchema extends z.ZodType>(record: RecordSchema, description: string) =>
  z.looseObject({ ...dataFields, payload: record.nullish().describe('The record') }).describe(description)

/** `payload` of an update: the record after the change (under the entity's name) and what changed. */
const updated = <Shape extends z.core.$ZodLooseShape>(fields: Shape, description: string) =>
  z.looseObject({ ...fields, changes }).nullish().describe(description)

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
    .looseObject({ ...dataFields, payload: updated({ contact: contact.nullish().describe('The contact after the change') }, 'The contact after the change, and what changed') })
    .describe('Fired when a contact is updated.'),
  'contact.deleted': snapshot(contact, 'Fired when a contact is deleted; `payload` is the contact as it was.'),

  'organization.created': snapshot(organization, 'Fired when an organization is created.'),
  'organization.updated': z
    .looseObject({ ...dataFields, payload: updated({ organization: organization.nullish().describe('The organization after the change') }, 'The organization after the change, and what changed') })
    .describe('Fired when an organization is updated.'),
  'organization.deleted': snapshot(organization, 'Fired when an organization is deleted; `payload` is the organization as it was.'),

  'deal.created': snapshot(deal, 'Fired when a deal is created.'),
  'deal.updated': z
    .looseObject({ ...dataFields, payload: updated({ deal: deal.nullish().describe('The deal after the change') }, 'The deal after the change, and what changed') })
    .describe('Fired when a deal is updated.'),
  'deal.deleted': snapshot(deal, 'Fired when a deal is deleted; `payload` is the deal as it was.'),

  'service.created': snapshot(service, 'Fired when a service is created.'),
  'service.updated': z
    .looseObject({ ...dataFields, payload: updated({ service: service.nullish().describe('The service after the change') }, 'The service after the change, and what changed') })
    .describe('Fired when a service is updated.'),
  'service.deleted': snapshot(service, 'Fired when a service is deleted; `payload` is the service as it was.'),

  'task.created': snapshot(task, 'Fired when a task is created.'),
  'task.updated': z
    .looseObject({ ...dataFields, payload: updated({ task: task.nullish().describe('The task after the change') }, 'The task after the change, and what changed') })
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
