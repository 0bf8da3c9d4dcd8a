/**
 * `crm-webhooks events [--provider <id>] [--json]`: the event catalog, per provider.
 *
 * @module
 */
import { providers } from '@crm-webhooks/core/providers'
import { type Command, EXIT } from '../../command.js'
import { colorsEnabled, createPalette } from '../../palette.js'
import { parseFlags } from '../../parse-flags.js'
import { providerFlag } from '../../provider-flag.js'

/**
 * Lists event names; with `--json`, one `{"provider","event"}` object per line.
 *
 * @example
 * ```ts
 * await eventsCommand.run(['--provider', 'connectgain', '--json'], io)
 * ```
 */
export const eventsCommand: Command = {
  name: 'events',
  usage: 'events [--provider <id>] [--json]',
  summary: 'list the event types of every provider, or of one',
  async run(args, io) {
    const { values } = parseFlags(args, { provider: { type: 'string' }, json: { type: 'boolean' } })
    const selected = values.provider === undefined ? Object.values(providers) : [providerFlag(values.provider)]
    const paint = createPalette(!values.json && colorsEnabled(io))
    for (const provider of selected) {
      const types = Object.keys(provider.events)
      if (values.json) {
        for (const event of types) io.stdout.write(`${JSON.stringify({ provider: provider.id, event })}\n`)
        continue
      }
      io.stdout.write(`${paint.bold(provider.id)} ${paint.dim(`${provider.name}, ${types.length} events`)}\n`)
      for (const event of types) io.stdout.write(`  ${event}\n`)
    }
    return EXIT.ok
  },
}
