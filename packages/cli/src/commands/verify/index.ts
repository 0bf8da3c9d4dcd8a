/**
 * `crm-webhooks verify --provider <id> --secret <s> --header 'Name: value'... [--method M] [--url U] < body`:
 * runs a captured delivery through the receiver pipeline offline (signature, body, envelope, schema) and
 * says whether it would be accepted. `--url` carries the query string a bodiless GET or DELETE is signed over;
 * one whose headers declare a body is verified over the body piped in.
 *
 * @module
 */
import { QUERY_FIELD_METHODS, createReceiver, declaresNoBody } from '@crm-webhooks/core'
import { type Command, EXIT } from '../../command.js'
import { escapeControlCharacters } from '../../escape-control-characters.js'
import { UsageError, fromFlags, parseFlags, secretFlags } from '../../parse-flags.js'
import { providerFlag } from '../../provider-flag.js'
import { headerFlags, methodFlag } from '../../request-flags.js'

/** The request target as captured: a path with its query (`/hooks?a=1`) or an absolute URL. */
function urlFlag(value: string | undefined): string {
  if (value === undefined) return '/'
  if (value.startsWith('/')) return value
  try {
    new URL(value)
    return value
  } catch {
    throw new UsageError(`--url ${JSON.stringify(value)} is neither a path starting with / nor an absolute URL`)
  }
}

/**
 * Exit 0 when the delivery verifies (and its payload is valid), 1 with the error code otherwise.
 *
 * @example
 * ```ts
 * // crm-webhooks verify --provider connectgain --secret s --header 'X-Webhook-Signature: ab12...' < body.json
 * ```
 */
export const verifyCommand: Command = {
  name: 'verify',
  usage: "verify --provider <id> --secret <s> --header 'Name: value'... [--method <M>] [--url <path?query>] < body",
  summary: 'check a captured delivery offline (exit 0 valid, 1 invalid)',
  async run(args, io) {
    const { values } = parseFlags(args, {
      provider: { type: 'string' },
      secret: { type: 'string', multiple: true },
      header: { type: 'string', multiple: true },
      method: { type: 'string' },
      url: { type: 'string' },
    })
    const provider = providerFlag(values.provider)
    const secrets = secretFlags(values.secret, io.env)
    const headers = headerFlags(values.header ?? [])
    const method = methodFlag(values.method) ?? provider.methods?.[0] ?? 'POST'
    const url = urlFlag(values.url)
    // A GET, HEAD or DELETE is signed over its query, without a body: stdin is never read, so a script's open
    // stdin cannot keep it waiting, nor bytes piped by mistake make the request one with a body. Unless its
    // captured headers declare a body (a Content-Length past 0, a Transfer-Encoding): then, as the receiver
    // does, it is verified over the body piped in.
    const bodiless = QUERY_FIELD_METHODS.has(method) && declaresNoBody({ headers, httpVersionMajor: 1 })
    if (io.stdinIsTTY && !bodiless) throw new UsageError('pipe the raw body on stdin, e.g. `< body.json`')
    let outcome: { code?: string | undefined; message?: string | undefined; event?: string | undefined; secretIndex?: number } = {}
    const receiver = fromFlags(() =>
      createReceiver({
        provider,
        secret: secrets,
        onDelivery: (delivery) => {
          outcome = {
            code: delivery.code,
            message: delivery.error?.message,
            event: delivery.eventType,
            secretIndex: delivery.verification?.secretIndex,
          }
        },
      }),
    )
    const rawBody = bodiless ? new Uint8Array() : await io.readStdin()
    const response = await receiver.handle({ method, url, headers, rawBody })
    if (response.status >= 300) {
      // One line, even when the message names payload text that holds a newline (so is the event type below).
      io.stderr.write(`invalid: ${outcome.code ?? 'internal_error'}: ${escapeControlCharacters(outcome.message ?? response.body)}\n`)
      return EXIT.failed
    }
    const note = outcome.code === 'unknown_event' ? ' (signature valid; the event is not in the catalog)' : ''
    io.stdout.write(`valid: ${escapeControlCharacters(outcome.event ?? 'handshake')} (secret #${outcome.secretIndex ?? 0})${note}\n`)
    return EXIT.ok
  },
}
