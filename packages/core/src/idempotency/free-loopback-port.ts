/**
 * A TCP port free on 127.0.0.1 right now, for a server a test starts itself (a redis-server, a
 * PostgreSQL cluster) beside the shared ones.
 *
 * @module
 */
import { createServer } from 'node:net'

/**
 * Binds port 0, reads the port the system chose and frees it again.
 *
 * @example
 * ```ts
 * const port = await freeLoopbackPort()
 * spawn('redis-server', ['--port', String(port)])
 * ```
 */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}
