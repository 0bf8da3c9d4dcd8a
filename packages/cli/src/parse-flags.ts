/**
 * Flag parsing on node:util's `parseArgs` (no argument library needed for five commands), with every
 * mistake turned into a {@link UsageError}: the CLI prints its one line and the usage, and exits 2.
 *
 * @module
 */
import { type ParseArgsConfig, parseArgs } from 'node:util'

/**
 * A bad command line. Its message is one line, printed before the command's usage.
 *
 * @example
 * ```ts
 * throw new UsageError('--port must be an integer from 0 to 65535')
 * ```
 */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

type FlagSpec = NonNullable<ParseArgsConfig['options']>

/**
 * Parses `args` strictly against `options`; unknown flags, missing values and unexpected positionals are
 * usage errors.
 *
 * @example
 * ```ts
 * const { values } = parseFlags(args, { json: { type: 'boolean' } })
 * ```
 */
export function parseFlags<const Options extends FlagSpec>(
  args: string[],
  options: Options,
  maxPositionals = 0,
): ReturnType<typeof parseArgs<{ args: string[]; options: Options; strict: true; allowPositionals: boolean }>> {
  let parsed
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: maxPositionals > 0 })
  } catch (error) {
    // parseArgs messages are one line ("Unknown option '--prot'..."), or a few when they carry a hint
    // ("To specify an option argument starting with a dash use '--secret=-XYZ'"): kept, on one line.
    throw new UsageError(String((error as Error).message).split('\n').join(' '))
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[maxPositionals])}`)
  }
  return parsed
}

/**
 * The value of a required string flag, or a usage error naming it.
 *
 * @example
 * ```ts
 * const url = requireFlag(values.url, '--url')
 * ```
 */
export function requireFlag<Value>(value: Value | undefined, flag: string): Value {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) throw new UsageError(`${flag} is required`)
  return value
}

/** The environment variable a secret may come from instead of `--secret`. */
export const SECRET_ENV_VAR = 'CRM_WEBHOOKS_SECRET'

/**
 * The secrets of `--secret` (repeated for rotation), else the one in `CRM_WEBHOOKS_SECRET`: a flag's value stays
 * readable in the process list (`ps`, `/proc/<pid>/cmdline`) for as long as the command runs, a long `listen`
 * included, where the environment is the process's own.
 *
 * @example
 * ```ts
 * const secrets = secretFlags(values.secret, io.env)
 * ```
 */
export function secretFlags(flags: string[] | undefined, env: Readonly<Record<string, string | undefined>>): string[] {
  if (flags !== undefined && flags.length > 0) return flags
  const fromEnv = env[SECRET_ENV_VAR]
  if (fromEnv !== undefined && fromEnv !== '') return [fromEnv]
  throw new UsageError(`--secret (or ${SECRET_ENV_VAR} in the environment) is required`)
}

/**
 * Parses an integer flag within bounds.
 *
 * @example
 * ```ts
 * const port = integerFlag(values.port, '--port', 0, 65535) ?? 3000
 * ```
 */
export function integerFlag(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}`)
  }
  return number
}

/**
 * Runs a factory the flags configure (`createReceiver`, `createSender`, ...) and turns the `TypeError`
 * it throws (or its promise rejects with) for a configuration mistake into a usage error: a bad secret
 * is a bad argument.
 *
 * @example
 * ```ts
 * const sender = fromFlags(() => createSender({ provider, secret, url }))
 * await fromFlags(() => sender.compose({ type, data }))
 * ```
 */
export function fromFlags<T>(build: () => T): T {
  let built: T
  try {
    built = build()
  } catch (error) {
    throw asUsageError(error)
  }
  return (built instanceof Promise ? built.catch((error: unknown) => Promise.reject(asUsageError(error))) : built) as T
}

function asUsageError(error: unknown): unknown {
  return error instanceof TypeError ? new UsageError(withoutPrefix(error.message)) : error
}

/**
 * A library message without its `crm-webhooks: ` prefix, which the CLI's own `crm-webhooks <command>: `
 * would repeat.
 *
 * @example
 * ```ts
 * withoutPrefix('crm-webhooks: no secret') // 'no secret'
 * ```
 */
export function withoutPrefix(message: string): string {
  return message.replace(/^crm-webhooks: /, '')
}
