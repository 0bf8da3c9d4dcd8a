/**
 * A PostgreSQL server of the test's own: initdb into a temporary directory, pg_ctl on a free port with
 * its socket in /tmp, for the fault tests that freeze, stop and restart it. The shared server on 5432
 * is never touched. As root, the binaries run as the `postgres` user (initdb refuses root).
 *
 * @module
 */
import { execFile, execFileSync } from 'node:child_process'
import { chownSync, constants, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { access } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { type ServerControls, freeLoopbackPort, requireService } from '@crm-webhooks/core/testing'

const run = promisify(execFile)

/**
 * The test's own server: `stop` is `pg_ctl -m immediate` (like a crash), `start` brings it back with its
 * data, `freeze` stops the postmaster and its backends.
 */
export interface OwnPostgresServer extends ServerControls {
  readonly connectionString: string
  /** Stops it and deletes its directory. */
  destroy(): Promise<void>
}

/**
 * Where the PostgreSQL server binaries are: `POSTGRES_BIN_DIR`, else the newest under /usr/lib/postgresql
 * (Debian keeps them out of PATH), or undefined when there are none.
 */
export function postgresBinDir(): string | undefined {
  if (process.env.POSTGRES_BIN_DIR) return process.env.POSTGRES_BIN_DIR
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))
    return versions.length ? `/usr/lib/postgresql/${versions[0]}/bin` : undefined
  } catch {
    return undefined
  }
}

/**
 * Whether the binaries the test's own server needs are there, as `requireService` tells: a notice and
 * `false` when they are not, a failure under `CI=true` (the fault tests must not pass by skipping there).
 *
 * @example
 * ```ts
 * const available = (await postgresAvailable()) && (await postgresBinariesAvailable())
 * ```
 */
export function postgresBinariesAvailable(): Promise<boolean> {
  const bin = postgresBinDir()
  return requireService({
    name: 'PostgreSQL server binaries (initdb, pg_ctl)',
    url: bin ?? '/usr/lib/postgresql/<version>/bin',
    envVar: 'POSTGRES_BIN_DIR',
    probe: async () => {
      if (!bin) throw new Error('none installed')
      for (const tool of ['initdb', 'pg_ctl']) await access(join(bin, tool), constants.X_OK)
    },
  })
}

/**
 * Creates the cluster and starts it.
 *
 * @example
 * ```ts
 * const server = await startOwnPostgresServer()
 * await server.stop()
 * ```
 */
export async function startOwnPostgresServer(): Promise<OwnPostgresServer> {
  const bin = postgresBinDir()
  if (!bin) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql')
  const asRoot = process.getuid?.() === 0
  const command = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args)
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-webhooks-pg-'))
  if (asRoot) {
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres']).toString()))
    chownSync(dataDir, uid!, gid!)
  }
  await command('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8'])
  const port = await freeLoopbackPort()
  const options = `-p ${port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off`

  function processIds(): number[] {
    const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)]).toString().split(/\s+/).filter(Boolean)
    return [postmaster, ...children.map(Number)]
  }
  const start = async () => void (await command('pg_ctl', ['-D', dataDir, '-o', options, '-l', join(dataDir, 'log'), '-w', 'start']))
  const stop = async () => void (await command('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']))

  await start()
  return {
    connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
    freeze: () => processIds().forEach((pid) => process.kill(pid, 'SIGSTOP')),
    thaw: () => processIds().forEach((pid) => process.kill(pid, 'SIGCONT')),
    stop,
    start,
    async destroy() {
      await stop().catch(() => undefined)
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
