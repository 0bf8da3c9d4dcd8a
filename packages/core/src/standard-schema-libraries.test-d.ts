/**
 * Handler types from valibot and arktype schemas: `event.data` is the schema's output, and the usual
 * misuse fails to compile. An arktype handler registered by name did not compile at all (TS2589).
 */
import { type } from 'arktype'
import * as v from 'valibot'
import { describe, expectTypeOf, it } from 'vitest'
import { createReceiver } from './receiver.js'
import { arktypeProvider, valibotProvider } from './standard-schema-libraries.fixture.js'

describe('valibot', () => {
  const receiver = createReceiver({ provider: valibotProvider, secret: 's' })

  it("gives event.data the schema's output, and only the fields it declares", () => {
    receiver.on('deal.won', (event) => {
      expectTypeOf(event.data).toEqualTypeOf<{ id: string; amount: number; currency: string }>()
      // @ts-expect-error: a loose object keeps undeclared keys at run time, but a handler may not read them unchecked
      void event.data.extra
    })
    receiver.on('account.checked', (event) => expectTypeOf(event.data).toEqualTypeOf<{ id: string }>())
  })

  it('narrows onAny and a list of names on event.type; refuses a name outside the catalog', () => {
    receiver.onAny((event) => {
      if (event.type === 'deal.won') expectTypeOf(event.data.amount).toEqualTypeOf<number>()
    })
    receiver.on(['deal.won', 'contact.created'], (event) => {
      if (event.type === 'contact.created') expectTypeOf(event.data.tags).toEqualTypeOf<string[]>()
    })
    // @ts-expect-error: not in the catalog
    receiver.on('deal.lost', () => {})
  })

  it("types a receiver's own valibot events", () => {
    createReceiver({ provider: valibotProvider, secret: 's', events: { 'order.shipped': v.object({ at: v.pipe(v.string(), v.transform((text) => new Date(text))) }) } }).on(
      'order.shipped',
      (event) => expectTypeOf(event.data.at).toEqualTypeOf<Date>(),
    )
  })
})

describe('arktype', () => {
  const receiver = createReceiver({ provider: arktypeProvider, secret: 's' })

  it("compiles a handler registered by name, and gives event.data the schema's output", () => {
    receiver.on('deal.won', (event) => {
      expectTypeOf(event.data).toEqualTypeOf<{ id: string; amount: number; currency: string }>()
      // @ts-expect-error: amount is a number once parsed
      event.data.amount.toUpperCase()
    })
    receiver.on('name.shouted', (event) => expectTypeOf(event.data.name).toEqualTypeOf<string>())
    receiver.on('note.added', (event) => expectTypeOf(event.data).toEqualTypeOf<string>())
  })

  it('narrows onAny on event.type; refuses a name outside the catalog', () => {
    receiver.onAny((event) => {
      if (event.type === 'note.added') expectTypeOf(event.data).toEqualTypeOf<string>()
    })
    // @ts-expect-error: not in the catalog
    receiver.on('deal.lost', () => {})
  })

  it("types a receiver's own arktype events", () => {
    createReceiver({ provider: arktypeProvider, secret: 's', events: { 'n.parsed': type({ n: 'string.integer.parse', when: 'string.date.parse' }) } }).on('n.parsed', (event) => {
      expectTypeOf(event.data.n).toEqualTypeOf<number>()
      expectTypeOf(event.data.when).toEqualTypeOf<Date>()
    })
  })
})
