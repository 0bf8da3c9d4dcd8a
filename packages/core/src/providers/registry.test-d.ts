import { describe, expectTypeOf, it } from 'vitest'
import { providerFixtures } from './registry.js'

describe('providerFixtures', () => {
  it("types each fixture as its event's input, so a typo in the event name fails to compile", () => {
    expectTypeOf(providerFixtures.automatenexus['deal.stage_changed'].previous_stage).toEqualTypeOf<string>()
    // @ts-expect-error: AutomateNexus has no event deal.stage_chnged
    void providerFixtures.automatenexus['deal.stage_chnged']
    // @ts-expect-error: no built-in provider acme
    void providerFixtures.acme
  })
})
