/**
 * Every entry point a receiver can be served through, started on 127.0.0.1 (free port) the way an
 * integrator mounts it: Express, Hono on @hono/node-server, Fastify, node:http and `receiver.fetch`.
 *
 * @module
 */
import { createServer } from 'node:http'
import { type Receiver, createNodeListener } from '@crm-webhooks/core'
import { type StartedEntry, listenOnLoopback } from '@crm-webhooks/core/testing'
import { crmWebhooks as expressWebhooks } from '@crm-webhooks/express'
import { crmWebhooks as fastifyWebhooks } from '@crm-webhooks/fastify'
import { crmWebhooks as honoWebhooks } from '@crm-webhooks/hono'
import { getRequestListener } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'

/**
 * The entry points, by name.
 *
 * @example
 * ```ts
 * for (const kind of ENTRY_KINDS) await runLoad(kind, options)
 * ```
 */
export const ENTRY_KINDS = ['express', 'hono', 'fastify', 'node:http', 'fetch'] as const
/** One of {@link ENTRY_KINDS}. */
export type EntryKind = (typeof ENTRY_KINDS)[number]

/**
 * Serves `receiver` at `/webhooks` through `kind`; resolves with the URL and a close function.
 *
 * @example
 * ```ts
 * const started = await startEntryServer('fastify', receiver)
 * await fetch(started.url, { method: 'POST', headers, body })
 * await started.close()
 * ```
 */
export async function startEntryServer(kind: EntryKind, receiver: Receiver<any>): Promise<StartedEntry> {
  switch (kind) {
    case 'express': {
      const app = express()
      app.post('/webhooks', expressWebhooks(receiver))
      return listenOnLoopback(createServer(app))
    }
    case 'hono': {
      const app = new Hono()
      app.post('/webhooks', honoWebhooks(receiver))
      return listenOnLoopback(createServer(getRequestListener(app.fetch)))
    }
    case 'fastify': {
      const app = Fastify()
      await app.register(fastifyWebhooks, { receiver, path: '/webhooks' })
      const address = await app.listen({ port: 0, host: '127.0.0.1' })
      return { url: `${address}/webhooks`, close: () => app.close() }
    }
    case 'node:http':
      return listenOnLoopback(createServer(createNodeListener(receiver)))
    case 'fetch':
      return listenOnLoopback(createServer(getRequestListener((request: Request) => receiver.fetch(request))))
  }
}
