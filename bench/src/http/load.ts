/**
 * The HTTP benchmark's driver: each server runs in its own forked process, autocannon runs here, on loopback,
 * with a bounded duration. Every request is a distinct, correctly signed 4 KB AutomateNexus event (the
 * pipeline's idempotency store must claim each one, never answer a duplicate). Rounds alternate the
 * order of the variants, and each ratio compares two runs of the same round.
 *
 * @module
 */
import { type ChildProcess, fork } from 'node:child_process'
import autocannon from 'autocannon'
import { hmacHex } from '../deliveries.js'
import { type CrmEventBody, uniqueDelivery } from '../payloads.js'
import { FRAMEWORKS, type Framework, SIGNATURE_HEADER, VARIANTS, type Variant } from './servers.js'

/** One autocannon run. */
export interface HttpRun {
  readonly requestsPerSecond: number
  readonly p99Ms: number
  /** The server process's CPU time (user + system) per request answered. */
  readonly cpuMicrosPerRequest: number
  /** Requests answered. */
  readonly requests: number
}

/** Every run of one framework and variant, and its ratios to the same framework's other variants. */
export interface HttpResult {
  readonly framework: Framework
  readonly variant: Variant
  readonly runs: HttpRun[]
  /** Per round: this variant's requests/s over the same round's `inline` and `bare`. */
  readonly toInline: number[]
  readonly toBare: number[]
  /** Per round: the same round's `inline` CPU time per request over this variant's. */
  readonly cpuToInline: number[]
}

/** Options of {@link runHttp}. */
export interface HttpOptions {
  readonly serverEntry: string
  readonly secret: string
  readonly event: CrmEventBody
  readonly rounds: number
  readonly durationSeconds: number
  readonly connections: number
  readonly log?: (line: string) => void
}

let sequence = 1_000_000_000

function signedRequest(event: CrmEventBody, secret: string, tamper = false) {
  const body = uniqueDelivery(event, ++sequence)
  const headers = { 'content-type': 'application/json', [SIGNATURE_HEADER]: hmacHex(secret, body) }
  if (tamper) body[event.revisionOffset] = body[event.revisionOffset] === 0x31 ? 0x32 : 0x31
  return { body, headers }
}

/**
 * Forks one server process (`contender` is `<framework>/<variant>`) and waits for its port; `execArgv`
 * passes Node flags to it (`--cpu-prof`, for bench/src/profile-http.ts).
 *
 * @example
 * ```ts
 * const { child, port } = await startServerProcess(entries.server, secret, 'fastify/inline')
 * ```
 */
export async function startServerProcess(
  entry: string,
  secret: string,
  contender: string,
  execArgv: string[] = [],
): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(entry, [contender], { execArgv, env: { ...process.env, BENCH_SECRET: secret }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port))
    child.once('exit', (code) => reject(new Error(`the ${contender} server process exited with ${code} before listening`)))
  })
  return { child, port }
}

async function mustAcceptAndReject(url: string, event: CrmEventBody, secret: string, verifies: boolean): Promise<void> {
  const good = signedRequest(event, secret)
  const accepted = await fetch(url, { method: 'POST', headers: good.headers, body: new Uint8Array(good.body) })
  if (accepted.status !== 200) throw new Error(`${url} answered ${accepted.status} to a signed delivery: ${await accepted.text()}`)
  if (!verifies) return
  const bad = signedRequest(event, secret, true)
  const rejected = await fetch(url, { method: 'POST', headers: bad.headers, body: new Uint8Array(bad.body) })
  if (rejected.status !== 401) throw new Error(`${url} answered ${rejected.status} to a tampered delivery`)
}

type ServerProcess = ChildProcess

function serverCpuMicros(child: ServerProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    // A server process that died mid-run would never answer: the run fails instead of waiting for ever.
    const exited = (code: number | null) => reject(new Error(`the server process exited with ${code} during the run`))
    if (child.exitCode !== null) return exited(child.exitCode)
    child.once('exit', exited)
    child.once('message', (message) => {
      child.off('exit', exited)
      const { user, system } = (message as { cpu: { user: number; system: number } }).cpu
      resolve(user + system)
    })
    child.send('cpu')
  })
}

