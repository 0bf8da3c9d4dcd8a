/**
 * The shape of a command: changesets' one folder per command, each a name, a usage line and a `run`
 * that parses its flags and calls the sender or the core (house style #13).
 *
 * @module
 */
import type { CliIo } from './cli-io.js'

/** One CLI command. */
export interface Command {
  readonly name: string
  /** The usage line after `crm-webhooks `. */
  readonly usage: string
  /** One line for the command list. */
  readonly summary: string
  /** Runs with the arguments after the command name; resolves with the exit code. */
  run(args: string[], io: CliIo): Promise<number>
}

/**
 * Exit codes: 0 success, 1 the operation failed (a delivery, a verification), 2 bad arguments.
 *
 * @example
 * ```ts
 * if (!result.ok) return EXIT.failed
 * ```
 */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const
