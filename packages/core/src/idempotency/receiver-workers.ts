/**
 * Several receiver processes sharing one store, for the exactly-once tests across instances: the
 * parent forks worker scripts (JavaScript, or TypeScript run through tsx), each serving the contract
 * provider over node:http on 127.0.0.1, and posts deliveries to them as a load balancer would.
 *
 * @module
 */
import { type ChildProcess, fork } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createNodeListener } from '../http/node-listener.js'
import { createReceiver } from '../receiver.js'
import type { WebhookEvent } from '../types.js'
import type { IdempotencyStore } from './idempotency-store.js'
import { CONTRACT_SECRET, contractProvider } from './contract-provider.js'

/** What a worker process serves. */
export interface ReceiverWorkerOptions {
  /** The shared store (Redis, PostgreSQL, ...). */
  store: IdempotencyStore
  /** The handler of `record.updated`: count the run where the parent can see it (the store's server, a file). */
  handle: (event: WebhookEvent<'record.updated', { record: string; version: number }>) => Promise<void>
  lockTtlMs?: number
  handlerTimeoutMs?: number
}

/**
 * Worker side: serves a receiver on a free loopback port, tells the parent the port, and exits when the
 * parent goes away.
 *
 * @example
 * ```ts
 * // my-worker.ts, forked by startReceiverWorkers
 * await serveReceiverWorker({ store: createRedisStore({ url }), handle: async () => { await redis.incr('runs') } })
 * ```
 */
export async function serveReceiverWorker(options: ReceiverWorkerOptions): Promise<void> {
  const receiver = createReceiver({
    provider: contractProvider,
    secret: CONTRACT_SECRET,
    store: options.store,
    ...(options.lockTtlMs ? { lockTtlMs: options.lockTtlMs } : {}),
    ...(options.handlerTimeoutMs ? { handlerTimeoutMs: options.handlerTimeoutMs } : {}),
  }).on('record.updated', options.handle)
  const server = createServer(createNodeListener(receiver))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  process.on('disconnect', () => {
    server.closeAllConnections()
    server.close()
    // A store without close() (it is optional) exits at once; a store's client would otherwise keep the
    // worker alive after its parent has gone.
    void Promise.resolve(options.store.close?.()).finally(() => process.exit(0))
  })
  process.send?.({ port: (server.address() as AddressInfo).port })
}

/** Options of {@link startReceiverWorkers}. */
export interface ReceiverWorkersOptions {
  /**
   * Absolute path of the worker script, which calls {@link serveReceiverWorker}. A `.ts`, `.mts` or `.cts`
   * script runs through tsx (`--import tsx`: install `tsx` next to vitest); a JavaScript one runs as is.
   */
  script: string
  /** Node options of the workers; default `['--import', 'tsx']` for a TypeScript script, none otherwise. */
  execArgv?: readonly string[]
  count: number
  /** Extra environment of the workers (URLs, key prefixes, table names). */
  env?: Record<string, string>
  /** Longest wait for every worker to listen; default 60 s (tsx compiles on start). */
  startTimeoutMs?: number
}

/** What a worker answered, parsed. */
export interface WorkerAnswer {
  status: number
  body: { ok: boolean; duplicate?: boolean; error?: { code: string } }
}

/** The running workers. */
export interface ReceiverWorkers {
  /** Each worker's webhook URL. */
  readonly urls: readonly string[]
  /** Posts a signed request to worker `index`; resolves with its status and parsed body. */
  deliver(index: number, request: { headers: Record<string, string>; rawBody: string }): Promise<WorkerAnswer>
  /** Kills worker `index` at once (SIGKILL): a crash, with no chance to complete or release its claims. */
  crash(index: number): Promise<void>
  stop(): Promise<void>
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()))
}

/**
 * The Node options a worker runs with: the caller's, else tsx for a TypeScript script and none otherwise.
 *
 * @example
 * ```ts
 * workerExecArgv({ script: '/app/worker.ts' })  // ['--import', 'tsx']
 * workerExecArgv({ script: '/app/worker.mjs' }) // []
 * ```
 */
export function workerExecArgv(options: Pick<ReceiverWorkersOptions, 'script' | 'execArgv'>): string[] {
  if (options.execArgv) return [...options.execArgv]
  return /\.[cm]?ts$/.test(options.script) ? ['--import', 'tsx'] : []
}

/**
 * Parent side: forks `count` workers and waits until each listens.
 *
 * @example
 * ```ts
 * const workers = await startReceiverWorkers({ script: fileURLToPath(new URL('./worker.ts', import.meta.url)), count: 3 })
 * const { status } = await workers.deliver(0, await signContractDelivery({ id: 'evt_1' }))
 * await workers.stop()
 * ```
 */
export async function startReceiverWorkers(options: ReceiverWorkersOptions): Promise<ReceiverWorkers> {
  const children = Array.from({ length: options.count }, () =>
    fork(options.script, [], {
      execArgv: workerExecArgv(options),
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  )
  async function stop() {
    for (const child of children) if (child.connected) child.disconnect()
    const settled = Promise.all(children.map(exited))
    const timer = setTimeout(() => children.forEach((child) => child.kill('SIGKILL')), 5_000)
    await settled
    clearTimeout(timer)
  }
  const timeoutMs = options.startTimeoutMs ?? 60_000
  let timer: ReturnType<typeof setTimeout> | undefined
  let ports: number[]
  try {
    ports = await Promise.race([
      Promise.all(
        children.map(
          (child) =>
            new Promise<number>((resolve, reject) => {
              child.once('message', (message: { port: number }) => resolve(message.port))
              child.once('exit', (code) => reject(new Error(`worker exited with ${code} before listening`)))
            }),
        ),
      ),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`workers did not listen within ${timeoutMs} ms`)), timeoutMs)
      }),
    ])
  } catch (error) {
    await stop()
    throw error
  } finally {
    clearTimeout(timer)
  }
  const urls = ports.map((port) => `http://127.0.0.1:${port}/webhooks`)
  return {
    urls,
    async deliver(index, request) {
      const response = await fetch(urls[index]!, { method: 'POST', headers: request.headers, body: request.rawBody })
      return { status: response.status, body: (await response.json()) as WorkerAnswer['body'] }
    },
    async crash(index) {
      const child = children[index]!
      child.kill('SIGKILL')
      await exited(child)
    },
    stop,
  }
}
