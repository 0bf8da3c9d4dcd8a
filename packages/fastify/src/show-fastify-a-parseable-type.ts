/**
 * Fastify answers 415 itself for a Content-Type it cannot parse (empty, `json`, `;;;`, `a/b, c/d`:
 * lib/handle-request.js), and 400 for a QUERY with none, before the app's preValidation and preHandler hooks
 * run. On the webhook route the core judges the type, from `request.raw` (an empty one is JSON, as on every
 * other entry point; the rest get its own 415), so Fastify is shown a neutral type instead and the request
 * goes through every hook.
 *
 * @module
 */
import type { onRequestHookHandler } from 'fastify'

/**
 * A media type Fastify 5 parses (lib/content-type.js: `type/subtype` of token characters, whatever the
 * parameters). Should a type pass here and still fail there, Fastify's own typed 415 reaches the app's
 * error handler.
 */
const FASTIFY_PARSEABLE_MEDIA_TYPE = /^\s*[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+\s*(?:;|$)/

/**
 * The onRequest hook that shows Fastify `application/octet-stream` in place of a Content-Type it would
 * refuse (or of none, on a QUERY).
 *
 * @example
 * ```ts
 * scope.addHook('onRequest', showFastifyAParseableType)
 * ```
 */
export const showFastifyAParseableType: onRequestHookHandler = function showFastifyAParseableType(request, _reply, done) {
  const contentType = request.raw.headers['content-type']
  // A QUERY without one is Fastify's own 400 (RFC 10008 section 2); the core answers it 405, as every method it does not take.
  const refused = contentType === undefined ? request.method === 'QUERY' : !FASTIFY_PARSEABLE_MEDIA_TYPE.test(contentType)
  if (refused) {
    // Fastify's setter lays this over `request.raw.headers`: hooks still read every other header. It replaces
    // what an earlier set laid there (an app's onRequest hook adding a header), so that is carried over.
    request.headers = { ...request.headers, 'content-type': 'application/octet-stream' }
    // Read once here, Fastify keeps the type it parsed (lib/handle-request.js reads that, not the header
    // again): a later hook that sets request.headers of its own replaces the swap, not what Fastify decided.
    void request.mediaType
  }
  done()
}
