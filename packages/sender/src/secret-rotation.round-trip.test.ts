/**
 * Secret rotation against the real receiver: a Standard Webhooks sender signing with its old and new secret
 * at once is accepted by a receiver that holds either one alone, and nothing else is.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_MAX_SIGNATURES, type Provider, type SecretInput, type WebhookEvent, createNodeListener, createReceiver } from '@crm-webhooks/core'
import { providerFixtures, providers, standardWebhooks, standardWebhooksFixtures } from '@crm-webhooks/core/providers'
import { createSender } from './sender.js'
import type { OutgoingRequest } from './transport.js'

const URL_ = 'https://receiver.example/webhooks'
const whsec = (text: string) => `whsec_${Buffer.from(text).toString('base64')}`
const OLD = whsec('old-standard-webhooks-secret-32b')
const NEW = whsec('new-standard-webhooks-secret-32b')
const contact = { type: 'contact.created', data: standardWebhooksFixtures['contact.created'] }

/** The real receiver of `provider` holding `secret`, with the events its handler got. */
function receiverHolding(provider: Provider, secret: SecretInput | readonly SecretInput[]) {
  const handled: WebhookEvent[] = []
  const receiver = createReceiver({ provider, secret }).onAny((event) => {
    handled.push(event)
  })
  return { receiver, handled }
}

/** Hands the exact request an attempt sends to a receiver; resolves with its status and error code. */
async function handOver(receiver: ReturnType<typeof receiverHolding>['receiver'], request: OutgoingRequest, body = request.body) {
  const response = await receiver.handle({
    method: request.method,
    url: request.url,
    headers: request.headers,
    rawBody: new TextEncoder().encode(body ?? ''),
  })
  const parsed = JSON.parse(response.body) as { error?: { code: string } }
  return { status: response.status, code: parsed.error?.code }
}

