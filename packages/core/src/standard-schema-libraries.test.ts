/**
 * A provider of your own with valibot or arktype schemas, through the receiver: the handler gets the
 * schema's output, and a payload it refuses is a 422 naming the field, as with zod.
 */
import { type } from 'arktype'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { describeIssues } from './pipeline/invalid-payload.js'
import type { InvalidPayloadInfo } from './pipeline/invalid-payload.js'
import { createReceiver } from './receiver.js'
import { LIBRARY_SECRET, arktypeProvider, libraryScheme, valibotProvider } from './standard-schema-libraries.fixture.js'
import type { WebhookResponse } from './types.js'

let sequence = 0
async function signedDelivery(event: string, data: unknown) {
  sequence += 1
  const body = JSON.stringify({ event, event_id: `evt_${sequence}`, timestamp: '2026-03-21T15:00:00.000Z', data })
  return { method: 'POST', headers: { 'content-type': 'application/json', ...(await libraryScheme.sign({ body }, LIBRARY_SECRET)) }, rawBody: body }
}
const errorOf = (response: WebhookResponse) => (JSON.parse(response.body) as { error?: { code: string; message: string } }).error

describe('valibot', () => {
  it("hands the handler the schema's output (a transform, a default, the keys a loose object keeps)", async () => {
    const seen: unknown[] = []
    const receiver = createReceiver({ provider: valibotProvider, secret: LIBRARY_SECRET }).on('deal.won', (event) => void seen.push(event.data))
    expect((await receiver.handle(await signedDelivery('deal.won', { id: 'd1', amount: '12.5', extra: true }))).status).toBe(200)
    expect(seen).toEqual([{ id: 'd1', amount: 12.5, currency: 'EUR', extra: true }])
  })

  it('refuses a payload 422 naming the field from its path items ({ key }), or by its message alone at the root', async () => {
    const receiver = createReceiver({ provider: valibotProvider, secret: LIBRARY_SECRET }).on('contact.created', () => {})
    const field = await receiver.handle(await signedDelivery('contact.created', { email: 'a@example.com', tags: ['x', 2] }))
    expect(field.status).toBe(422)
    expect(errorOf(field)).toEqual({ code: 'invalid_payload', message: 'contact.created: tags.1: Invalid type: Expected string but received 2' })
    const root = await receiver.handle(await signedDelivery('contact.created', null))
    expect(errorOf(root)).toEqual({ code: 'invalid_payload', message: 'contact.created: Invalid type: Expected Object but received null' })
  })

  it('runs an async schema', async () => {
    const seen: unknown[] = []
    const receiver = createReceiver({ provider: valibotProvider, secret: LIBRARY_SECRET }).on('account.checked', (event) => void seen.push(event.data))
    expect((await receiver.handle(await signedDelivery('account.checked', { id: 'acc_1' }))).status).toBe(200)
    expect(errorOf(await receiver.handle(await signedDelivery('account.checked', { id: 'usr_1' })))?.message).toBe('account.checked: id: unknown account')
    expect(seen).toEqual([{ id: 'acc_1' }])
  })

  it("with invalidPayload: 'accept', hands the issues to onInvalidPayload once and answers 202", async () => {
    const parked: InvalidPayloadInfo[] = []
    const receiver = createReceiver({ provider: valibotProvider, secret: LIBRARY_SECRET, invalidPayload: 'accept', onInvalidPayload: (info) => void parked.push(info) })
    const request = await signedDelivery('contact.created', { email: 'nope', tags: [] })
    expect((await receiver.handle(request)).status).toBe(202)
    expect((await receiver.handle(request)).status).toBe(202)
    expect(parked.map((info) => info.error.message)).toEqual(['contact.created: email: Invalid email: Received "nope"'])
  })
})

