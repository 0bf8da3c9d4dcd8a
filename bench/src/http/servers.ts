/**
 * The HTTP contenders: each framework four ways on its own port. `bare` reads the raw body and parses
 * it, verifying nothing; `inline` adds the hand-written check a careful user would write (node:crypto
 * HMAC over the raw bytes, `timingSafeEqual`, one `JSON.parse`); `inline+20us` busy-waits 20 µs more per
 * request (a yardstick); `crm-webhooks` mounts our adapter over a receiver for the AutomateNexus provider
 * (the full pipeline: schema, idempotency, ordering guard).
 *
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { createReceiver } from '@crm-webhooks/core'
import { automatenexus } from '@crm-webhooks/core/providers'
import { crmWebhooks as expressWebhooks } from '@crm-webhooks/express'
import { crmWebhooks as fastifyWebhooks } from '@crm-webhooks/fastify'
import { crmWebhooks as honoWebhooks } from '@crm-webhooks/hono'
import { serve } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'

/** Frameworks and variants, as the report names them. */
export const FRAMEWORKS = ['express', 'hono', 'fastify'] as const
export const VARIANTS = ['bare', 'inline', 'inline+20us', 'crm-webhooks'] as const
export type Framework = (typeof FRAMEWORKS)[number]
export type Variant = (typeof VARIANTS)[number]

/** The header AutomateNexus signs with, lower-case as Node hands it over. */
export const SIGNATURE_HEADER = 'x-automatenexus-signature'
const ACCEPTED = JSON.stringify({ ok: true })

/** The hand-written check: what `inline` does, and what the HMAC floor is. */
function verifiedJson(secret: string, body: Buffer, signature: string | undefined): unknown {
  const digest = createHmac('sha256', secret).update(body).digest()
  const claimed = Buffer.from(signature ?? '', 'hex')
  if (claimed.length !== digest.length || !timingSafeEqual(digest, claimed)) return undefined
  return JSON.parse(body.toString('utf8'))
}

/** Work `inline+20us` adds per request: busy-waiting, no allocation and no memory traffic. */
const YARDSTICK_MICROS = 20

/**
 * `inline`'s answer to a verified delivery, after `YARDSTICK_MICROS` of busy-waiting for `inline+20us`: a
 * yardstick of what a fixed amount of added CPU work per request costs in this harness, to read the
 * middleware's row against.
 */
function afterYardstick(variant: Variant): void {
  if (variant !== 'inline+20us') return
  const until = process.hrtime.bigint() + BigInt(YARDSTICK_MICROS * 1000)
  while (process.hrtime.bigint() < until);
}

function newReceiver(secret: string) {
  return createReceiver({ provider: automatenexus, secret }).onAny(() => {})
}

function expressApp(variant: Variant, secret: string) {
  const app = express()
  // No ETag: `response.send` would hash every answer of `bare` and `inline` (a SHA-1 per request), which
  // the middleware's `writeHead().end()` never does; the variants must differ in verification alone.
  app.set('etag', false)
  if (variant === 'crm-webhooks') {
    app.post('/webhooks', expressWebhooks(newReceiver(secret)))
    return app
  }
  app.post('/webhooks', express.raw({ type: '*/*', limit: '1mb' }), (request, response) => {
    const body = request.body as Buffer
    const payload = variant === 'bare' ? JSON.parse(body.toString('utf8')) : verifiedJson(secret, body, request.get(SIGNATURE_HEADER))
    if (payload === undefined) return void response.status(401).type('json').send('{"ok":false}')
    afterYardstick(variant)
    response.type('json').send(ACCEPTED)
  })
  return app
}

function honoApp(variant: Variant, secret: string) {
  const app = new Hono()
  if (variant === 'crm-webhooks') {
    app.post('/webhooks', honoWebhooks(newReceiver(secret)))
    return app
  }
  app.post('/webhooks', async (c) => {
    const body = Buffer.from(await c.req.arrayBuffer())
    const payload = variant === 'bare' ? JSON.parse(body.toString('utf8')) : verifiedJson(secret, body, c.req.header(SIGNATURE_HEADER))
    if (payload === undefined) return c.json({ ok: false }, 401)
    afterYardstick(variant)
    return c.body(ACCEPTED, 200, { 'content-type': 'application/json' })
  })
  return app
}

async function fastifyApp(variant: Variant, secret: string) {
  const app = Fastify()
  if (variant === 'crm-webhooks') {
    await app.register(fastifyWebhooks, { receiver: newReceiver(secret), path: '/webhooks' })
    return app
  }
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_request, body, done) => done(null, body))
  app.post('/webhooks', async (request, reply) => {
    const body = request.body as Buffer
    const signature = request.headers[SIGNATURE_HEADER] as string | undefined
    const payload = variant === 'bare' ? JSON.parse(body.toString('utf8')) : verifiedJson(secret, body, signature)
    if (payload === undefined) return reply.code(401).type('application/json').send('{"ok":false}')
    afterYardstick(variant)
    return reply.type('application/json').send(ACCEPTED)
  })
  return app
}

/**
 * Starts one framework's server in one variant on a free loopback port and returns the port.
 *
 * @example
 * ```ts
 * const port = await startServer('fastify', 'inline', 'secret')
 * ```
 */
export async function startServer(framework: Framework, variant: Variant, secret: string): Promise<number> {
  if (framework === 'express') {
    const server = expressApp(variant, secret).listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    return (server.address() as AddressInfo).port
  }
  if (framework === 'hono') {
    const server = serve({ fetch: honoApp(variant, secret).fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((resolve) => server.once('listening', resolve))
    return (server.address() as AddressInfo).port
  }
  const fastify = await fastifyApp(variant, secret)
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  return (fastify.server.address() as AddressInfo).port
}