describe('a Standard Webhooks sender rotating its secret: secret: [old, new]', () => {
  it('sends both signatures, space-separated, in webhook-signature', async () => {
    const rotating = createSender({ provider: standardWebhooks, secret: [OLD, NEW], url: URL_ })
    const { request } = await rotating.compose(contact)
    const entries = request.headers['webhook-signature']!.split(' ')
    expect(entries).toHaveLength(2)
    expect(entries.every((entry) => /^v1,[A-Za-z0-9+/]{43}=$/.test(entry))).toBe(true)
    expect(entries[0]).not.toBe(entries[1])
  })

  it('a receiver holding only the old secret and one holding only the new both accept the same delivery', async () => {
    const rotating = createSender({ provider: standardWebhooks, secret: [OLD, NEW], url: URL_ })
    const { event, request } = await rotating.compose(contact)
    const onlyOld = receiverHolding(standardWebhooks, OLD)
    const onlyNew = receiverHolding(standardWebhooks, NEW)
    expect(await handOver(onlyOld.receiver, request)).toEqual({ status: 200, code: undefined })
    expect(await handOver(onlyNew.receiver, request)).toEqual({ status: 200, code: undefined })
    for (const { handled } of [onlyOld, onlyNew]) {
      expect(handled).toHaveLength(1)
      expect(handled[0]).toMatchObject({ type: 'contact.created', id: event.id, verification: { secretIndex: 0 } })
    }
    // A receiver holding neither refuses it: the delivery is accepted for its signatures, not in spite of them.
    const neither = receiverHolding(standardWebhooks, whsec('another-standard-webhooks-secret'))
    expect(await handOver(neither.receiver, request)).toEqual({ status: 401, code: 'invalid_signature' })
    expect(neither.handled).toHaveLength(0)
  })

  it('each signature is its own secret\'s: the old one alone is refused by the new receiver, and the reverse', async () => {
    const rotating = createSender({ provider: standardWebhooks, secret: [OLD, NEW], url: URL_ })
    const { request } = await rotating.compose(contact)
    const [oldSignature, newSignature] = request.headers['webhook-signature']!.split(' ')
    const only = (signature: string) => ({ ...request, headers: { ...request.headers, 'webhook-signature': signature } })
    expect(await handOver(receiverHolding(standardWebhooks, OLD).receiver, only(oldSignature!))).toMatchObject({ status: 200 })
    expect(await handOver(receiverHolding(standardWebhooks, NEW).receiver, only(oldSignature!))).toMatchObject({ status: 401 })
    expect(await handOver(receiverHolding(standardWebhooks, NEW).receiver, only(newSignature!))).toMatchObject({ status: 200 })
    expect(await handOver(receiverHolding(standardWebhooks, OLD).receiver, only(newSignature!))).toMatchObject({ status: 401 })
  })

  it('a tampered body is refused by both receivers', async () => {
    const rotating = createSender({ provider: standardWebhooks, secret: [OLD, NEW], url: URL_ })
    const { request } = await rotating.compose(contact)
    // Still valid JSON of the same event, so only the signature can refuse it.
    const tampered = request.body!.replace('"type":"contact.created"', '"type":"contact.created","injected":true')
    expect(tampered).not.toBe(request.body)
    for (const secret of [OLD, NEW]) {
      const { receiver, handled } = receiverHolding(standardWebhooks, secret)
      expect(await handOver(receiver, request, tampered)).toEqual({ status: 401, code: 'invalid_signature' })
      expect(handled).toHaveLength(0)
    }
  })

  describe('over loopback, as send() delivers it', () => {
    const servers: Array<ReturnType<typeof createServer>> = []
    afterAll(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))))

    async function serve(secret: string) {
      const served = receiverHolding(standardWebhooks, secret)
      const server = createServer(createNodeListener(served.receiver))
      servers.push(server)
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      return { ...served, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks` }
    }

    it.each([
      ['only the old secret', OLD],
      ['only the new secret', NEW],
    ])('is delivered to a receiver holding %s', async (_name, secret) => {
      const endpoint = await serve(secret)
      const rotating = createSender({ provider: standardWebhooks, secret: [OLD, NEW], url: endpoint.url, retry: { maxRetries: 0 } })
      const result = await rotating.send(contact)
      expect(result).toMatchObject({ ok: true, state: 'delivered', status: 200 })
      expect(endpoint.handled.map((event) => event.id)).toEqual([result.event.id])
    })
  })

  it(`signs with up to ${DEFAULT_MAX_SIGNATURES} secrets, as many as a receiver examines: one holding only the last accepts`, async () => {
    const secrets = Array.from({ length: DEFAULT_MAX_SIGNATURES }, (_, index) => whsec(`rotation-secret-number-${index}-of-the-list`))
    const { request } = await createSender({ provider: standardWebhooks, secret: secrets, url: URL_ }).compose(contact)
    expect(await handOver(receiverHolding(standardWebhooks, secrets.at(-1)!).receiver, request)).toMatchObject({ status: 200 })
    const tooMany = [...secrets, whsec('one-more-secret-than-examined')]
    expect(() => createSender({ provider: standardWebhooks, secret: tooMany, url: URL_ })).toThrow(TypeError)
    expect(() => createSender({ provider: standardWebhooks, secret: tooMany, url: URL_ })).toThrow(/at most 8 secrets may sign at once/)
  })

  it('refuses, at creation, a secret of the list the receiver would refuse, naming it', () => {
    expect(() => createSender({ provider: standardWebhooks, secret: [NEW, 'not base64!'], url: URL_ })).toThrow(TypeError)
    expect(() => createSender({ provider: standardWebhooks, secret: [NEW, 'not base64!'], url: URL_ })).toThrow(/secret #1 is not whsec_/)
    expect(() => createSender({ provider: standardWebhooks, secret: [NEW, ''], url: URL_ })).toThrow('crm-webhooks: secret #1 is empty')
    expect(() => createSender({ provider: standardWebhooks, secret: [], url: URL_ })).toThrow('crm-webhooks: at least one secret is required')
  })
})

describe('a provider whose signature header holds one signature', () => {
  const singleSignature = (Object.values(providers) as Provider[]).filter((provider) => provider.scheme.signWithEach === undefined)

  it('is every seed provider', () => {
    expect(singleSignature.map((provider) => provider.id).sort()).toEqual(
      ['automatenexus', 'autorespond', 'connectgain', 'customermates', 'workflow-platform'].sort(),
    )
  })

  it.each(singleSignature.map((provider) => [provider.id, provider] as const))(
    '%s refuses two secrets with a TypeError, and signs with a list of one as with the string',
    async (_id, provider) => {
      const twoSecrets = () => createSender({ provider, secret: ['old-secret', 'new-secret'], url: URL_ })
      expect(twoSecrets).toThrow(TypeError)
      expect(twoSecrets).toThrow(`crm-webhooks: ${provider.scheme.signatureHeader} holds one signature (${provider.scheme.kind})`)

      const type = Object.keys(provider.events)[0]!
      const data = (providerFixtures[provider.id as keyof typeof providerFixtures] as Record<string, unknown>)[type]
      const event = { type, data, id: 'evt_1', occurredAt: new Date() }
      const { request } = await createSender({ provider, secret: ['new-secret'], url: URL_ }).compose(event)
      const { request: fromString } = await createSender({ provider, secret: 'new-secret', url: URL_ }).compose(event)
      expect(request.headers[provider.scheme.signatureHeader]).toBe(fromString.headers[provider.scheme.signatureHeader])
      expect(await handOver(receiverHolding(provider, ['old-secret', 'new-secret']).receiver, request)).toMatchObject({ status: 200 })
    },
  )
})
