/**
 * `crm-webhooks verify --provider <id> --secret <s> --header 'Name: value'... < body`: runs a captured
 * delivery through the receiver pipeline offline (signature, body, envelope, schema) and says whether it
 * would be accepted.
 *
 * @module
 */
import { createReceiver } from '@crm-webhooks/core'
import { type Command, EXIT } from '../../command.js'
import { UsageError, fromFlags, parseFlags, requireFlag } from '../../parse-flags.js'
import { providerFlag } from '../../provider-flag.js'

/** Parses `Name: value` header flags into a record (repeated names join with `, `, as HTTP does). */
function headerFlags(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const text of values) {
    const colon = text.indexOf(':')
    const name = colon > 0 ? text.slice(0, colon).trim() : ''
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new UsageError(`--header ${JSON.stringify(text)} is not 'Name: value'`)
    const key = name.toLowerCase()
    const value = text.slice(colon + 1).trim()
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`
  }
  return headers
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
  usage: "verify --provider <id> --secret <s> --header 'Name: value'... < body",
  summary: 'check a captured delivery offline (exit 0 valid, 1 invalid)',
  async run(args, io) {
    const { values } = parseFlags(args, {
      provider: { type: 'string' },
      secret: { type: 'string', multiple: true },
      header: { type: 'string', multiple: true },
    })
    const provider = providerFlag(values.provider)
    const secrets = requireFlag(values.secret, '--secret')
    const headers = headerFlags(values.header ?? [])
    if (io.stdinIsTTY) throw new UsageError('pipe the raw body on stdin, e.g. `< body.json`')
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
    const rawBody = await io.readStdin()
    const method = provider.methods?.[0] ?? 'POST'
    const response = await receiver.handle({ method, url: '/', headers, rawBody })
    if (response.status >= 300) {
      io.stderr.write(`invalid: ${outcome.code ?? 'internal_error'}: ${outcome.message ?? response.body}\n`)
      return EXIT.failed
    }
    const note = outcome.code === 'unknown_event' ? ' (signature valid; the event is not in the catalog)' : ''
    io.stdout.write(`valid: ${outcome.event ?? 'handshake'} (secret #${outcome.secretIndex ?? 0})${note}\n`)
    return EXIT.ok
  },
}
