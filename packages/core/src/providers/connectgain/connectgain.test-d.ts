import { describe, expectTypeOf, it } from 'vitest'
import { createReceiver } from '../../receiver.js'
import { connectgain } from './index.js'

describe('connectgain handler types', () => {
  const receiver = createReceiver({ provider: connectgain, secret: 'type-test-secret' })

  it('narrows the dotted names (deal.stage.changed) like any other', () => {
    receiver.on('deal.stage.changed', (event) => {
      expectTypeOf(event.type).toEqualTypeOf<'deal.stage.changed'>()
      expectTypeOf(event.data.previous_stage).toEqualTypeOf<string | null | undefined>()
      expectTypeOf(event.data.new_stage).toEqualTypeOf<string | null | undefined>()
    })
    receiver.on('conversation.status.changed', (event) => {
      expectTypeOf(event.data.previous_status).toEqualTypeOf<string | null | undefined>()
      // @ts-expect-error: a deal field, not on a conversation event
      event.data.new_stage
    })
  })

  it("refuses AutomateNexus's spelling of the name", () => {
    // @ts-expect-error: ConnectGain has deal.stage.changed, not deal.stage_changed
    receiver.on('deal.stage_changed', () => {})
  })
})
