/**
 * A crm-webhooks receiver on Express 5, for AutomateNexus CRM (seed 000), in an app that also has its own
 * JSON API. Start it with `pnpm --filter @crm-webhooks/example-express start`.
 */
import type { AddressInfo } from 'node:net'
import { createReceiver, nodeClientErrorListener } from '@crm-webhooks/core'
import { automatenexus } from '@crm-webhooks/core/providers'
import { crmWebhooks, rawBodySaver } from '@crm-webhooks/express'
import express from 'express'

const port = Number(process.env.PORT ?? 3000)
const secret = process.env.AUTOMATENEXUS_SECRET
if (!secret) console.warn('AUTOMATENEXUS_SECRET is not set: using "dev-secret", fine on your machine only')

const receiver = createReceiver({
  provider: automatenexus,
  secret: secret || 'dev-secret',
  // The message is what the sender was told; the cause, when there is one, is why (the handler's throw, say).
  onError: (error) => console.warn(`rejected: ${error.code} (${error.message})`, ...(error.cause === undefined ? [] : [error.cause])),
})
receiver.on('contact.created', (event) => {
  console.log(`new contact ${event.data.id}: ${event.data.first_name ?? ''} <${event.data.email ?? 'no email'}>`)
})
receiver.on('deal.stage_changed', (event) => {
  console.log(`deal ${event.data.id} moved ${event.data.previous_stage} -> ${event.data.new_stage}`)
})
receiver.onAny((event) => console.log(`handled ${event.type}`))

const app = express()
// An app-wide JSON parser, as most Express apps have: rawBodySaver keeps the bytes the signature covers, and
// the parsers' limit is the receiver's maxBodyBytes (1 MiB by default) rather than body-parser's 100 kB,
// which would refuse a larger genuine delivery with its own 413 on every retry.
app.use(express.json({ limit: '1mb', verify: rawBodySaver }), express.urlencoded({ extended: false, limit: '1mb', verify: rawBodySaver }))
app.all('/webhooks', crmWebhooks(receiver))
app.get('/health', (_request, response) => void response.json({ ok: true }))

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`)
})
// What Node's HTTP parser refuses (malformed framing, oversized headers) gets a JSON error with a code too.
server.on('clientError', nodeClientErrorListener)
