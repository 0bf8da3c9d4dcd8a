/**
 * The runner with cases of a user's own, as `RunConformanceSuiteOptions.cases` invites (`[...conformanceCases,
 * ...yourCases]`): a case may configure its receiver as it needs, and the runner's check that the entry still
 * serves a valid delivery afterwards must hold for that receiver, not only for the built-in table's.
 */
import { createServer } from 'node:http'
import * as z from 'zod'
import { createNodeListener } from '../http/node-listener.js'
import { createFieldEnvelope } from '../providers/field-envelope.js'
import { defineProvider } from '../providers/define-provider.js'
import { createHmacSha256Scheme } from '../schemes/hmac-sha256.js'
import type { ConformanceCase } from './conformance-case.js'
import { signedRequest } from './conformance-kit.js'
import { listenOnLoopback } from './listen-on-loopback.js'
import { runConformanceSuite } from './run-conformance-suite.js'

const OWN_SECRET = 'a-secret-of-my-own'

const acme = defineProvider({
  id: 'acme',
  name: 'Acme CRM',
  scheme: createHmacSha256Scheme({ header: 'X-Acme-Signature' }),
  envelope: createFieldEnvelope({ type: 'type', id: 'id', data: 'data' }),
  events: { 'lead.created': z.looseObject({ email: z.string() }) },
})

const acmeDelivery = (id: string) =>
  signedRequest({ provider: acme, secret: OWN_SECRET, id, body: JSON.stringify({ type: 'lead.created', id, data: { email: 'ada@example.com' } }) })

const ownCases: readonly ConformanceCase[] = [
  {
    name: 'a case of your own whose receiver has a secret of its own',
    receiver: { secret: OWN_SECRET },
    request: () => signedRequest({ id: 'evt_own_secret', secret: OWN_SECRET }),
    expect: { status: 200, handled: 1 },
  },
  {
    name: 'a case of your own whose receiver has a provider of its own, with its probe',
    receiver: { provider: acme, secret: OWN_SECRET },
    request: () => acmeDelivery('lead_1'),
    probe: () => acmeDelivery('lead_probe'),
    expect: { status: 200, handled: 1, event: { type: 'lead.created', id: 'lead_1' } },
  },
]

runConformanceSuite(
  { name: 'node:http, cases of your own', start: async (receiver) => listenOnLoopback(createServer(createNodeListener(receiver))) },
  { cases: ownCases },
)
