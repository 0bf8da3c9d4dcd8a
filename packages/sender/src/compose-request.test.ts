/**
 * The request a delivery sends (compose-request.ts), tested through createSender: method, body or query,
 * custom and event headers, the signature over what goes on the wire, and the shapes and headers refused at
 * creation or before any attempt.
 */
import { describe, expect, it } from 'vitest'
import { createServer } from 'node:http'
import { createHeaderReader, createNodeListener, createReceiver } from '@crm-webhooks/core'
import { connectgain, demoSecrets, standardWebhooks } from '@crm-webhooks/core/providers'
import { listenOnLoopback } from '@crm-webhooks/core/testing'
import { URL_, acmeSender, contact, scriptedTransport } from './acme-sender.fixture.js'
import { acmeProvider } from './acme-provider.fixture.js'
import { createManualClock } from './manual-clock.js'
import { createSender } from './sender.js'

describe('what goes on the wire', () => {
  it("signs the exact body with the provider's scheme and adds custom and event headers", async () => {
    const clock = createManualClock()
    const { transport, requests } = scriptedTransport([200])
    const sender = acmeSender({
      method: 'PUT',
      headers: { 'X-API-Key': 'custom-key' },
      clock,
      transport,
    })
    await clock.runUntilSettled(sender.send({ ...contact, id: 'evt_1' }))
    const [request] = requests
    expect(request!.method).toBe('PUT')
    expect(JSON.parse(request!.body!)).toEqual({ event: 'contact.created', id: 'evt_1', timestamp: new Date(clock.now()).toISOString(), data: contact.data })
    const header = createHeaderReader(request!.headers as Record<string, string>)
    expect(header('content-type')).toBe('application/json')
    expect(header('x-api-key')).toBe('custom-key')
    expect(header('x-acme-event')).toBe('contact.created')
    const secrets = acmeProvider.scheme.prepareSecrets(['test-secret'])
    const verified = await acmeProvider.scheme.verify({ header, body: new TextEncoder().encode(request!.body!) }, secrets, {
      toleranceSeconds: 300,
      nowMs: clock.now(),
    })
    expect(verified.secretIndex).toBe(0)
  })

  it('sends a form body, and puts the fields of a GET in the query string, which it signs', async () => {
    const clock = createManualClock()
    const { transport, requests } = scriptedTransport([200])
    const form = createSender({ provider: acmeProvider, secret: 's', url: URL_, contentType: 'form', clock, transport })
    await clock.runUntilSettled(form.send({ ...contact, id: 'evt_2' }))
    expect(requests[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded')
    const fields = new URLSearchParams(requests[0]!.body)
    expect(fields.get('event')).toBe('contact.created')
    expect(JSON.parse(fields.get('data')!)).toEqual(contact.data)

    const get = createSender({ provider: acmeProvider, secret: 's', url: `${URL_}?source=crm`, method: 'get', clock, transport })
    await clock.runUntilSettled(get.send({ ...contact, id: 'evt_3' }))
    const query = new URL(requests[1]!.url).searchParams
    expect(requests[1]!.body).toBeUndefined()
    expect(requests[1]!.headers['content-type']).toBeUndefined()
    expect([query.get('source'), query.get('event'), query.get('id')]).toEqual(['crm', 'contact.created', 'evt_3'])
    // The signature covers the raw query as sent (the configured `source=crm` included), not the empty body.
    const rawQuery = requests[1]!.url.slice(requests[1]!.url.indexOf('?') + 1)
    expect(rawQuery).toMatch(/^source=crm&event=contact\.created&/)
    expect(requests[1]!.headers['X-Acme-Signature']).toBe((await acmeProvider.scheme.sign({ body: rawQuery }, 's'))['X-Acme-Signature'])
    expect(requests[1]!.headers['X-Acme-Signature']).not.toBe((await acmeProvider.scheme.sign({ body: '' }, 's'))['X-Acme-Signature'])
  })

  it('refuses a configuration the provider does not send, at creation', () => {
    const base = { provider: acmeProvider, secret: 's', url: URL_ }
    expect(() => createSender({ ...base, method: 'PATCH' })).toThrow(/sends POST, PUT, GET, DELETE/)
    expect(() => createSender({ ...base, url: 'not a url' })).toThrow(/absolute URL/)
    expect(() => createSender({ ...base, url: 'ftp://x/y' })).toThrow(/http or https/)
    expect(() => createSender({ ...base, headers: { 'x-acme-signature': 'forged' } })).toThrow(/custom header/)
    expect(() => createSender({ ...base, headers: { 'Content-Type': 'text/plain' } })).toThrow(/custom header/)
    // The body is never encoded: a gzip label on it made every attempt a 415.
    expect(() => createSender({ ...base, headers: { 'Content-Encoding': 'gzip' } })).toThrow(/custom header/)
    expect(() => createSender({ ...base, secret: ' padded ' })).toThrow(/whitespace/)
    expect(() => createSender({ ...base, provider: { ...acmeProvider, compose: undefined } })).toThrow(/no compose/)
    expect(() => createSender({ ...base, retry: { maxRetries: 11 } })).toThrow(/maxRetries/)
  })

  it('refuses a URL holding credentials, which fetch would refuse on every attempt', () => {
    expect(() => createSender({ provider: acmeProvider, secret: 's', url: 'http://user:pw@127.0.0.1:1/' })).toThrow(/must not hold credentials/)
  })

  // fetch refuses the Fetch standard's "bad ports" before it connects (nodejs/node#45481: a receiver on 6000).
  it.each([6000, 1, 10080, 6697, 0])('refuses, at creation, a URL on port %i, which fetch refuses on every attempt', (port) => {
    const url = `http://127.0.0.1:${port}/webhooks`
    expect(() => createSender({ provider: acmeProvider, secret: 's', url })).toThrow(TypeError)
    expect(() => createSender({ provider: acmeProvider, secret: 's', url })).toThrow(`crm-webhooks: fetch refuses to send to port ${port} (a "bad port"`)
  })

  it('accepts a port fetch sends to, and a default one', () => {
    for (const url of ['http://127.0.0.1:3000/', 'http://127.0.0.1:6001/', 'https://receiver.example:443/', 'http://receiver.example/']) {
      expect(createSender({ provider: acmeProvider, secret: 's', url }).provider).toBe(acmeProvider)
    }
  })

  it('names the mistake, in a crm-webhooks TypeError, for a missing secret or `retry: null`', () => {
    const base = { provider: acmeProvider, secret: 's', url: URL_ }
    const missing = { ...base, secret: undefined as unknown as string }
    expect(() => createSender(missing)).toThrow(TypeError)
    expect(() => createSender(missing)).toThrow('crm-webhooks: secret #0 must be a string, bytes or { value, label } (got undefined)')
    const nullRetry = { ...base, retry: null as unknown as undefined }
    expect(() => createSender(nullRetry)).toThrow(TypeError)
    expect(() => createSender(nullRetry)).toThrow('crm-webhooks: the retry options must be an object (got null)')
  })

  // fetch refuses each of these on every attempt: they were logged as network failures and retried for a day.
  it.each([
    ['a header name that is not a token', { 'Bad Name': 'x' }, /not a valid header name/],
    ['a value with a line break', { 'X-Note': 'a\nb' }, /line breaks/],
    ['a value with a character past U+00FF', { 'X-Note': '\u2615' }, /U\+00FF/],
    // fetch refuses every control character but tab when it sends (RFC 9110 field-vchar and obs-text only).
    ['a value with U+0001', { 'X-API-Key': 'key\u0001' }, /control characters/],
    ['a value with a vertical tab', { 'X-Note': 'a\u000bb' }, /control characters/],
    ['a value with U+001F', { 'X-Note': 'a\u001f' }, /control characters/],
    ['a value with DEL', { 'X-Note': 'a\u007fb' }, /control characters/],
    ['Transfer-Encoding', { 'Transfer-Encoding': 'chunked' }, /HTTP connection/],
    ['Expect', { Expect: '100-continue' }, /HTTP connection/],
    ['Keep-Alive', { 'keep-alive': 'timeout=5' }, /HTTP connection/],
    ['Upgrade', { Upgrade: 'websocket' }, /HTTP connection/],
    ['Connection', { Connection: 'close' }, /HTTP connection/],
  ])('refuses, at creation, a custom header fetch cannot send: %s', (_name, headers, message) => {
    expect(() => createSender({ provider: acmeProvider, secret: 's', url: URL_, headers })).toThrow(TypeError)
    expect(() => createSender({ provider: acmeProvider, secret: 's', url: URL_, headers })).toThrow(message)
  })

  it.each([
    ['a string', 'X-Api-Key: k', 'got string'],
    ['null', null, 'got null'],
    ['an array', [['X-Api-Key', 'k']], 'got an array'],
  ])('refuses headers given as %s (read as headers named 0, 1, ...), at creation', (_name, headers, got) => {
    expect(() => createSender({ provider: acmeProvider, secret: 's', url: URL_, headers: headers as never })).toThrow(
      `crm-webhooks: headers must be an object of header names to values (${got})`,
    )
  })

  it('sends a Latin-1 header value and a name of unusual token characters as given', async () => {
    const clock = createManualClock()
    const { transport, requests } = scriptedTransport([200])
    const headers = { "X-Odd!#$%&'*+.^_`|~": 'cr\u00e8me br\u00fbl\u00e9e\t1' }
    const sender = acmeSender({ headers, clock, transport })
    await clock.runUntilSettled(sender.send(contact))
    expect(requests[0]!.headers).toMatchObject(headers)
  })
})

describe('event headers from the provider\'s compose', () => {
  // ConnectGain sends the event type in X-Webhook-Event: a type fetch cannot put in a header failed every
  // attempt as a network error, and counted towards auto-disable.
  it.each([
    ['a character past U+00FF', 'deal.\u2713'],
    ['CR LF', 'contact.created\r\nX-Injected: 1'],
    ['a control character', 'deal.\u0001won'],
  ])('refuses an event type with %s before any attempt, in compose and send', async (_name, type) => {
    const clock = createManualClock()
    const { transport, requests } = scriptedTransport([200])
    const sender = createSender({ provider: connectgain, secret: 's', url: URL_, clock, transport, retry: { disableAfterConsecutiveFailures: 1 } })
    await expect(sender.compose({ type, data: {} })).rejects.toThrow(TypeError)
    await expect(sender.compose({ type, data: {} })).rejects.toThrow(/X-Webhook-Event \(from connectgain's compose of the event\)/)
    await expect(sender.send({ type, data: {} })).rejects.toThrow(TypeError)
    expect(requests).toHaveLength(0)
    expect(sender.log.list()).toHaveLength(0)
    expect([sender.consecutiveFailures, sender.disabled]).toEqual([0, false])
  })

  it('refuses a custom header of the same name, whatever its case, which the event header would replace without a word', async () => {
    const { transport, requests } = scriptedTransport([200])
    for (const name of ['X-Webhook-Event', 'x-webhook-timestamp']) {
      const sender = createSender({ provider: connectgain, secret: 's', url: URL_, clock: createManualClock(), transport, headers: { [name]: 'custom' } })
      await expect(sender.compose({ type: 'contact.created', data: {} })).rejects.toThrow(new RegExp(`custom header ${name} would replace the one connectgain sends`))
      await expect(sender.send({ type: 'contact.created', data: {} })).rejects.toThrow(TypeError)
    }
    expect(requests).toHaveLength(0)
  })
})

describe('signature headers made from the event id (Standard Webhooks\' webhook-id)', () => {
  const standard = { provider: standardWebhooks, secret: demoSecrets['standard-webhooks'], url: URL_ }
  const event = (id: string) => ({ type: 'contact.created', id, data: { id: 'con_1' } })

  // fetch could not send these ids in webhook-id: each attempt failed as a network error, retried for days.
  it.each([
    ['a line break', 'msg_1\nX-Injected: 1', /line breaks/],
    ['a character past U+00FF', 'msg_\u2713', /U\+00FF/],
    ['a control character', 'msg_\u0001', /control characters/],
    // fetch trims these, so the receiver verified another id than was signed: every attempt was a 401.
    ['a leading space', ' msg_1', /must not start or end with a space or tab: fetch trims it/],
    ['a trailing tab', 'msg_1\t', /must not start or end with a space or tab: fetch trims it/],
  ])('refuses an event id with %s, in compose and before any attempt of send', async (_name, id, message) => {
    const clock = createManualClock()
    const { transport, requests } = scriptedTransport([200])
    const sender = createSender({ ...standard, clock, transport, retry: { disableAfterConsecutiveFailures: 1 } })
    await expect(sender.compose(event(id))).rejects.toThrow(TypeError)
    await expect(sender.compose(event(id))).rejects.toThrow(/^crm-webhooks: the value of header webhook-id \(set by standard-webhooks's signature scheme\)/)
    await expect(sender.compose(event(id))).rejects.toThrow(message)
    await expect(sender.send(event(id))).rejects.toThrow(TypeError)
    expect(requests).toHaveLength(0)
    expect([sender.consecutiveFailures, sender.disabled]).toEqual([0, false])
  })

  it('sends an id fetch carries as signed (Latin-1 and inner spaces included), which the receiver accepts over loopback', async () => {
    const receiver = createReceiver({ provider: standardWebhooks, secret: demoSecrets['standard-webhooks'] }).onAny(() => {})
    const server = await listenOnLoopback(createServer(createNodeListener(receiver)))
    try {
      const { url } = server
      const sender = createSender({ ...standard, url, retry: { maxRetries: 0 } })
      expect(await sender.send(event('msg_cr\u00e8me 1'))).toMatchObject({ state: 'delivered', status: 200 })
    } finally {
      await server.close()
    }
  })
})
