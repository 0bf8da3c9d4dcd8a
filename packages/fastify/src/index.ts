import type { Readable } from 'node:stream'
import { type Receiver, type WebhookResponse, nodeRequestWithBody, responseContent } from '@crm-webhooks/core'
import type { FastifyContextConfig, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * What crm-webhooks answered, set on its route before the reply (for `onResponse` hooks and logs); `null`
     * on the other routes of the scope the plugin is registered in, and `undefined` outside that scope (a
     * decoration does not reach the parent of an encapsulated scope the plugin is registered in).
     */
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

/**
 * A media type Fastify 5 parses (lib/content-type.js: `type/subtype` of token characters, whatever the
 * parameters). Anything else it answers 415 before the app's hooks, so the plugin hides it from Fastify.
 * Should a type pass here and still fail there, Fastify's own typed 415 reaches the app's error handler.
 */
const FASTIFY_PARSEABLE_MEDIA_TYPE = /^\s*[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+\s*(?:;|$)/

const crmWebhooksPlugin: FastifyPluginAsync<CrmWebhooksOptions> = async function crmWebhooksPlugin(fastify, options) {
  const { receiver, path = '/webhooks', prefix } = options
  // Registered twice (one receiver per provider, each on its own path), the decorator is added once.
  if (!fastify.hasRequestDecorator('webhookResponse')) fastify.decorateRequest('webhookResponse', null)
  await fastify.register(async function crmWebhooksRoute(scope) {
    // In this encapsulated scope only, so the rest of the app keeps its parsers: every content type is
    // accepted and left unread, and the core reads the raw bytes itself with the receiver's size limit and
    // deadline (Fastify's own parsing would answer oversized bodies with its own code and never time out).
    //
    // The bytes are in the stream the app's preParsing hooks made of the request stream (a byte counter's
    // `payload.pipe(...)`), not in `request.raw`, piped into it. The parser is handed the stream every hook
    // made, route-level ones (added through onRoute) included; for a request Fastify parses nothing of (a
    // GET), this scope's own hook keeps what the hooks of the enclosing scopes made.
    const bodies = new WeakMap<FastifyRequest, Readable>()
    const keepTheBodyStream = (request: FastifyRequest, payload: Readable) => {
      if (payload !== request.raw) bodies.set(request, payload)
    }
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (request, payload, done) => {
      keepTheBodyStream(request, payload)
      done(null)
    })
    scope.addHook('preParsing', (request, _reply, payload, done) => {
      keepTheBodyStream(request, payload)
      done(null, payload)
    })
    async function crmWebhooksHandler(request: FastifyRequest, reply: FastifyReply) {
      const body = bodies.get(request)
      // A bodiless GET whose stream a route-level hook piped away reads as empty: the core judges by its framing.
      const out = await receiver.handleNodeRequest(body !== undefined ? nodeRequestWithBody(request.raw, body) : request.raw)
      request.webhookResponse = out
      // Fastify sends a string's Content-Length, a 304's and a HEAD answer's too, where RFC 9110 section 8.6 allows
      // only GET's (the receiver answers HEAD itself). Handed no payload, it sends none for 204, 304 and HEAD, 0 for 205.
      return reply.code(out.status).headers(out.headers).send(responseContent(out, request.method))
    }
    // Fastify answers 415 itself for a Content-Type it cannot parse (empty, `json`, `;;;`, `a/b, c/d`:
    // lib/handle-request.js), before the app's preValidation and preHandler hooks run. On this route the core
    // judges the type, from `request.raw` (an empty one is JSON, as on every other entry point; the rest get
    // its own 415), so Fastify is shown a neutral type instead and the request goes through every hook.
    scope.addHook('onRequest', function showFastifyAParseableType(request, _reply, done) {
      const contentType = request.raw.headers['content-type']
      if (contentType !== undefined && !FASTIFY_PARSEABLE_MEDIA_TYPE.test(contentType)) {
        // Fastify's setter lays this over `request.raw.headers`: hooks still read every other header. It replaces
        // what an earlier set laid there (an app's onRequest hook adding a header), so that is carried over.
        request.headers = { ...request.headers, 'content-type': 'application/octet-stream' }
      }
      done()
    })
    // fastify-raw-body, registered app-wide, reads the request stream beside the route (its hook hands on
    // the same stream), so the bytes flowed away from the core during the app's async hooks: this setting
    // of its own tells it to skip the route.
    scope.all(path, { config: { rawBody: false } as FastifyContextConfig }, crmWebhooksHandler)
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
