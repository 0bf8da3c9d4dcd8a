/**
 * A crm-webhooks receiver as a Fastify 5 plugin, for AutomateNexus CRM (seed 000), beside a route that
 * keeps Fastify's JSON parser. Start it with `pnpm --filter @crm-webhooks/example-fastify start`.
 */
import { createReceiver, nodeClientErrorListener } from '@crm-webhooks/core'
import { automatenexus } from '@crm-webhooks/core/providers'
import { crmWebhooks } from '@crm-webhooks/fastify'
import Fastify from 'fastify'

const port = Number(process.env.PORT ?? 3000)
const secret = process.env.AUTOMATENEXUS_SECRET
if (!secret) console.warn('AUTOMATENEXUS_SECRET is not set: using "dev-secret", fine on your machine only')

const receiver = createReceiver({ provider: automatenexus, secret: secret || 'dev-secret' })
receiver.on('contact.created', (event) => console.log(`new contact ${event.data.id} <${event.data.email ?? 'no email'}>`))
receiver.on('deal.stage_changed', (event) => {
  console.log(`deal ${event.data.id} moved ${event.data.previous_stage} -> ${event.data.new_stage}`)
})
receiver.onAny((event) => console.log(`handled ${event.type}`))

// What Node's HTTP parser refuses (malformed framing, oversized headers) gets a JSON error with a code too.
const app = Fastify({ clientErrorHandler: nodeClientErrorListener })
await app.register(crmWebhooks, { receiver, path: '/webhooks' })
// Every answer of the webhook route, rejections included, is visible to the app's own hooks.
app.addHook('onResponse', async (request) => {
  const answer = request.webhookResponse
  if (answer && answer.status >= 300) console.warn(`rejected: ${answer.status} ${answer.body}`)
})
app.post('/api/notes', async (request) => ({ saved: request.body }))

const address = await app.listen({ port, host: '127.0.0.1' })
console.log(`listening on ${address}/webhooks`)
