import { describe, expectTypeOf, it } from 'vitest'
import * as z from 'zod'
import { defineProvider } from './providers/define-provider.js'
import { createFieldEnvelope } from './providers/field-envelope.js'
import { type Receiver, createReceiver } from './receiver.js'
import { createHmacSha256Scheme } from './schemes/hmac-sha256.js'
import type { EventSchemas } from './types.js'

/** A provider signing with HMAC-SHA256 and naming its event in an `event` field: only its events vary here. */
function fieldProvider<const Events extends EventSchemas>(id: string, events: Events) {
  return defineProvider({
    id,
    name: id,
    scheme: createHmacSha256Scheme({ header: 'X-Signature' }),
    envelope: createFieldEnvelope({ type: 'event', data: 'data' }),
    events,
  })
}

const provider = fieldProvider('typed', {
  'deal.stage_changed': z.looseObject({ previous_stage: z.string(), new_stage: z.string(), value: z.number() }),
  'contact.created': z.looseObject({ email: z.string() }),
})

describe('handler narrowing', () => {
  const receiver = createReceiver({ provider, secret: 's' })

  it('narrows the event to the registered name', () => {
    receiver.on('deal.stage_changed', (event) => {
      expectTypeOf(event.type).toEqualTypeOf<'deal.stage_changed'>()
      expectTypeOf(event.data.previous_stage).toEqualTypeOf<string>()
      expectTypeOf(event.data.value).toEqualTypeOf<number>()
      // @ts-expect-error: contact fields are not on a deal event
      event.data.email
    })
  })

  it('keeps the provider it was given, events and all', () => {
    expectTypeOf(receiver.provider).toEqualTypeOf<typeof provider>()
    expectTypeOf(receiver.provider.events['contact.created']).toEqualTypeOf<(typeof provider)['events']['contact.created']>()
  })

  it('rejects an unknown event name', () => {
    // @ts-expect-error: not in the catalog
    receiver.on('deal.exploded', () => {})
  })

  it('makes onAny a discriminated union on type', () => {
    receiver.onAny((event) => {
      if (event.type === 'contact.created') expectTypeOf(event.data.email).toEqualTypeOf<string>()
      else expectTypeOf(event.data.new_stage).toEqualTypeOf<string>()
    })
  })

  it('adds receiver-declared events to the catalog', () => {
    const custom = createReceiver({
      provider,
      secret: 's',
      events: { 'order.shipped': z.object({ tracking: z.string() }) },
    })
    custom.on('order.shipped', (event) => {
      expectTypeOf(event.data.tracking).toEqualTypeOf<string>()
    })
    custom.on('deal.stage_changed', (event) => {
      expectTypeOf(event.data.previous_stage).toEqualTypeOf<string>()
    })
  })
})

describe('passthrough schemas', () => {
  const loose = fieldProvider('loose', {
    'deal.won': z.looseObject({
      owner: z.looseObject({ id: z.string(), name: z.string().optional() }),
      custom_fields: z.record(z.string(), z.string()),
      tags: z.array(z.looseObject({ name: z.string() })),
    }),
  })

  it('types declared fields and refuses undeclared ones, at every depth; records stay records', () => {
    createReceiver({ provider: loose, secret: 's' }).on('deal.won', (event) => {
      expectTypeOf(event.data.owner.id).toEqualTypeOf<string>()
      expectTypeOf(event.data.owner.name).toEqualTypeOf<string | undefined>()
      expectTypeOf(event.data.custom_fields).toEqualTypeOf<Record<string, string>>()
      expectTypeOf(event.data.tags[0]!.name).toEqualTypeOf<string>()
      // @ts-expect-error: not declared by the schema
      event.data.owner.email
      // @ts-expect-error: not declared by the schema
      event.data.probability
    })
  })
})

describe('records of loose objects, and recursive JSON', () => {
  const nested = fieldProvider('nested', {
    'deal.updated': z.looseObject({
      changes: z.record(z.string(), z.looseObject({ previous: z.unknown(), current: z.unknown() })),
      raw: z.json(),
    }),
  })

  it("refuses an undeclared field of a record's values, and types a z.json() field without endless instantiation", () => {
    createReceiver({ provider: nested, secret: 's' }).on('deal.updated', (event) => {
      const change = event.data.changes['name']
      expectTypeOf(change).toEqualTypeOf<{ previous: unknown; current: unknown } | undefined>()
      // @ts-expect-error: a change declares previous and current only
      change?.previuos
      expectTypeOf(event.data.raw).not.toBeAny()
    })
  })
})

