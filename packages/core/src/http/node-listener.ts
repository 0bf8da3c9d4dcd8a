/**
 * The node:http entry point: `http.createServer(createNodeListener(receiver))`.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { toWebhookError } from '../errors.js'
import { errorResponse } from '../pipeline/respond.js'
import type { Receiver } from '../receiver.js'
import { writeNodeResponse } from './write-node-response.js'

/**
 * A `(req, res)` listener for node:http (and anything that speaks it). Type-only import of node:http:
 * nothing here loads a Node module at run time. Every answer goes out with its `Content-Length`, never
 * chunked (none for 204, 304 and HEAD, which have no content; see `writeNodeResponse`).
 *
 * A response Node refuses to write (a provider's own handshake answering status 99, or a header value with a
 * line break) is answered 500 `internal_error` instead, or, once the headers are out, ends the connection:
 * the listener's promise never rejects, which would end the process on Node's default. Called as Connect
 * and Express middleware, with `next`, it hands such a failure to `next(error)` instead, as Express expects.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * createServer(createNodeListener(receiver)).listen(3000)
 * ```
 */
export function createNodeListener(receiver: Pick<Receiver<any>, 'handleNodeRequest'>) {
  return async function crmWebhooksListener(
    request: IncomingMessage,
    response: ServerResponse,
    next?: (error: unknown) => void,
  ): Promise<void> {
    try {
      writeNodeResponse(request, response, await receiver.handleNodeRequest(request))
    } catch (error) {
      // Express's own handler ends the connection when the headers are out, and an app's may log first.
      if (next) return next(error)
      if (response.headersSent) {
        response.destroy()
        return
      }
      // What the refused answer set before Node refused it (with a middleware's headers in place, `writeHead`
      // sets them one by one) does not frame this one.
      response.removeHeader('content-length')
      response.removeHeader('transfer-encoding')
      writeNodeResponse(request, response, errorResponse(toWebhookError(error)))
    }
  }
}
