import { describe, expectTypeOf, it } from 'vitest'
import * as z from 'zod'
import { createReceiver } from '../../receiver.js'
import { workflowPlatform } from './index.js'

describe('workflow-platform handler types', () => {
  const receiver = createReceiver({
    provider: workflowPlatform,
    secret: 'type-test-secret',
    events: { 'lead.qualified': z.looseObject({ email: z.string(), score: z.coerce.number() }) },
  })

  it('types a workflow action by the schema the user declared', () => {
    receiver.on('lead.qualified', (event) => {
      expectTypeOf(event.data.email).toEqualTypeOf<string>()
      expectTypeOf(event.data.score).toEqualTypeOf<number>()
      // @ts-expect-error: the user did not map this field
      event.data.phone
    })
  })

  it('keeps the API v2 catalog beside it', () => {
    receiver.on('opportunity.stage_changed', (event) => {
      expectTypeOf(event.data.new_stage).toEqualTypeOf<string | null | undefined>()
    })
    // @ts-expect-error: neither declared nor in the API v2 catalog
    receiver.on('lead.lost', () => {})
  })

  it('types the shapes the seed never shows as the union of both, so a handler tells them apart', () => {
    receiver.on('contact.updated', (event) => {
      expectTypeOf(event.data.changed_fields).toEqualTypeOf<string[] | Record<string, unknown> | null | undefined>()
      const customFields = event.data.custom_fields
      if (Array.isArray(customFields)) {
        expectTypeOf(customFields[0]!.id).toEqualTypeOf<string | number | null | undefined>()
        expectTypeOf(customFields[0]!.value).toEqualTypeOf<unknown>()
      } else {
        expectTypeOf(customFields).toEqualTypeOf<Record<string, unknown> | null | undefined>()
      }
      const assignedTo = event.data.assigned_to
      if (typeof assignedTo === 'object' && assignedTo !== null) expectTypeOf(assignedTo.id).toEqualTypeOf<string | null | undefined>()
    })
    // A form's {name, value} entries are read as the map, so the handler sees one shape.
    receiver.on('form.submitted', (event) => {
      expectTypeOf(event.data.fields).toEqualTypeOf<Record<string, unknown> | null | undefined>()
    })
  })
})
