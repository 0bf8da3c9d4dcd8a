/**
 * A redis-server of the test's own, on a free port, for the fault tests: they freeze, stop and restart
 * it, and never touch the shared server on 6379.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { connect } from 'node:net'
import { type ServerControls, freeLoopbackPort } from '@crm-webhooks/core/testing'

/** The test's own server; `stop` kills it and its data is gone (no persistence). */
export interface OwnRedisServer extends ServerControls {
  readonly url: string
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.setTimeout(500, () => socket.destroy())
    socket.once('error', () => resolve(false))
    socket.once('close', () => resolve(false))
    socket.once('data', (data) => {
      resolve(data.toString().startsWith('+PONG'))
      socket.destroy()
    })
    socket.once('connect', () => socket.write('PING\r\n'))
  })
}

/**
 * Starts `redis-server` on a free loopback port.
 *
 * @example
 * ```ts
 * const server = await startOwnRedisServer()
 * server.freeze()
 * ```
 */
export async function startOwnRedisServer(): Promise<OwnRedisServer> {
  const port = await freeLoopbackPort()
  let child: ChildProcess | undefined

  async function start() {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    })
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if (await answersPing(port)) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`redis-server on port ${port} did not start`)
  }

  async function stop() {
    const running = child
    if (!running || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGCONT')
    running.kill('SIGKILL')
    await exited
  }

  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    stop,
    start,
  }
}
