/**
 * Mixed webhook traffic for the load and fault runs, and a sender that behaves like the seeds' senders:
 * genuine deliveries, exact resends of them (a manual resend, a retry crossing the first attempt) and
 * forgeries, sent at a bounded concurrency; genuine ones retried on anything but 2xx until acknowledged.
 *
 * @module
 */
import { seededRandom } from '../../packages/core/src/reliability/seeded-random.js'
import { CONTRACT_SECRET, contractProvider, signContractDelivery } from '@crm-webhooks/core/testing'

/** What a delivery is, from the sender's side. */
export type DeliveryKind = 'valid' | 'duplicate' | 'forged'

/** One request the traffic will send. */
export interface PlannedDelivery {
  readonly kind: DeliveryKind
  /** The event id (the idempotency key); a duplicate shares its original's. */
  readonly id: string
  readonly headers: Record<string, string>
  readonly body: string
}

/** Options of {@link planTraffic}. */
export interface TrafficPlanOptions {
  valid: number
  duplicates: number
  forged: number
  /** Prefix of the event ids, so runs sharing a store never collide. */
  idPrefix: string
  seed?: number
}

/**
 * Signs `valid` distinct events, picks `duplicates` of them to send again, forges `forged` (a tampered
 * body, a wrong secret, no signature, a signature lifted from another body), and shuffles the lot.
 *
 * @example
 * ```ts
 * const plan = await planTraffic({ valid: 1000, duplicates: 200, forged: 200, idPrefix: 'run1-' })
 * ```
 */
export async function planTraffic(options: TrafficPlanOptions): Promise<PlannedDelivery[]> {
  const random = seededRandom(options.seed ?? 8)
  const plan: PlannedDelivery[] = []
  for (let index = 0; index < options.valid; index++) {
    const id = `${options.idPrefix}evt-${index}`
    const signed = await signContractDelivery({ id, version: index + 1 })
    plan.push({ kind: 'valid', id, headers: signed.headers, body: signed.rawBody })
  }
  for (let index = 0; index < options.duplicates; index++) {
    const original = plan[Math.floor(random() * options.valid)]!
    plan.push({ ...original, kind: 'duplicate' })
  }
  const signatureHeader = contractProvider.scheme.signatureHeader
  for (let index = 0; index < options.forged; index++) {
    const id = `${options.idPrefix}forged-${index}`
    const genuine = await signContractDelivery({ id })
    const variant = index % 4
    const headers = { ...genuine.headers }
    let body = genuine.rawBody
    if (variant === 0) body = body.replace('"version":1', '"version":2') // tampered after signing
    if (variant === 1) Object.assign(headers, await contractProvider.scheme.sign({ body }, `not-${CONTRACT_SECRET}`))
    if (variant === 2) delete headers[signatureHeader]
    if (variant === 3) headers[signatureHeader] = plan[index % Math.max(1, options.valid)]?.headers[signatureHeader] ?? 'ab'
    plan.push({ kind: 'forged', id, headers, body })
  }
  for (let index = plan.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1))
    ;[plan[index], plan[other]] = [plan[other]!, plan[index]!]
  }
  return plan
}

/** What became of one planned delivery. */
export interface DeliveryResult {
  readonly delivery: PlannedDelivery
  /** Every status the sender saw, in order (0 for a connection failure). */
  readonly statuses: number[]
  /** The body of the last answer. */
  readonly lastBody: string
  /** Time of each attempt, ms. */
  readonly latenciesMs: number[]
}

/** Options of {@link sendTraffic}. */
export interface SendTrafficOptions {
  concurrency: number
  /** Attempts per genuine delivery before giving up; default 1 (no retries). */
  maxAttempts?: number
  /** Wait before a retry, ms; default 100. The seeds wait minutes; fault runs scale that down. */
  retryDelayMs?: number
  /** Stop retrying past this total time, ms; default 60 s. */
  deadlineMs?: number
}

/**
 * Sends the plan to `url` with at most `concurrency` requests in flight. Genuine deliveries are retried
 * while the answer is not 2xx, as every seed sender does; forgeries only until they get an answer. Given
 * several URLs (the instances behind a load balancer), each attempt goes to the next one, so a retry
 * lands elsewhere.
 *
 * @example
 * ```ts
 * const results = await sendTraffic(url, plan, { concurrency: 32, maxAttempts: 50, retryDelayMs: 50 })
 * ```
 */
export async function sendTraffic(
  url: string | readonly string[],
  plan: readonly PlannedDelivery[],
  options: SendTrafficOptions,
): Promise<DeliveryResult[]> {
  const urls = typeof url === 'string' ? [url] : url
  const results: DeliveryResult[] = new Array(plan.length)
  const maxAttempts = options.maxAttempts ?? 1
  const giveUpAt = Date.now() + (options.deadlineMs ?? 60_000)
  let next = 0
  async function worker(): Promise<void> {
    for (let index = next++; index < plan.length; index = next++) {
      const delivery = plan[index]!
      const result: DeliveryResult = { delivery, statuses: [], lastBody: '', latenciesMs: [] }
      results[index] = result
      for (let attempt = 1; ; attempt++) {
        const startedAt = performance.now()
        try {
          const target = urls[(index + attempt - 1) % urls.length]!
          const response = await fetch(target, { method: 'POST', headers: delivery.headers, body: delivery.body })
          result.statuses.push(response.status)
          ;(result as { lastBody: string }).lastBody = await response.text()
        } catch {
          result.statuses.push(0)
        }
        result.latenciesMs.push(performance.now() - startedAt)
        const last = result.statuses.at(-1)!
        // A forgery gets its answer once; without any answer (the instance is down) it is sent again too.
        const settled = last >= 200 && last < 300 ? true : delivery.kind === 'forged' && last !== 0
        if (settled || attempt >= maxAttempts || Date.now() > giveUpAt) break
        await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 100))
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  return results
}

/**
 * Checks the exactly-once and fail-closed invariants over a run: every genuine delivery (and resend)
 * ended 2xx, every forgery 401 without a handler run, and each event's handler ran exactly once.
 * Returns the violations, empty when all hold.
 *
 * @example
 * ```ts
 * const violations = checkDeliveryInvariants(results, handlerRuns)
 * if (violations.length) throw new Error(violations.join('\n'))
 * ```
 */
export function checkDeliveryInvariants(results: readonly DeliveryResult[], handlerRuns: ReadonlyMap<string, number>): string[] {
  const violations: string[] = []
  const genuineIds = new Set<string>()
  for (const { delivery, statuses } of results) {
    const last = statuses.at(-1)
    if (delivery.kind === 'forged') {
      if (last !== 401) violations.push(`forged ${delivery.id} answered ${statuses.join(',')}`)
      if (handlerRuns.has(delivery.id)) violations.push(`forged ${delivery.id} reached a handler`)
    } else {
      genuineIds.add(delivery.id)
      if (last === undefined || last < 200 || last >= 300) violations.push(`${delivery.kind} ${delivery.id} never acknowledged: ${statuses.join(',')}`)
    }
  }
  for (const id of genuineIds) {
    const runs = handlerRuns.get(id) ?? 0
    if (runs === 1) continue
    // What each request for the event saw, to tell a lost completion from a lost claim.
    const seen = results.filter((result) => result.delivery.id === id).map((result) => `${result.delivery.kind} ${result.statuses.join(',')}`)
    violations.push(`${id} handled ${runs} times (${seen.join('; ')})`)
  }
  for (const id of handlerRuns.keys()) if (!genuineIds.has(id)) violations.push(`unplanned event ${id} handled`)
  return violations
}
