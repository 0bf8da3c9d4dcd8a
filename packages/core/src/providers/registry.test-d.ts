import { describe, expectTypeOf, it } from 'vitest'
import { buildSampleDelivery } from './build-sample-delivery.js'
import { eventJsonSchema } from './event-json-schema.js'
import { type BuiltInEventType, type ProviderId, providerFixtures } from './registry.js'

describe('providerFixtures', () => {
  it("types each fixture as its event's input, so a typo in the event name fails to compile", () => {
    expectTypeOf(providerFixtures.automatenexus['deal.stage_changed'].previous_stage).toEqualTypeOf<string>()
    // @ts-expect-error: AutomateNexus has no event deal.stage_chnged
    void providerFixtures.automatenexus['deal.stage_chnged']
    // @ts-expect-error: no built-in provider acme
    void providerFixtures.acme
  })
})

describe('BuiltInEventType', () => {
  it("names the events of the provider's own catalog, for completion where event names are passed as text", () => {
    expectTypeOf<'deal.stage_changed'>().toExtend<BuiltInEventType<'automatenexus'>>()
    expectTypeOf<'contact.created'>().toExtend<BuiltInEventType<'standard-webhooks'>>()
    expectTypeOf<'deal.stage_chnged'>().not.toExtend<BuiltInEventType<'automatenexus'>>()
    // A union of providers (a provider id read from config) names the events of each.
    expectTypeOf<'deal.stage_changed'>().toExtend<BuiltInEventType<'automatenexus' | 'workflow-platform'>>()
    expectTypeOf<'deal.stage_changed'>().toExtend<BuiltInEventType<ProviderId>>()
    // Offered, not required: an event outside the catalog (with options.data) is how onUnknownEvent is tried,
    // and both check the name at run time.
    expectTypeOf(buildSampleDelivery<'automatenexus'>).parameter(1).toEqualTypeOf<BuiltInEventType<'automatenexus'> | (string & {})>()
    expectTypeOf(eventJsonSchema<'connectgain'>).parameter(1).toEqualTypeOf<BuiltInEventType<'connectgain'> | (string & {})>()
  })
})
