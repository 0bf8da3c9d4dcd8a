/**
 * Graceful shutdown end to end: a receiver process on the Redis store, shut down by SIGTERM in the
 * documented order (`server.close(async () => { await receiver.drain(); await store.close() })`) while
 * deliveries are in flight and handlers are still running (some past `handlerTimeoutMs`), then a fresh
 * process on the same store. The senders retry every delivery until it is acknowledged: each must have been
 * handled exactly once, and the first process must have exited by itself, with code 0, within a bound.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { type SampleDelivery, automatenexusFixtures, buildSampleDelivery } from '@crm-webhooks/core/providers'
import { type RedisClientType, createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REDIS_URL, deleteKeysUnder, redisAvailable, sleep, uniqueKeyPrefix } from './__fixtures__/redis-test-env.js'

const available = await redisAvailable()
const prefix = uniqueKeyPrefix('shutdown')
const SECRET = 'whsec-shutdown-test'
const DELIVERIES = 200
const LOCK_TTL_MS = 3_000
const HANDLER_TIMEOUT_MS = 200
const HANDLER_MAX_MS = 300
/** How long the first process may take to exit after SIGTERM: drain's default wait (the lease) and margin. */
const EXIT_BOUND_MS = LOCK_TTL_MS + 3_000
/** How long every delivery may take to be acknowledged, restart included. */
const DELIVERY_BOUND_MS = 20_000

const storeRedisDir = fileURLToPath(new URL('..', import.meta.url))
const moduleUrl = (path: string) => new URL(path, import.meta.url).href

/**
 * The receiver process: AutomateNexus over node:http on a fixed loopback port, the Redis store from its URL,
 * a handler taking 0-300 ms that records the record id it handled in a Redis list, and the documented
 * SIGTERM handler. It never calls process.exit: it must end by itself once everything is closed.
 */
const receiverScript = `
import { createServer } from 'node:http'
import { createClient } from 'redis'
import { createNodeListener, createReceiver } from ${JSON.stringify(moduleUrl('../../core/src/index.ts'))}
import { automatenexus } from ${JSON.stringify(moduleUrl('../../core/src/providers/index.ts'))}
import { createRedisStore } from ${JSON.stringify(moduleUrl('./index.ts'))}

const env = process.env
const log = createClient({ url: env.REDIS_URL })
log.on('error', () => {})
await log.connect()
const store = createRedisStore({ url: env.REDIS_URL, keyPrefix: env.KEY_PREFIX })
const receiver = createReceiver({
  provider: automatenexus,
  secret: env.SECRET,
  store,
  lockTtlMs: Number(env.LOCK_TTL_MS),
  handlerTimeoutMs: Number(env.HANDLER_TIMEOUT_MS),
})
receiver.onAny(async (event) => {
  await new Promise((resolve) => setTimeout(resolve, Math.random() * Number(env.HANDLER_MAX_MS)))
  await log.rPush(env.KEY_PREFIX + 'handled', event.data.id + ' ' + process.pid)
})
const server = createServer(createNodeListener(receiver))
server.listen(Number(env.PORT), '127.0.0.1', () => process.stdout.write('listening\\n'))
process.on('SIGTERM', () => {
  const at = Date.now()
  const mark = (what) => process.stdout.write(what + ' +' + (Date.now() - at) + 'ms\\n')
  server.close(async () => {
    mark('server closed')
    const drained = await receiver.drain()
    mark('drained ' + drained)
    await store.close()
    await log.close()
    mark('closed')
  })
})
`

interface ReceiverProcess {
  readonly child: ChildProcess
  readonly output: () => string
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const started: ChildProcess[] = []

async function startReceiver(port: number): Promise<ReceiverProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', receiverScript], {
    cwd: storeRedisDir,
    env: {
      ...process.env,
      REDIS_URL,
      KEY_PREFIX: prefix,
      SECRET,
      PORT: String(port),
      LOCK_TTL_MS: String(LOCK_TTL_MS),
      HANDLER_TIMEOUT_MS: String(HANDLER_TIMEOUT_MS),
      HANDLER_MAX_MS: String(HANDLER_MAX_MS),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  started.push(child)
  let text = ''
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const deadline = Date.now() + 15_000
  while (!text.includes('listening\n')) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`receiver exited before listening:\n${text}`)
    if (Date.now() > deadline) throw new Error(`receiver did not listen within 15 s:\n${text}`)
    await sleep(20)
  }
  return { child, output: () => text, exited }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/**
 * Posts one delivery on a connection of its own (`Connection: close`), as a fleet of senders would: no
 * keep-alive connection holds `server.close()` open, so SIGTERM's drain meets handlers still running. Past
 * `timeoutMs` the sender hangs up (the receiver's work goes on) and retries, as a sender with a short timeout would.
 */
function post(port: number, delivery: SampleDelivery, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port, path: '/webhooks', method: delivery.method, headers: { ...delivery.headers, connection: 'close' }, agent: false },
      (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (text += chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }))
        response.on('error', reject)
      },
    )
    const timer = setTimeout(() => outgoing.destroy(new Error('sender gave up')), timeoutMs)
    outgoing.on('close', () => clearTimeout(timer))
    outgoing.on('error', reject)
    outgoing.end(delivery.body)
  })
}

function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([promise, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))]).finally(() =>
    clearTimeout(timer),
  )
}

