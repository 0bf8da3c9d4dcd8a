import type { Receiver, WebhookResponse } from '@crm-webhooks/core'
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyRequest {
    /** What crm-webhooks answered, set on its route before the reply (for `onResponse` hooks and logs). */
    webhookResponse: WebhookResponse | null
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
  await fastify.register(async function crmWebhooksRoute(scope) {
    // In this encapsulated scope only, so the rest of the app keeps its parsers: every content type is
    // accepted and left unread, and the core reads the raw bytes itself with the receiver's size limit and
    // deadline (Fastify's own parsing would answer oversized bodies with its own code and never time out).
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null))
    async function crmWebhooksHandler(request: FastifyRequest, reply: FastifyReply) {
      const out = await receiver.handleNodeRequest(request.raw)
      request.webhookResponse = out
      return reply.code(out.status).headers(out.headers).send(out.body)
    }
    scope.all(path, crmWebhooksHandler)
    // Fastify answers 415 itself, before any parser runs, for a Content-Type it cannot parse (empty, `json`,
    // `;;;`, `a/b, c/d`: lib/handle-request.js); the body is still unread, so the core answers it as on every
    // other entry point. Rethrown, every other error reaches the app's error handler as before.
    scope.setErrorHandler(async function crmWebhooksMediaTypeHandler(error: FastifyError, request, reply) {
      if (error.code !== 'FST_ERR_CTP_INVALID_MEDIA_TYPE') throw error
      return crmWebhooksHandler(request, reply)
    })
    // fastify-plugin's skip-override leaves `register`'s own prefix unapplied to this plugin: the route
    // scope takes it instead, so `register(crmWebhooks, { prefix: '/crm' })` serves /crm/webhooks.
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
