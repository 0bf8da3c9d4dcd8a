/**
 * The node:http entry point: `http.createServer(createNodeListener(receiver))`.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { toWebhookError } from '../errors.js'
import { errorResponse } from '../pipeline/respond.js'
import type { Receiver } from '../receiver.js'

/**
 * A `(req, res)` listener for node:http (and anything that speaks it). Type-only import of node:http:
 * nothing here loads a Node module at run time.
 *
 * A response Node refuses to write (a provider's own handshake answering status 99, or a header value with a
 * line break) is answered 500 `internal_error` instead, or, once the headers are out, ends the connection:
 * the listener's promise never rejects, which would end the process on Node's default.
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
      const out = await receiver.handleNodeRequest(request)
      response.writeHead(out.status, out.headers).end(out.body)
    } catch (error) {
      if (response.headersSent) {
        response.destroy()
        return
      }
      const out = errorResponse(toWebhookError(error))
      response.writeHead(out.status, out.headers).end(out.body)
    }
  }
}
