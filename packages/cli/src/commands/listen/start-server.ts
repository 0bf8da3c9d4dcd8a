/**
 * Serves a receiver on one path through node:http (the default) or one of the framework adapters, so
 * `listen --framework` exercises the same adapter an integrator mounts. Frameworks load lazily: a plain
 * `listen` never imports Express, Hono or Fastify.
 *
 * @module
 */
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Receiver, createNodeListener, nodeClientErrorListener } from '@crm-webhooks/core'

/** The `--framework` values; `node` is node:http without a framework. */
export const FRAMEWORKS = ['node', 'express', 'hono', 'fastify'] as const
export type Framework = (typeof FRAMEWORKS)[number]

/** Where to listen. */
export interface ListenAddress {
  readonly host: string
  readonly port: number
  readonly path: string
}

/** A server accepting connections. */
export interface RunningServer {
  /** `http://HOST:PORT/PATH`, with the port the system chose for port 0. */
  readonly url: string
  /**
   * Stops accepting, lets the requests in progress finish (their handlers, and the store recording each
   * outcome, which closing the store afterwards relies on) for at most `graceMs`, then cuts what is left.
   */
  close(graceMs: number): Promise<void>
  /** Cuts every connection now (a second Ctrl-C). */
  closeNow(): void
}

/** How often a closing server ends the keep-alive connections that went idle since (a response finished). */
const IDLE_SWEEP_MS = 50

function listening(server: Server, address: ListenAddress): Promise<void> {
  // What Node's HTTP parser refuses gets the receiver's JSON error with a code, not a bare status line.
  server.on('clientError', nodeClientErrorListener)
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(address.port, address.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/** `http://HOST:PORT/PATH` of a listening server (an IPv6 host in brackets). */
function urlOf(server: Server, address: ListenAddress): string {
  const { port } = server.address() as AddressInfo
  const host = address.host.includes(':') ? `[${address.host}]` : address.host
  return `http://${host}:${port}${address.path}`
}

function running(server: Server, address: ListenAddress): RunningServer {
  return {
    url: urlOf(server, address),
    close(graceMs) {
      return new Promise<void>((resolve) => {
        // Cutting every connection at once dropped deliveries mid-handler: the sender saw a reset and
        // retried, while the completion, made after the store had closed, was lost, so the event ran again
        // once the lease ended. Keep-alive sockets a sender left open would hold close() until they time
        // out, so the idle ones are ended now and as each in-progress response finishes.
        const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS)
        const cut = setTimeout(() => server.closeAllConnections(), graceMs)
        server.close(() => {
          clearInterval(sweep)
          clearTimeout(cut)
          resolve()
        })
        server.closeIdleConnections()
      })
    },
    closeNow: () => server.closeAllConnections(),
  }
}

/**
 * The path of a request target, or `undefined` when it does not parse as a URL. Node hands over the
 * target as sent, and an absolute form with a port over 65535 or a bracketed host that is no IPv6
 * address (`//[x`) makes `new URL` throw: unguarded, one such request stopped the whole listener.
 */
function pathOfTarget(target: string): string | undefined {
  try {
    return new URL(target, 'http://listen.invalid').pathname
  } catch {
    return undefined
  }
}

/** node:http: the receiver on `path`, 400 for a target that is no URL, 404 elsewhere. */
async function startNode(receiver: Receiver<any>, address: ListenAddress): Promise<RunningServer> {
  const listener = createNodeListener(receiver)
  const server = createServer((request, response) => {
    const path = pathOfTarget(request.url ?? '/')
    if (path === undefined) {
      response.writeHead(400, { 'content-type': 'text/plain' }).end('bad request: the request target is not a URL\n')
      return
    }
    if (path !== address.path) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found; webhooks go to ${address.path}\n`)
      return
    }
    void listener(request, response)
  })
  await listening(server, address)
  return running(server, address)
}

async function startExpress(receiver: Receiver<any>, address: ListenAddress): Promise<RunningServer> {
  const [{ default: express }, { crmWebhooks }] = await Promise.all([import('express'), import('@crm-webhooks/express')])
  const app = express()
  // Every method reaches the receiver, which answers 405 with the allowed ones.
  app.all(address.path, crmWebhooks(receiver))
  const server = createServer(app)
  await listening(server, address)
  return running(server, address)
}

async function startHono(receiver: Receiver<any>, address: ListenAddress): Promise<RunningServer> {
  const [{ Hono }, { getRequestListener }, { crmWebhooks }] = await Promise.all([
    import('hono'),
    import('@hono/node-server'),
    import('@crm-webhooks/hono'),
  ])
  const app = new Hono()
  app.all(address.path, crmWebhooks(receiver))
  const server = createServer(getRequestListener(app.fetch))
  await listening(server, address)
  return running(server, address)
}

async function startFastify(receiver: Receiver<any>, address: ListenAddress): Promise<RunningServer> {
  const [{ default: Fastify }, { crmWebhooks }] = await Promise.all([import('fastify'), import('@crm-webhooks/fastify')])
  const app = Fastify({ clientErrorHandler: nodeClientErrorListener })
  await app.register(crmWebhooks, { receiver, path: address.path })
  await app.listen({ port: address.port, host: address.host })
  // Fastify's close stops accepting, waits for the requests in progress and ends idle keep-alive
  // connections itself; the grace period still bounds it.
  return {
    url: urlOf(app.server, address),
    close: (graceMs) => {
      const cut = setTimeout(() => app.server.closeAllConnections(), graceMs)
      return app.close().finally(() => clearTimeout(cut))
    },
    closeNow: () => app.server.closeAllConnections(),
  }
}

/**
 * Starts `receiver` on `address` with `framework`.
 *
 * @example
 * ```ts
 * const server = await startServer('hono', receiver, { host: '127.0.0.1', port: 0, path: '/webhooks' })
 * console.log(server.url) // http://127.0.0.1:43117/webhooks
 * ```
 */
export function startServer(framework: Framework, receiver: Receiver<any>, address: ListenAddress): Promise<RunningServer> {
  switch (framework) {
    case 'node':
      return startNode(receiver, address)
    case 'express':
      return startExpress(receiver, address)
    case 'hono':
      return startHono(receiver, address)
    case 'fastify':
      return startFastify(receiver, address)
  }
}