describe.skipIf(!available)('redis store: graceful shutdown under load, then a restart on the same store', () => {
  let client: RedisClientType

  beforeAll(async () => {
    client = createClient({ url: REDIS_URL })
    client.on('error', () => {})
    await client.connect()
  })
  afterAll(async () => {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await deleteKeysUnder(prefix)
    client?.destroy()
  })

  it('SIGTERM mid-load: no delivery handled twice, none lost, the process exits 0 by itself', { timeout: 28_000 }, async () => {
    const port = await freeLoopbackPort()
    const run = globalThis.crypto.randomUUID().slice(0, 8)
    const ids = Array.from({ length: DELIVERIES }, (_, index) => `deal_${run}_${index}`)
    const deliveries = await Promise.all(
      ids.map((id) =>
        buildSampleDelivery('automatenexus', 'deal.stage_changed', {
          secret: SECRET,
          data: { ...(automatenexusFixtures['deal.stage_changed'] as object), id },
        }),
      ),
    )

    const first = await startReceiver(port)
    const answers = new Map<string, number>()
    const tally = (kind: string) => answers.set(kind, (answers.get(kind) ?? 0) + 1)
    const giveUpAt = Date.now() + DELIVERY_BOUND_MS
    // A sender: resends until a 2xx, after a short backoff; 503, 409 and connection errors are retried.
    // Deliveries arrive over the first second, so some are still to come at SIGTERM; one attempt in six hangs
    // up early, leaving its claim (or the claim on its way) to the receiver alone.
    async function deliverUntilAcknowledged(delivery: SampleDelivery): Promise<boolean> {
      await sleep(Math.random() * 1_000)
      while (Date.now() < giveUpAt) {
        try {
          const hangUpAfterMs = Math.random() < 1 / 6 ? 20 + Math.random() * 250 : 5_000
          const response = await post(port, delivery, hangUpAfterMs)
          const body = JSON.parse(response.text) as { duplicate?: boolean; error?: { code?: string } }
          const ok = response.status >= 200 && response.status < 300
          tally(ok ? `${response.status}${body.duplicate ? ' duplicate' : ''}` : `${response.status} ${body.error?.code}`)
          if (ok) return true
          if (response.status !== 503 && response.status !== 409) throw new Error(`unexpected ${response.status} ${JSON.stringify(body)}`)
        } catch (error) {
          if (error instanceof Error && error.message.startsWith('unexpected')) throw error
          tally(error instanceof Error && error.message === 'sender gave up' ? 'sender hung up' : 'connection error')
        }
        await sleep(20 + Math.random() * 80)
      }
      return false
    }
    const sending = Promise.all(deliveries.map(deliverUntilAcknowledged))

    // SIGTERM once the load is well under way: some handled, many running or on their way.
    for (let waited = 0; (await client.lLen(`${prefix}handled`)) < 40 && waited < 5_000; waited += 10) await sleep(10)
    const handledBeforeSigterm = await client.lLen(`${prefix}handled`)
    const sigtermAt = Date.now()
    first.child.kill('SIGTERM')
    const firstExit = await withinMs(first.exited, EXIT_BOUND_MS)
    const firstExitMs = Date.now() - sigtermAt
    if (firstExit === 'timeout') first.child.kill('SIGKILL')

    const second = await startReceiver(port)
    const acknowledged = await sending
    const secondSigtermAt = Date.now()
    second.child.kill('SIGTERM')
    const secondExit = await withinMs(second.exited, EXIT_BOUND_MS)
    const secondExitMs = Date.now() - secondSigtermAt
    if (secondExit === 'timeout') second.child.kill('SIGKILL')

    const handled = await client.lRange(`${prefix}handled`, 0, -1)
    const runs = new Map<string, string[]>()
    for (const entry of handled) {
      const [id, pid] = entry.split(' ') as [string, string]
      runs.set(id, [...(runs.get(id) ?? []), pid])
    }
    const report = {
      handledBeforeSigterm,
      firstExit,
      firstExitMs,
      firstOutput: first.output(),
      secondExit,
      secondExitMs,
      secondOutput: second.output(),
      answers: Object.fromEntries(answers),
      handledBy: {
        first: handled.filter((entry) => entry.endsWith(` ${first.child.pid}`)).length,
        second: handled.filter((entry) => entry.endsWith(` ${second.child.pid}`)).length,
      },
    }
    // Printed on every run, for the record of what the run went through.
    console.info(JSON.stringify(report))

    expect(acknowledged.filter((ok) => !ok).length, 'deliveries never acknowledged').toBe(0)
    const lost = ids.filter((id) => !runs.has(id))
    const twice = [...runs].filter(([, pids]) => pids.length > 1).map(([id, pids]) => `${id} by ${pids.join(', ')}`)
    const unknown = [...runs.keys()].filter((id) => !ids.includes(id))
    expect({ lost, twice, unknown }, 'handled exactly once').toEqual({ lost: [], twice: [], unknown: [] })
    expect(handled.length).toBe(DELIVERIES)
    expect(firstExit).toEqual({ code: 0, signal: null })
    expect(firstExitMs).toBeLessThan(EXIT_BOUND_MS)
    expect(first.output()).toContain('drained true')
    expect(secondExit).toEqual({ code: 0, signal: null })
    for (const child of [first.child, second.child]) expect(child.exitCode !== null || child.signalCode !== null).toBe(true)
  })
})
