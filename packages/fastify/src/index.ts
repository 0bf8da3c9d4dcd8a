import { type Receiver, type WebhookResponse, responseContent } from '@crm-webhooks/core'
import type { FastifyContextConfig, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { keepBodyStreams } from './keep-body-streams.js'
import { showFastifyAParseableType } from './show-fastify-a-parseable-type.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** What crm-webhooks answered (for `onResponse` hooks, logs); `null` on the scope's other routes, `undefined` outside it. */
    webhookResponse: WebhookResponse | null | undefined
  }
}

/** Options of the {@link crmWebhooks} plugin. */
export interface CrmWebhooksOptions {
  receiver: Pick<Receiver<any>, 'handleNodeRequest'>
  /** The webhook route, under the prefix the plugin is registered with; default `/webhooks`. */
  path?: string
  /** Fastify's own `register` option: the route goes under it (and under any prefix of the scope). */
  prefix?: string
}

const crmWebhooksPlugin: FastifyPluginAsync<CrmWebhooksOptions> = async function crmWebhooksPlugin(fastify, options) {
  const { receiver, path = '/webhooks', prefix } = options
  // Registered twice (one receiver per provider, each on its own path), the decorator is added once.
  if (!fastify.hasRequestDecorator('webhookResponse')) fastify.decorateRequest('webhookResponse', null)
  // fastify-plugin leaves `register`'s own prefix unapplied: the route's scope takes it (/crm/webhooks).
  await fastify.register(async function crmWebhooksRoute(scope) {
    const nodeRequestOf = keepBodyStreams(scope)
    scope.addHook('onRequest', showFastifyAParseableType)
    async function crmWebhooksHandler(request: FastifyRequest, reply: FastifyReply) {
      // A bodiless GET whose stream a route-level hook piped away reads as empty: the core judges by its framing.
      const out = await receiver.handleNodeRequest(nodeRequestOf(request))
      request.webhookResponse = out
      // Fastify sends a string's Content-Length, a 304's and a HEAD answer's too, where RFC 9110 section 8.6 allows
      // only GET's (the receiver answers HEAD itself). Handed no payload, it sends none for 204, 304 and HEAD, 0 for 205.
      return reply.code(out.status).headers(out.headers).send(responseContent(out, request.method))
    }
    // fastify-raw-body, if registered app-wide, would read the stream beside the core: told to skip this route.
    scope.all(path, { config: { rawBody: false } as FastifyContextConfig }, crmWebhooksHandler)
  }, prefix === undefined ? {} : { prefix })
}

/**
 * The Fastify 5 plugin: a webhook route in its own encapsulated context, answering with the receiver's
 * status, headers and JSON body.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { crmWebhooks } from '@crm-webhooks/fastify'
 *
 * const app = Fastify()
 * await app.register(crmWebhooks, { receiver, path: '/webhooks' })
 * await app.listen({ port: 3000 })
 * ```
 */
export const crmWebhooks = fp(crmWebhooksPlugin, { fastify: '5.x', name: '@crm-webhooks/fastify' })
