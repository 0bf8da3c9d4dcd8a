import { describe, expect, it } from 'vitest'
import type { DeliveryContext } from '../types.js'
import { createFieldEnvelope } from './field-envelope.js'

/** A delivery whose body parsed to `payload`, with an unsigned `x-event` header naming `deal.won`. */
function delivery(payload: unknown): DeliveryContext {
  return { payload, header: (name: string) => (name.toLowerCase() === 'x-event' ? 'deal.won' : undefined) } as unknown as DeliveryContext
}

describe('createFieldEnvelope: the event type', () => {
  const envelope = createFieldEnvelope({ type: 'event', typeHeader: 'X-Event', data: 'data' })

  it("is the body's field when it holds a name", () => {
    expect(envelope.eventType(delivery({ event: 'contact.created' }))).toBe('contact.created')
  })

  it('is the header only when the body has no such field, or an empty one', () => {
    expect(envelope.eventType(delivery({}))).toBe('deal.won')
    expect(envelope.eventType(delivery({ event: '' }))).toBe('deal.won')
  })

  it('is none for a field that is there but not a name: the unsigned header does not name one for it', () => {
    for (const event of [5, true, null, ['deal.won'], { name: 'deal.won' }]) {
      expect(envelope.eventType(delivery({ event }))).toBeUndefined()
    }
    expect(createFieldEnvelope({ type: 'event', data: 'data' }).eventType(delivery({ event: 5 }))).toBeUndefined()
  })
})
