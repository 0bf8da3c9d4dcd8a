/**
 * `runCli`: picks the command, runs it, and maps a usage error to a one-line message, the usage and
 * exit code 2.
 *
 * @module
 */
import type { CliIo } from './cli-io.js'
import { type Command, EXIT } from './command.js'
import { eventsCommand } from './commands/events/index.js'
import { listenCommand } from './commands/listen/index.js'
import { schemaCommand } from './commands/schema/index.js'
import { sendCommand } from './commands/send/index.js'
import { verifyCommand } from './commands/verify/index.js'
import cliPackage from '../package.json' with { type: 'json' }
import { UsageError, withoutPrefix } from './parse-flags.js'

/**
 * Every command, in the order the usage lists them.
 *
 * @example
 * ```ts
 * commands.map((command) => command.name) // ['listen', 'send', 'events', 'schema', 'verify']
 * ```
 */
export const commands: readonly Command[] = [listenCommand, sendCommand, eventsCommand, schemaCommand, verifyCommand]

/**
 * The usage text: every command, or one.
 *
 * @example
 * ```ts
 * usageText() // 'usage: crm-webhooks <command> ...'
 * ```
 */
export function usageText(command?: Command): string {
  if (command) return `usage: crm-webhooks ${command.usage}\n`
  const width = Math.max(...commands.map((entry) => entry.name.length))
  return [
    'usage: crm-webhooks <command> [flags]',
    '',
    ...commands.map((entry) => `  ${entry.name.padEnd(width)}  ${entry.summary}`),
    '',
    ...commands.map((entry) => `  crm-webhooks ${entry.usage}`),
    '',
    'crm-webhooks --version prints the version; crm-webhooks <command> --help the usage of one command.',
    '',
  ].join('\n')
}

const HELP: readonly string[] = ['help', '--help', '-h']

/**
 * Runs the CLI with `argv` (without `node` and the script) and resolves with the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['events', '--provider', 'automatenexus'], createProcessIo())
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined) {
    io.stderr.write(`crm-webhooks: a command is required\n${usageText()}`)
    return EXIT.usage
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout.write(`${cliPackage.version}\n`)
    return EXIT.ok
  }
  if (HELP.includes(name)) {
    // `help <command>` is `<command> --help`, so a name no command has is the same usage error (exit 2).
    const topic = args[0]
    if (topic !== undefined && !HELP.includes(topic)) return runCli([topic, '--help'], io)
    io.stdout.write(usageText())
    return EXIT.ok
  }
  const command = commands.find((entry) => entry.name === name)
  if (!command) {
    io.stderr.write(`crm-webhooks: unknown command ${JSON.stringify(name)}\n${usageText()}`)
    return EXIT.usage
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(usageText(command))
    return EXIT.ok
  }
  try {
    return await command.run(args, io)
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`crm-webhooks ${command.name}: ${error.message}\n${usageText(command)}`)
      return EXIT.usage
    }
    io.stderr.write(`crm-webhooks ${command.name}: ${withoutPrefix(error instanceof Error ? error.message : String(error))}\n`)
    return EXIT.failed
  }
}
