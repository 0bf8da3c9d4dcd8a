/**
 * A redis-server of the fault run's own, on a free port with its data in a temporary directory, stopped
 * the way an operator (or a failover) stops it: SHUTDOWN SAVE, so the claims and completions written
 * before the outage are there again when it returns. (The store's own fault test kills its server with
 * no persistence; that checks failing closed, not what survives a restart.) Never touches 6379.
 *
 * @module
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The run's own server. */
export interface OwnRedisServer {
  readonly url: string
  readonly port: number
  /** Saves its data and shuts it down: every connection drops, new ones are refused. */
  stop(): Promise<void>
  /** Starts it again on the same port, from the saved data. */
  start(): Promise<void>
  /** Stops it for good and deletes its directory. */
  dispose(): Promise<void>
}

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}

/**
 * Starts `redis-server` on a free loopback port, persisting to a temporary directory.
 *
 * @example
 * ```ts
 * const redis = await startOwnRedisServer()
 * await redis.stop() // mid-run: the receiver answers 503
 * await redis.start() // back with its data
 * await redis.dispose()
 * ```
 */
export async function startOwnRedisServer(): Promise<OwnRedisServer> {
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'crm-webhooks-redis-'))
  let child: ChildProcess | undefined

  async function start(): Promise<void> {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', 'dump.rdb'],
      { stdio: 'ignore' },
    )
    for (let attempt = 0; attempt < 100; attempt++) {
      const ping = await run('redis-cli', ['-p', String(port), 'ping']).catch(() => ({ stdout: '' }))
      if (ping.stdout.trim() === 'PONG') return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`redis-server on port ${port} did not start`)
  }

  async function stop(): Promise<void> {
    const running = child
    if (!running || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    // SHUTDOWN SAVE writes the data even with `--save ""`; the connection drops as it exits.
    await run('redis-cli', ['-p', String(port), 'shutdown', 'save']).catch(() => undefined)
    await exited
  }

  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    async dispose() {
      await stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
