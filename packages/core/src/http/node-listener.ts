/**
 * The node:http entry point: `http.createServer(createNodeListener(receiver))`.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Receiver } from '../receiver.js'

/**
 * A `(req, res)` listener for node:http (and anything that speaks it). Type-only import of node:http:
 * nothing here loads a Node module at run time.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * createServer(createNodeListener(receiver)).listen(3000)
 * ```
 */
export function createNodeListener(receiver: Pick<Receiver<any>, 'handleNodeRequest'>) {
  return async function crmWebhooksListener(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const out = await receiver.handleNodeRequest(request)
    response.writeHead(out.status, out.headers).end(out.body)
  }
}
