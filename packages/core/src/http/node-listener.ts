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
 * A response Node refuses to write (a provider's own handshake answering status 99 or 103, or a header value with a
 * line break) is answered 500 `internal_error` instead, or, once the headers are out, ends the connection:
 * the listener's promise never rejects, which would end the process on Node's default. Mounted as Connect or
 * Express middleware it answers the same JSON 500 itself, never handing it to `next`: Express's default error
 * handler would answer the sender an HTML page with the stack outside production.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * createServer(createNodeListener(receiver)).listen(3000)
 * ```
 */
export function createNodeListener(receiver: Pick<Receiver<any>, 'handleNodeRequest'>) {
  return async function crmWebhooksListener(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      writeNodeResponse(request, response, await receiver.handleNodeRequest(request))
    } catch (error) {
      if (response.headersSent) {
        response.destroy()
        return
      }
      // What the refused answer set before Node refused it (with a middleware's headers in place, `writeHead`
      // sets them one by one) does not frame this one.
      response.removeHeader('transfer-encoding')
      writeNodeResponse(request, response, errorResponse(toWebhookError(error)))
    }
  }
}