describe('arktype', () => {
  it("hands the handler the schema's output (a parse, a default, a pipe)", async () => {
    const seen: unknown[] = []
    const receiver = createReceiver({ provider: arktypeProvider, secret: LIBRARY_SECRET })
      .on('deal.won', (event) => void seen.push(event.data))
      .on('name.shouted', (event) => void seen.push(event.data))
    expect((await receiver.handle(await signedDelivery('deal.won', { id: 'd1', amount: '12.5' }))).status).toBe(200)
    expect((await receiver.handle(await signedDelivery('name.shouted', { name: 'ada' }))).status).toBe(200)
    expect(seen).toEqual([{ id: 'd1', amount: 12.5, currency: 'EUR' }, { name: 'ADA' }])
  })

  // arktype's path is an Array subclass whose `map` made `new ReadonlyPath(0)`, [0]: the whole value read as field "0".
  it('refuses a payload 422 naming the field, or by its message alone when the issue is about the whole value', async () => {
    const receiver = createReceiver({ provider: arktypeProvider, secret: LIBRARY_SECRET }).on('contact.created', () => {}).on('note.added', () => {})
    const field = await receiver.handle(await signedDelivery('contact.created', { email: 'a@example.com', tags: ['x', 2] }))
    expect(errorOf(field)).toEqual({ code: 'invalid_payload', message: 'contact.created: tags.1: tags[1] must be a string (was a number)' })
    const missing = await receiver.handle(await signedDelivery('contact.created', null))
    expect(errorOf(missing)).toEqual({ code: 'invalid_payload', message: 'contact.created: must be an object (was null)' })
    const short = await receiver.handle(await signedDelivery('note.added', 'ab'))
    expect(errorOf(short)).toEqual({ code: 'invalid_payload', message: 'note.added: must be longer than 3 characters (was "ab")' })
  })

  it('describeIssues reads an issue with an empty arktype path as about the whole value', () => {
    const result = type('number')['~standard'].validate('x') as { issues: Parameters<typeof describeIssues>[0] }
    expect(describeIssues(result.issues)).toBe('must be a number (was a string)')
  })
})

// valibot and arktype quote the refused value in their messages (zod does not): a 100 000-character field
// made a 100 KB 422, logged again by onError.
it.each([
  ['valibot', valibotProvider],
  ['arktype', arktypeProvider],
] as const)('%s: a 422 quotes a long refused value cut, as a small JSON document', async (_, provider) => {
  const receiver = createReceiver({ provider: provider as typeof valibotProvider, secret: LIBRARY_SECRET })
  const response = await receiver.handle(await signedDelivery('contact.created', { email: 'x'.repeat(100_000), tags: [] }))
  expect(response.status).toBe(422)
  expect(response.body.length).toBeLessThan(1_000)
  expect(errorOf(response)?.message).toMatch(/^contact\.created: email: .{1,200}\.\.\. \(\d+ characters\)$/)
})

// A record's key is the sender's: a 100 KB key in the path made a 100 KB 422 as surely as a quoted value.
it('a 422 cuts a long path as it cuts a long message', async () => {
  const receiver = createReceiver({ provider: valibotProvider, secret: LIBRARY_SECRET, events: { 'scores.set': v.record(v.string(), v.number()) } })
  const response = await receiver.handle(await signedDelivery('scores.set', { ['k'.repeat(100_000)]: 'x' }))
  expect(response.status).toBe(422)
  expect(response.body.length).toBeLessThan(1_000)
  expect(errorOf(response)?.message).toMatch(/^scores\.set: k{200}\.\.\. \(100000 characters\): /)
})

describe('what is not a Standard Schema is refused when the receiver is created', () => {
  it.each([
    // A valibot 0.x schema has no `~standard`: every delivery of its event was a 500.
    ['an entry of the receiver’s events', { provider: valibotProvider, events: { 'order.shipped': { type: 'object' } } }],
    ['an entry of a provider built by hand', { provider: { ...valibotProvider, events: { 'deal.won': v.object({}), 'deal.lost': {} } } }],
  ])('%s', (_, options) => {
    expect(() => createReceiver({ secret: LIBRARY_SECRET, ...(options as { provider: typeof valibotProvider }) })).toThrow(
      /^crm-webhooks: event (order\.shipped of the receiver|deal\.lost of valibot-crm) is not a Standard Schema/,
    )
  })
})
