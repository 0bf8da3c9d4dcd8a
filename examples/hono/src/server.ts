/**
 * A crm-webhooks receiver on Hono, served on Node by @hono/node-server, for AutomateNexus CRM (seed 000).
 * The same `app` runs unchanged on Bun, Deno or Workers (`export default app`). Start it with
 * `pnpm --filter @crm-webhooks/example-hono start`.
 */
import { createReceiver, nodeClientErrorListener } from '@crm-webhooks/core'
import { automatenexus } from '@crm-webhooks/core/providers'
import { crmWebhooks } from '@crm-webhooks/hono'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const port = Number(process.env.PORT ?? 3000)
const secret = process.env.AUTOMATENEXUS_SECRET
if (!secret) console.warn('AUTOMATENEXUS_SECRET is not set: using "dev-secret", fine on your machine only')

const receiver = createReceiver({
  provider: automatenexus,
  secret: secret || 'dev-secret',
  // The message is what the sender was told; the cause, when there is one, is why (the handler's throw, say).
  onError: (error) => console.warn(`rejected: ${error.code} (${error.message})`, ...(error.cause === undefined ? [] : [error.cause])),
})
receiver.on(['contact.created', 'contact.updated'], (event) => {
  console.log(`contact ${event.data.id}: ${event.data.first_name ?? ''} <${event.data.email ?? 'no email'}>`)
})
receiver.onAny((event) => console.log(`handled ${event.type}`))

const app = new Hono()
app.all('/webhooks', crmWebhooks(receiver))
app.get('/health', (c) => c.json({ ok: true }))

const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port}/webhooks`)
})
// What Node's HTTP parser refuses (malformed framing, oversized headers) gets a JSON error with a code too.
server.on('clientError', nodeClientErrorListener)
