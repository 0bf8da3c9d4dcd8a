/**
 * `pnpm demo`, the README's main command: one receiver per built-in provider behind a loopback server,
 * the reference sender posting one of every event of every provider, then for a few of each a forged
 * copy (the body changed after signing, or a wrong key where the scheme does not sign the body) and a
 * resend of the same delivery. It prints the verified, typed events and a summary, ends by itself, and
 * exits non-zero when anything did not go as a correct receiver must.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { type Provider, type WebhookEvent, createNodeListener, createReceiver } from '@crm-webhooks/core'
import { providerFixtures, providers } from '@crm-webhooks/core/providers'
import { type Palette, colorsEnabled, createPalette, keyFields } from '@crm-webhooks/cli'
import { type Sender, createSender } from '@crm-webhooks/sender'

/** What the demo counted for one provider. */
export interface ProviderTally {
  readonly id: string
  readonly events: number
  handled: number
  forgedSent: number
  forgedRejected: number
  duplicatesSent: number
  duplicatesSuppressed: number
}

/** The demo's outcome: per-provider counts and every deviation from what a correct receiver does. */
export interface DemoResult {
  readonly tallies: ProviderTally[]
  readonly unexpected: string[]
  readonly durationMs: number
}

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Where the report goes; default stdout. */
  write?: (text: string) => void
  /** Colours; default on for a terminal without NO_COLOR. */
  colors?: boolean
  /** Events per provider that also get a forged copy and a resend; default 2. */
  samples?: number
}

/** A secret of the shape each scheme wants: Standard Webhooks' `whsec_<base64>`, random text otherwise. */
function demoSecret(provider: Provider): string {
  return provider.scheme.kind === 'standard-webhooks'
    ? `whsec_${randomBytes(24).toString('base64')}`
    : `demo-${randomBytes(16).toString('hex')}`
}

/** The same delivery with its body changed after signing: what an attacker on the path would send. */
function tamperBody(body: string): string {
  const document = JSON.parse(body) as Record<string, unknown>
  const data = document.data
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) document.data = { ...data, amount: 1_000_000 }
  else document.amount = 1_000_000
  return JSON.stringify(document)
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** The per-provider part of the demo; pushes what went wrong onto `unexpected`. */
class ProviderRun {
  readonly tally: ProviderTally
  readonly handled: WebhookEvent[] = []
  readonly secret: string
  sender!: Sender

  constructor(
    readonly provider: Provider,
    private readonly paint: Palette,
    private readonly write: (text: string) => void,
    private readonly unexpected: string[],
  ) {
    this.secret = demoSecret(provider)
    this.tally = { id: provider.id, events: Object.keys(provider.events).length, handled: 0, forgedSent: 0, forgedRejected: 0, duplicatesSent: 0, duplicatesSuppressed: 0 }
  }

  receiverListener() {
    const receiver = createReceiver({ provider: this.provider, secret: this.secret }).onAny((event) => {
      this.handled.push(event)
      this.tally.handled++
      this.write(`  ${this.paint.green('200')} ${event.type.padEnd(34)} ${this.paint.dim(keyFields(event.data))}\n`)
    })
    return createNodeListener(receiver)
  }

  private fail(what: string): void {
    this.unexpected.push(`${this.provider.id}: ${what}`)
    this.write(`  ${this.paint.red('!!')}  ${what}\n`)
  }

  async run(url: string, samples: number): Promise<void> {
    const { provider, paint } = this
    this.sender = createSender({ provider, secret: this.secret, url, retry: { maxRetries: 0, timeoutMs: 5_000 } })
    this.write(`\n${paint.bold(provider.id)} ${paint.dim(`${provider.name}; ${provider.scheme.kind} in ${provider.scheme.signatureHeader}`)}\n`)
    const fixtures: Record<string, unknown> = providerFixtures[provider.id as keyof typeof providerFixtures]
    const delivered: Array<{ deliveryId: string; type: string }> = []
    for (const type of Object.keys(provider.events)) {
      const before = this.handled.length
      const result = await this.sender.send({ type, data: fixtures[type] })
      if (result.status !== 200) this.fail(`${type} answered ${result.status ?? result.attempts[0]?.error}: ${result.attempts[0]?.responseBody}`)
      else if (this.handled.length !== before + 1 || this.handled.at(-1)!.type !== type) this.fail(`${type} was answered 200 but not handled`)
      else delivered.push({ deliveryId: result.deliveryId, type })
    }
    for (const sample of delivered.slice(0, samples)) {
      await this.forge(url, sample.type, fixtures[sample.type])
      await this.resend(sample.deliveryId, sample.type)
    }
    if (provider.id === 'workflow-platform') await this.confirmSubscription()
  }

  private async forge(url: string, type: string, data: unknown): Promise<void> {
    const { provider, paint } = this
    // A static key does not sign the body, so changing the body proves nothing there: forge the key instead.
    const signsBody = provider.scheme.kind !== 'static-secret'
    const forger = signsBody ? this.sender : createSender({ provider, secret: 'not-the-real-key', url })
    const { request } = await forger.compose({ type, data })
    const body = signsBody ? tamperBody(request.body ?? '') : request.body
    const before = this.handled.length
    this.tally.forgedSent++
    const response = await fetch(request.url, { method: request.method, headers: request.headers, body })
    const answer = (await response.json()) as { error?: { code?: string } }
    const how = signsBody ? 'body changed after signing' : 'wrong X-Secret-Key'
    if (response.status === 401 && this.handled.length === before) {
      this.tally.forgedRejected++
      this.write(`  ${paint.yellow('401')} ${`forged ${type}`.padEnd(34)} ${paint.dim(`${how}: ${answer.error?.code}`)}\n`)
    } else {
      this.fail(`forged ${type} (${how}) was answered ${response.status}`)
    }
  }

