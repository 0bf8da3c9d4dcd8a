import { describe, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
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
})
