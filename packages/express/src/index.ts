import type { IncomingMessage, ServerResponse } from 'node:http'
import { type Receiver, createNodeListener, declaresNoBody } from '@crm-webhooks/core'
import type { Request, RequestHandler, Response } from 'express'

declare global {
  namespace Express {
    interface Request {
      /** The raw body bytes, kept by {@link rawBodySaver} when a body parser ran before crm-webhooks. */
      rawBody?: Buffer
    }
  }
}

/**
 * A body-parser `verify` hook that keeps the raw bytes on `req.rawBody`, so crm-webhooks can verify them
 * even when `express.json()` or `express.urlencoded()` is mounted app-wide before it.
 *
 * @example
 * ```ts
 * app.use(express.json({ limit: '1mb', verify: rawBodySaver })) // the receiver's maxBodyBytes, not body-parser's 100 kB
 * app.all('/webhooks', crmWebhooks(receiver))
 * ```
 */
export function rawBodySaver(request: IncomingMessage, _response: ServerResponse, buffer: Buffer): void {
  ;(request as IncomingMessage & { rawBody?: Buffer }).rawBody = buffer
}

/**
 * The Express 4/5 handler: hands the raw bytes to the receiver and writes its answer as is, through the core's
 * node:http listener (with `Content-Length`; an answer Node refuses to write is the core's JSON 500, never
 * Express's error page, which shows the sender a stack outside production).
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { crmWebhooks } from '@crm-webhooks/express'
 *
 * const app = express()
 * app.all('/webhooks', crmWebhooks(receiver)) // before or without any body parser
 * app.listen(3000)
 * ```
 */
export function crmWebhooks(
  receiver: Pick<Receiver<any>, 'handleNodeRequest'>,
): RequestHandler & ((request: Request, response: Response) => Promise<void>) {
  // Bytes a parser kept are used; after a parser that kept none, its `req.body` goes to the core, which
  // answers body_already_parsed naming the fix (express.text()'s string included), unless the framing
  // declared no body (a signed DELETE's {}: nothing was lost); an unread stream is read by the core, bounded.
  const listener = createNodeListener({
    handleNodeRequest: (request) => {
      const { rawBody, readableEnded, body } = request as Request
      return receiver.handleNodeRequest(request, rawBody ?? (readableEnded && !declaresNoBody(request) ? body : undefined))
    },
  })
  // Callable without `next`; its promise, never rejected, ends with the answer written (a NestJS controller awaits it).
  return function crmWebhooksHandler(request: Request, response: Response) {
    return listener(request, response)
  }
}
