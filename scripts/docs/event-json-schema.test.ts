import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import type { EventSchemas } from '@crm-webhooks/core'
import { type ProviderId, providerFixtures, providers } from '@crm-webhooks/core/providers'
import { eventSchemaPath } from './event-schema-path.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
// An independent validator: ajv knows nothing of zod, so agreement is evidence the conversion is right.
const ajv = new Ajv2020({ strict: true, allErrors: true })

type JsonSchema = { type?: string | string[]; enum?: unknown[]; anyOf?: JsonSchema[]; properties?: Record<string, JsonSchema>; required?: string[] }

const cases = Object.entries(providers).flatMap(([id, provider]) =>
  Object.keys(provider.events).map((type) => [id as ProviderId, type] as const),
)

function committedSchema(id: string, type: string): JsonSchema & Record<string, unknown> {
  return JSON.parse(readFileSync(`${root}${eventSchemaPath(id, type)}`, 'utf8'))
}

/** Every JSON type a field's schema allows, through nested `anyOf`s (`numberOrText(...).nullish()` nests two). */
function typesOf(field: JsonSchema): Set<unknown> {
  const types = new Set<unknown>([field.type].flat().filter(Boolean))
  for (const option of field.anyOf ?? []) for (const type of typesOf(option)) types.add(type)
  return types
}

/** A value of the wrong type for a field: whatever its schema allows, this is not it. */
function wrongValueFor(field: JsonSchema): unknown {
  if (field.enum || field.anyOf?.some((option) => option.enum)) return 'not-one-of-the-values'
  const allowed = typesOf(field)
  const candidates: Array<[unknown, string[]]> = [
    [12345, ['number', 'integer']],
    ['not-a-number', ['string']],
    [true, ['boolean']],
    [{ not: 'this' }, ['object']],
  ]
  return candidates.find(([, types]) => !types.some((type) => allowed.has(type)))?.[0]
}

// Shapes the seeds never show, which the zod schemas take both ways (loose-fields.ts): the published JSON Schema
// must take them too, or a consumer validating with it refuses what the receiver hands over.
const looseShapes: ReadonlyArray<readonly [ProviderId, string, Record<string, unknown>]> = [
  ['automatenexus', 'contact.updated', { id: 'con_1', changed_fields: { phone: { old: '+1', new: '+2' } }, tags: [{ id: 7, name: null }] }],
  ['automatenexus', 'form.submitted', { fields: [{ name: 'email', value: 'a@b.c' }, { name: 'notes' }] }],
  ['workflow-platform', 'contact.updated', { changed_fields: ['phone'], custom_fields: [{ id: 'cf_1', value: 'VIP' }, { key: 'goal' }], assigned_to: { name: 'Round-robin' } }],
  ['workflow-platform', 'form.submitted', { fields: [{ name: 'email', value: 'a@b.c' }] }],
  ['connectgain', 'deal.assigned', { id: 'd1', assigned_to: { id: null, name: 'Automation' } }],
  ['customermates', 'contact.created', { payload: { id: 'c1', customFieldValues: [{ columnId: 'col1', value: ['a', 'b'] }] } }],
  ['standard-webhooks', 'deal.created', { id: null, title: null, currency: null, stage: null, updated_at: null }],
]

describe.each(looseShapes)('%s %s: JSON Schema of a shape no seed shows', (id, type, data) => {
  it('accepts it, as the zod schema does', async () => {
    const validate = ajv.compile(committedSchema(id, type))
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true)
    expect((await (providers[id].events as EventSchemas)[type]!['~standard'].validate(data)).issues).toBeUndefined()
  })
})

describe.each(cases)('%s %s: JSON Schema', (id, type) => {
  const schema = committedSchema(id, type)
  const validate = ajv.compile(schema)
  const fixture = (providerFixtures[id] as Record<string, unknown>)[type] as Record<string, unknown>
  const zodSchema = (providers[id].events as EventSchemas)[type]!

  it('is non-trivial and marked generated', () => {
    expect(schema.type).toBe('object')
    expect(Object.keys(schema.properties ?? {}).length).toBeGreaterThan(0)
    expect(schema.$comment).toMatch(/DO NOT EDIT/)
    expect(typeof schema.description).toBe('string')
  })

  it('accepts the fixture, and the fixture with a field the sender added', () => {
    expect(validate(fixture), JSON.stringify(validate.errors)).toBe(true)
    expect(validate({ ...fixture, added_by_sender_later: { nested: [1, 'two'] } })).toBe(true)
  })

  it('rejects the fixture with a field of the wrong type, as the zod schema does', async () => {
    const [name, field] = Object.entries(schema.properties!).find(([key]) => schema.required?.includes(key)) ?? Object.entries(schema.properties!)[0]!
    const mutated = { ...fixture, [name]: wrongValueFor(field) }
    expect(validate(mutated)).toBe(false)
    expect((await zodSchema['~standard'].validate(mutated)).issues).toBeDefined()
  })
})
