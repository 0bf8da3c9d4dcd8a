import { describe, expectTypeOf, it } from 'vitest'
import { createReceiver } from '../../receiver.js'
import { automatenexus } from './index.js'

describe('automatenexus handler types', () => {
  const receiver = createReceiver({ provider: automatenexus, secret: 'type-test-secret' })

  it("narrows deal.stage_changed to the seed's fields", () => {
    receiver.on('deal.stage_changed', (event) => {
      expectTypeOf(event.type).toEqualTypeOf<'deal.stage_changed'>()
      expectTypeOf(event.data.previous_stage).toEqualTypeOf<string>()
      expectTypeOf(event.data.new_stage).toEqualTypeOf<string>()
      expectTypeOf(event.data.value).toEqualTypeOf<number | string | null | undefined>()
      expectTypeOf(event.data.owner).toEqualTypeOf<string | { id: string; name?: string | null | undefined } | null | undefined>()
      // @ts-expect-error: a deal has no email; undeclared fields do not compile even though they pass through
      event.data.email
    })
  })

  it('refuses an event name the seed does not list', () => {
    // @ts-expect-error: AutomateNexus has deal.stage_changed, not ConnectGain's deal.stage.changed
    receiver.on('deal.stage.changed', () => {})
  })

  it('gives onAny a union discriminated by type', () => {
    receiver.onAny((event) => {
      if (event.type === 'form.submitted') expectTypeOf(event.data.fields).toEqualTypeOf<Record<string, unknown> | null | undefined>()
      if (event.type === 'call.completed') expectTypeOf(event.data.direction).toEqualTypeOf<string | null | undefined>()
    })
  })
})
