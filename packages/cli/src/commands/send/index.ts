/**
 * `crm-webhooks send --provider <id> --secret <s> [--secret <s2>]... --url <url> --event <type> [--id <id>] [--data <file|->]
 * [--method <M>] [--form] [--header 'Name: value']... [--timeout 30s] [--retries N] [--schedule 1m,5m,...]`:
 * signs and delivers one event through the reference sender, following the retry policy, with progress
 * shown. Several secrets sign at once where the provider's header carries several signatures (Standard
 * Webhooks' rotation). The request flags are the sender's options: a method or form body the provider's
 * document allows (AutomateNexus's PUT and PATCH, a workflow action's GET), the custom headers a webhook is
 * configured with, the attempt timeout.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { type Provider, describeIssues } from '@crm-webhooks/core'
import { providerFixtures } from '@crm-webhooks/core/providers'
import { ATTEMPT_TIMEOUT_MS, RETRY_COUNT, type DeliveryAttempt, type NextRetry, type Sender, createSender, formatDuration, parseDuration, parseRetrySchedule } from '@crm-webhooks/sender'
import type { CliIo } from '../../cli-io.js'
import { type Command, EXIT } from '../../command.js'
import { escapeControlCharacters } from '../../escape-control-characters.js'
import { type Palette, colorsEnabled, createPalette } from '../../palette.js'
import { UsageError, fromFlags, integerFlag, parseFlags, requireFlag, secretFlags } from '../../parse-flags.js'
import { eventFlag, providerFlag } from '../../provider-flag.js'
import { headerFlags, methodFlag } from '../../request-flags.js'

/** The event data: `--data` (a JSON file, or `-` for stdin), else the provider's fixture for the event. */
async function eventData(provider: Provider, type: string, source: string | undefined, io: CliIo): Promise<unknown> {
  if (source === undefined) {
    const fixtures: Record<string, unknown> = providerFixtures[provider.id as keyof typeof providerFixtures] ?? {}
    if (!Object.hasOwn(fixtures, type)) throw new UsageError(`${provider.id} has no fixture for ${type}; pass --data`)
    return fixtures[type]
  }
  if (source === '-' && io.stdinIsTTY) throw new UsageError('--data - reads JSON from stdin, but nothing is piped in')
  let text: string
  try {
    text = source === '-' ? new TextDecoder().decode(await io.readStdin()) : await readFile(source, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read --data ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  try {
    // readFile keeps a UTF-8 byte order mark (an editor's), which TextDecoder drops for stdin.
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
  } catch (error) {
    throw new UsageError(`--data ${source} is not JSON: ${(error as Error).message}`)
  }
}

/** Warns (without refusing: testing a receiver's 202 and 422 paths is legitimate) when the data will not validate. */
async function warnIfInvalid(provider: Provider, type: string, data: unknown, io: CliIo, paint: Palette): Promise<void> {
  const schema = Object.hasOwn(provider.events, type) ? provider.events[type] : undefined
  if (!schema) {
    io.stderr.write(paint.yellow(`note: ${escapeControlCharacters(type)} is not in the ${provider.id} catalog; a receiver acknowledges it as unknown_event (202)\n`))
    return
  }
  const result = await schema['~standard'].validate(data)
  if (result.issues) {
    // The first issue, as the receiver's 422 names it.
    io.stderr.write(paint.yellow(`note: the data does not match the ${type} schema (${escapeControlCharacters(describeIssues(result.issues.slice(0, 1)))}); a receiver answers 422\n`))
  }
}

/** Why the sender stopped: a `410 Gone` disables a Standard Webhooks endpoint (the specification asks it to; no flag sets another threshold). */
const ENDPOINT_DISABLED = 'endpoint disabled (410 Gone)'

/** One attempt's line; `disabled` when the sender disabled the endpoint after it, so no retry follows. */
function describeAttempt(attempt: DeliveryAttempt, next: NextRetry | undefined, disabled: boolean, paint: Palette): string {
  const outcome = attempt.status === undefined ? paint.red(attempt.error ?? 'error') : (attempt.ok ? paint.green : paint.red)(String(attempt.status))
  const detail = attempt.ok
    ? paint.green('delivered')
    : attempt.error === 'cancelled'
      ? paint.yellow('interrupted')
      : next
      ? `retry ${next.retry} in ${formatDuration(next.inMs)} ${paint.dim(`(at ${new Date(next.at).toISOString()})`)}`
      : disabled
        ? paint.red(ENDPOINT_DISABLED)
        : paint.red('no retries left')
  // The receiver's answer, on the attempt's line: its whitespace folded, and any other control character (a
  // terminal escape a server sent) escaped, so it can neither break the line nor restyle the terminal.
  const answer = attempt.responseBody ? ` ${paint.dim(escapeControlCharacters(attempt.responseBody.replace(/\s+/g, ' ').slice(0, 160)))}` : ''
  return `  attempt ${attempt.attempt}  ${outcome}  ${attempt.durationMs} ms  ${detail}${answer}\n`
}

/**
 * Exit 0 when an attempt got a 2xx, 1 when every attempt failed (or it was interrupted).
 *
 * @example
 * ```ts
 * // crm-webhooks send --provider automatenexus --secret s --url http://127.0.0.1:3000/webhooks --event deal.won
 * ```
 */
export const sendCommand: Command = {
  name: 'send',
  usage: "send --provider <id> --secret <s> [--secret <s2>]... --url <url> --event <type> [--id <id>] [--data <file|->] [--method <M>] [--form] [--header 'Name: value']... [--timeout 30s] [--retries N] [--schedule 1m,5m,...]",
  summary: 'sign and deliver one event, retrying on the schedule',
  async run(args, io) {
    const { values } = parseFlags(args, {
      provider: { type: 'string' },
      secret: { type: 'string', multiple: true },
      url: { type: 'string' },
      event: { type: 'string' },
      id: { type: 'string' },
      data: { type: 'string' },
      method: { type: 'string' },
      form: { type: 'boolean' },
      header: { type: 'string', multiple: true },
      timeout: { type: 'string' },
      retries: { type: 'string' },
      schedule: { type: 'string' },
    })
    const provider = providerFlag(values.provider)
    // Repeated, a rotating sender's secrets, each signing (Standard Webhooks); one is the plain secret.
    const secrets = secretFlags(values.secret, io.env)
    const url = requireFlag(values.url, '--url')
    // With --data any type may be sent (to try a receiver's unknown-event path); without, it needs a fixture.
    const type = values.data === undefined ? eventFlag(provider, values.event) : requireFlag(values.event, '--event')
    const maxRetries = integerFlag(values.retries, '--retries', RETRY_COUNT.min, RETRY_COUNT.max)
    const schedule = values.schedule === undefined ? undefined : fromFlags(() => parseRetrySchedule(values.schedule!))
    const timeoutMs = values.timeout === undefined ? undefined : parseDuration(values.timeout)
    if (values.timeout !== undefined && timeoutMs === undefined) throw new UsageError(`--timeout ${JSON.stringify(values.timeout)} is not a duration like 30s`)
    // Seed 000's bounds, named as the flag is written rather than as the library's timeoutMs.
    const { min, max } = ATTEMPT_TIMEOUT_MS
    if (timeoutMs !== undefined && (timeoutMs < min || timeoutMs > max)) throw new UsageError(`--timeout must be from ${min / 1000}s to ${max / 1000}s (got ${values.timeout})`)
    const paint = createPalette(colorsEnabled(io))
    const notePaint = createPalette(colorsEnabled(io, io.stderr))
    const sender: Sender = fromFlags(() =>
      createSender({
        provider,
        secret: secrets,
        url,
        method: methodFlag(values.method),
        contentType: values.form ? 'form' : undefined,
        headers: headerFlags(values.header ?? []),
        retry: { maxRetries, schedule, timeoutMs },
        // The sender is disabled before the attempt that disabled it (a 410 Gone) is reported.
        onAttempt: (attempt, next) => io.stdout.write(describeAttempt(attempt, next, sender.disabled, paint)),
      }),
    )
    if (schedule !== undefined && maxRetries === undefined && sender.policy.maxRetries === 0) {
      io.stderr.write(notePaint.yellow(`note: ${provider.id} makes one attempt by default; --schedule takes effect with --retries N\n`))
    }
    const data = await eventData(provider, type, values.data, io)
    // A provider whose compose works the event out from the data (Auto-Respond classifies a lead payload)
    // refuses data it cannot send as this type: a usage error now, before any note or attempt.
    await fromFlags(() => sender.compose({ type, data, id: values.id }))
    await warnIfInvalid(provider, type, data, io, notePaint)

    // The event, URL and id as typed (with --data, any event name is sent), a control character shown escaped
    // rather than sent to the terminal.
    const shownType = escapeControlCharacters(type)
    io.stdout.write(`${paint.bold(`${provider.id} ${shownType}`)} -> ${escapeControlCharacters(url)}\n`)
    const stopListening = io.onStopSignal(() => sender.close())
    try {
      const result = await sender.send({ type, data, id: values.id })
      const attempts = `${result.attempts.length} attempt${result.attempts.length === 1 ? '' : 's'}`
      if (result.ok) {
        io.stdout.write(paint.green(`delivered ${shownType} (${escapeControlCharacters(result.event.id)}) after ${attempts}\n`))
        return EXIT.ok
      }
      const ending = result.state === 'cancelled' ? 'interrupted' : result.state === 'disabled' ? ENDPOINT_DISABLED : 'failed'
      io.stdout.write(paint.red(`${ending} after ${attempts}\n`))
      return EXIT.failed
    } finally {
      stopListening()
    }
  },
}