/**
 * One autocannon run of `options.durationSeconds` against `url`, each request a distinct signed delivery;
 * throws on any error, timeout or non-2xx answer.
 *
 * @example
 * ```ts
 * const run = await load(url, options, child)
 * ```
 */
export async function load(url: string, options: HttpOptions, child: ServerProcess): Promise<HttpRun> {
  const cpuBefore = await serverCpuMicros(child)
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.durationSeconds,
    requests: [
      {
        method: 'POST',
        setupRequest(request) {
          // autocannon hands over a fresh object per request: filled in place, since a spread with more
          // members costs the load generator a microsecond a request on Node 20.
          const { body, headers } = signedRequest(options.event, options.secret)
          request.body = body
          request.headers = headers
          return request
        },
      },
    ],
  })
  if (result.errors || result.timeouts || result.non2xx) {
    throw new Error(`${url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx responses`)
  }
  const cpuMicros = (await serverCpuMicros(child)) - cpuBefore
  return { requestsPerSecond: result.requests.average, p99Ms: result.latency.p99, cpuMicrosPerRequest: cpuMicros / result.requests.total, requests: result.requests.total }
}

/**
 * Runs every framework and variant for `rounds` alternating rounds.
 *
 * @example
 * ```ts
 * const results = await runHttp({ serverEntry, secret, event, rounds: 3, durationSeconds: 3, connections: 32 })
 * ```
 */
export async function runHttp(options: HttpOptions): Promise<HttpResult[]> {
  const log = options.log ?? (() => {})
  const servers = new Map<string, { child: ChildProcess; url: string }>()
  try {
    const results = new Map<string, HttpResult>()
    for (const framework of FRAMEWORKS) {
      for (const variant of VARIANTS) {
        const { child, port } = await startServerProcess(options.serverEntry, options.secret, `${framework}/${variant}`)
        const url = `http://127.0.0.1:${port}/webhooks`
        servers.set(`${framework}/${variant}`, { child, url })
        await mustAcceptAndReject(url, options.event, options.secret, variant !== 'bare')
        results.set(`${framework}/${variant}`, { framework, variant, runs: [], toInline: [], toBare: [], cpuToInline: [] })
      }
    }
    log('http: every server accepts a signed delivery, and every verifying one rejects a tampered body')
    // One untimed run each first, so every server is JIT-compiled and its connections open before timing.
    for (const { child, url } of servers.values()) await load(url, { ...options, durationSeconds: 1 }, child)
    log('http: warmed up')
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? [...VARIANTS] : [...VARIANTS].reverse()
      for (const framework of round % 2 === 0 ? FRAMEWORKS : [...FRAMEWORKS].reverse()) {
        const thisRound = new Map<Variant, HttpRun>()
        for (const variant of order) {
          const { child, url } = servers.get(`${framework}/${variant}`)!
          const run = await load(url, options, child)
          thisRound.set(variant, run)
          results.get(`${framework}/${variant}`)!.runs.push(run)
          log(
            `http: round ${round + 1} ${framework}/${variant} ${run.requestsPerSecond.toFixed(0)} req/s, p99 ${run.p99Ms} ms, ` +
              `${run.cpuMicrosPerRequest.toFixed(0)} us CPU/request`,
          )
        }
        for (const variant of VARIANTS) {
          const result = results.get(`${framework}/${variant}`)!
          result.toInline.push(thisRound.get(variant)!.requestsPerSecond / thisRound.get('inline')!.requestsPerSecond)
          result.toBare.push(thisRound.get(variant)!.requestsPerSecond / thisRound.get('bare')!.requestsPerSecond)
          result.cpuToInline.push(thisRound.get('inline')!.cpuMicrosPerRequest / thisRound.get(variant)!.cpuMicrosPerRequest)
        }
      }
    }
    return [...results.values()]
  } finally {
    for (const { child } of servers.values()) {
      child.disconnect()
      child.kill()
    }
  }
}