  private async resend(deliveryId: string, type: string): Promise<void> {
    const before = this.handled.length
    this.tally.duplicatesSent++
    const result = await this.sender.resend(deliveryId)
    const answer = JSON.parse(result.attempts[0]?.responseBody ?? '{}') as { duplicate?: boolean }
    if (result.status === 200 && answer.duplicate === true && this.handled.length === before) {
      this.tally.duplicatesSuppressed++
      this.write(`  ${this.paint.yellow('200')} ${`resent ${type}`.padEnd(34)} ${this.paint.dim('duplicate: acknowledged, not handled again')}\n`)
    } else {
      this.fail(`resent ${type} was answered ${result.status} ${JSON.stringify(answer)} (handled again: ${this.handled.length > before})`)
    }
  }

  /** Seed 003's subscription confirmation: a signed token the receiver echoes without calling a handler. */
  private async confirmSubscription(): Promise<void> {
    const token = `ct_${randomBytes(8).toString('hex')}`
    const result = await this.sender.send({ type: 'subscription.confirmation', data: { subscription_id: 'sub_demo', confirmation_token: token } })
    const echoed = (JSON.parse(result.attempts[0]?.responseBody ?? '{}') as { confirmation_token?: string }).confirmation_token
    if (result.status === 200 && echoed === token) {
      this.write(`  ${this.paint.green('200')} ${'subscription confirmation'.padEnd(34)} ${this.paint.dim(`token ${token} echoed`)}\n`)
    } else {
      this.fail(`subscription confirmation answered ${result.status} with ${JSON.stringify(echoed)}`)
    }
  }
}

function summaryTable(tallies: readonly ProviderTally[], paint: Palette): string {
  const header = `${'provider'.padEnd(20)}${'events'.padStart(8)}${'handled'.padStart(9)}${'forged rejected'.padStart(17)}${'duplicates suppressed'.padStart(23)}`
  const rows = tallies.map((tally) => {
    const mark = tally.handled === tally.events && tally.forgedRejected === tally.forgedSent && tally.duplicatesSuppressed === tally.duplicatesSent
    const cells = `${tally.id.padEnd(20)}${String(tally.events).padStart(8)}${String(tally.handled).padStart(9)}${`${tally.forgedRejected}/${tally.forgedSent}`.padStart(17)}${`${tally.duplicatesSuppressed}/${tally.duplicatesSent}`.padStart(23)}`
    return mark ? cells : paint.red(cells)
  })
  return [paint.bold(header), ...rows].join('\n')
}

/**
 * Runs the demo and resolves with what it counted; it never exits the process.
 *
 * @example
 * ```ts
 * const result = await runDemo({ write: () => {} })
 * result.unexpected // [] when every provider behaved
 * ```
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const startedAt = Date.now()
  const write = options.write ?? ((text: string) => void process.stdout.write(text))
  const paint = createPalette(options.colors ?? colorsEnabled({ env: process.env, stdout: process.stdout }))
  const unexpected: string[] = []
  const runs = Object.values(providers).map((provider) => new ProviderRun(provider, paint, write, unexpected))
  const listeners = new Map(runs.map((run) => [`/webhooks/${run.provider.id}`, run.receiverListener()]))
  const server = createServer((request, response) => {
    const listener = listeners.get(new URL(request.url ?? '/', 'http://demo.invalid').pathname)
    if (listener) void listener(request, response)
    else response.writeHead(404).end()
  })
  const base = await listen(server)
  write(`${paint.bold('crm-webhooks demo')}: receivers on ${paint.cyan(`${base}/webhooks/<provider>`)}, the reference sender posting every event\n`)
  try {
    for (const run of runs) await run.run(`${base}/webhooks/${run.provider.id}`, options.samples ?? 2)
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
  const tallies = runs.map((run) => run.tally)
  const durationMs = Date.now() - startedAt
  const total = (pick: (tally: ProviderTally) => number) => tallies.reduce((sum, tally) => sum + pick(tally), 0)
  write(`\n${summaryTable(tallies, paint)}\n\n`)
  write(
    `${tallies.length} providers: ${total((tally) => tally.handled)}/${total((tally) => tally.events)} events handled, ` +
      `${total((tally) => tally.forgedRejected)}/${total((tally) => tally.forgedSent)} forged rejected, ` +
      `${total((tally) => tally.duplicatesSuppressed)}/${total((tally) => tally.duplicatesSent)} duplicates suppressed ` +
      `in ${(durationMs / 1000).toFixed(1)} s\n`,
  )
  write(unexpected.length === 0 ? paint.green('demo passed\n') : paint.red(`demo FAILED: ${unexpected.length} unexpected result(s)\n`))
  return { tallies, unexpected, durationMs }
}

async function main(): Promise<void> {
  // The demo must end by itself; should a socket ever hang, fail rather than wait.
  const deadline = setTimeout(() => {
    process.stderr.write('demo: did not finish within 50 s\n')
    process.exit(1)
  }, 50_000)
  deadline.unref()
  const result = await runDemo()
  process.exitCode = result.unexpected.length === 0 ? 0 : 1
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = 1
  })
}
