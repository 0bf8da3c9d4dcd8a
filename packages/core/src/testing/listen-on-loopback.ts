/**
 * Starting a node:http server for the conformance suite: 127.0.0.1, a free port, and a close that does
 * not wait for keep-alive connections.
 *
 * @module
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { StartedEntry } from './conformance-case.js'

/**
 * Listens on 127.0.0.1 with an ephemeral port and returns the webhook URL and a close function.
 *
 * @example
 * ```ts
 * const started = await listenOnLoopback(createServer(createNodeListener(receiver)))
 * await fetch(started.url, { method: 'POST', headers, body })
 * await started.close()
 * ```
 */
export async function listenOnLoopback(server: Server, path = '/webhooks'): Promise<StartedEntry> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        // Idle keep-alive sockets (fetch keeps them) would hold close() open until they time out.
        server.closeAllConnections()
      }),
  }
}
