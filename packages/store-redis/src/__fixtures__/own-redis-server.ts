/**
 * A redis-server of the test's own, on a free port, for the fault tests: they freeze, stop and restart
 * it, and never touch the shared server on 6379.
 *
 * @module
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { type ServerControls, freeLoopbackPort, requireService } from '@crm-webhooks/core/testing'

const run = promisify(execFile)

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
 * Whether `redis-server` can be started (`REDIS_SERVER_BIN`, else the one on PATH), as `requireService`
 * tells: a notice and `false` when it cannot, a failure under `CI=true`. A reachable shared server does not
 * mean the binary is on this machine.
 *
 * @example
 * ```ts
 * const available = (await redisAvailable()) && (await redisServerBinaryAvailable())
 * ```
 */
export function redisServerBinaryAvailable(): Promise<boolean> {
  return requireService({
    name: 'redis-server (for a server of the test\'s own)',
    url: redisServerBin(),
    envVar: 'REDIS_SERVER_BIN',
    probe: () => run(redisServerBin(), ['--version']),
  })
}

function redisServerBin(): string {
  return process.env.REDIS_SERVER_BIN || 'redis-server'
}

/**
 * Starts `redis-server` on a free loopback port; `clusterEnabled` makes it a Redis Cluster node (of no slots:
 * give it some with `CLUSTER ADDSLOTSRANGE`), its cluster state in a temporary directory.
 *
 * @example
 * ```ts
 * const server = await startOwnRedisServer()
 * server.freeze()
 * ```
 */
export async function startOwnRedisServer(options: { clusterEnabled?: boolean } = {}): Promise<OwnRedisServer> {
  const port = await freeLoopbackPort()
  let child: ChildProcess | undefined
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  if (options.clusterEnabled) {
    args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(mkdtempSync(join(tmpdir(), 'crm-webhooks-redis-cluster-')), 'nodes.conf'))
  }

  async function start() {
    const started = spawn(redisServerBin(), args, {
      stdio: 'ignore',
    })
    child = started
    // A binary that cannot be spawned emits 'error', which unheard would end the test process.
    let spawnError: Error | undefined
    started.once('error', (error) => (spawnError = error))
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if (spawnError) throw new Error(`redis-server could not be started: ${spawnError.message}`, { cause: spawnError })
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
