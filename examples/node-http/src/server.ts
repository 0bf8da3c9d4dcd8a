/**
 * A crm-webhooks receiver on plain node:http, no framework, for AutomateNexus CRM (seed 000).
 * Start it with `pnpm --filter @crm-webhooks/example-node-http start`.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createNodeListener, createReceiver, nodeClientErrorListener } from '@crm-webhooks/core'
import { automatenexus } from '@crm-webhooks/core/providers'

const port = Number(process.env.PORT ?? 3000)
const secret = process.env.AUTOMATENEXUS_SECRET
if (!secret) console.warn('AUTOMATENEXUS_SECRET is not set: using "dev-secret", fine on your machine only')

const receiver = createReceiver({
  provider: automatenexus,
  secret: secret || 'dev-secret',
  onDelivery: (outcome) => {
    if (!outcome.ok) console.warn(`rejected: ${outcome.status} ${outcome.code}`)
    else if (outcome.duplicate) console.log(`duplicate ${outcome.eventType} (${outcome.idempotencyKey}): already handled`)
  },
})
receiver.on('contact.created', (event) => console.log(`new contact ${event.data.id} <${event.data.email ?? 'no email'}>`))
receiver.onAny((event) => console.log(`handled ${event.type}`))

const webhooks = createNodeListener(receiver)
const server = createServer((request, response) => {
  // Parsed as a URL, so an absolute-form target (`POST http://host/webhooks`, which HTTP/1.1 servers must
  // accept) is routed as the frameworks route it.
  if (new URL(request.url ?? '/', 'http://localhost').pathname === '/webhooks') return void webhooks(request, response)
  response.writeHead(404, { 'content-type': 'application/json' }).end('{"ok":false}')
})
// What Node's HTTP parser refuses (malformed framing, oversized headers) gets a JSON error with a code too.
server.on('clientError', nodeClientErrorListener)
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`)
})