describe('tuples in a schema', () => {
  const located = fieldProvider('located', {
    'visit.logged': z.looseObject({
      at: z.tuple([z.number(), z.number()]),
      stop: z.tuple([z.looseObject({ id: z.string() }), z.string()]).readonly(),
      path: z.tuple([z.string()], z.number()),
    }),
  })

  it('keeps each position of a tuple its own type, its members declared fields only', () => {
    createReceiver({ provider: located, secret: 's' }).on('visit.logged', (event) => {
      expectTypeOf(event.data.at).toEqualTypeOf<[number, number]>()
      expectTypeOf(event.data.stop).toEqualTypeOf<readonly [{ id: string }, string]>()
      expectTypeOf(event.data.path).toEqualTypeOf<[string, ...number[]]>()
      // @ts-expect-error: not declared by the schema
      event.data.stop[0].name
    })
  })
})

describe('several types, and what a handler may return', () => {
  const receiver = createReceiver({ provider, secret: 's' })

  it('gives a handler registered for several types a union discriminated by type', () => {
    receiver.on(['deal.stage_changed', 'contact.created'], (event) => {
      expectTypeOf(event.type).toEqualTypeOf<'deal.stage_changed' | 'contact.created'>()
      if (event.type === 'deal.stage_changed') expectTypeOf(event.data.previous_stage).toEqualTypeOf<string>()
      else expectTypeOf(event.data.email).toEqualTypeOf<string>()
    })
  })

  it('takes a handler whatever it returns, sync or async (the value is ignored, a promise awaited)', () => {
    const seen: unknown[] = []
    receiver.on('contact.created', (event) => seen.push(event.data.email))
    receiver.on('contact.created', async (event) => seen.push(event.id))
    receiver.on('contact.created', async () => new Response('stored'))
    receiver.onAny((event) => seen.push(event.type))
    receiver.onAny(async () => {})
  })

  it('refuses a handler for another event shape', () => {
    // @ts-expect-error: a contact handler's parameter does not fit a deal event
    receiver.on('deal.stage_changed', (event: { data: { email: string } }) => event.data.email)
  })
})

describe('receivers and hooks as the rest of an app passes them around', () => {
  it('takes any receiver where a plain Receiver is asked for', () => {
    const mount = (receiver: Receiver) => receiver
    expectTypeOf(mount(createReceiver({ provider, secret: 's' }))).toEqualTypeOf<Receiver>()
    mount(createReceiver({ provider, secret: 's', events: { 'deal.won': z.looseObject({ value: z.number() }) } }))
  })

  it('keeps a branded field branded, a string still (zod .brand())', () => {
    const branded = createReceiver({ provider, secret: 's', events: { 'contact.created': z.object({ email: z.string().brand<'Email'>() }) } })
    branded.on('contact.created', (event) => {
      const email: string = event.data.email
      expectTypeOf(event.data.email).toEqualTypeOf<string & z.$brand<'Email'>>()
      return email
    })
  })

  it('takes onUnknownEvent and onInvalidPayload hooks whatever they return, as handlers', () => {
    const insert = async (row: unknown) => ({ id: 1, row })
    createReceiver({ provider, secret: 's', onUnknownEvent: (event) => insert(event), onInvalidPayload: (info) => insert(info) })
    createReceiver({ provider, secret: 's', onUnknownEvent: () => 42 })
  })
})

describe('options', () => {
  it('has no injectable claim owner token: one that repeats would let an owed release drop a live claim', () => {
    // @ts-expect-error: claim tokens are the receiver's own, unique by construction
    createReceiver({ provider, secret: 's', ownerToken: () => 'fixed' })
  })
})

describe('idempotencyKey option', () => {
  it('answers a string, a number (written as its text) or undefined, or a promise of one; nothing else', () => {
    createReceiver({ provider, secret: 's', idempotencyKey: (context) => context.header('x-delivery') })
    createReceiver({ provider, secret: 's', idempotencyKey: () => 42 })
    createReceiver({ provider, secret: 's', idempotencyKey: async () => 'evt_1' })
    // @ts-expect-error an object is no key
    createReceiver({ provider, secret: 's', idempotencyKey: () => ({ id: 1 }) })
  })
})
