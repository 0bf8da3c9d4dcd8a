/**
 * A {@link CliIo} for tests: captured output, a given stdin, an empty environment, and a stop signal the
 * test fires itself.
 *
 * @module
 */
import type { CliIo } from './cli-io.js'

/** The in-memory io and what it captured. */
export interface MemoryIo extends CliIo {
  readonly out: () => string
  readonly err: () => string
  /** Fires the SIGINT/SIGTERM handlers a command registered. */
  stop(): void
}

/**
 * Creates an in-memory io; stdin is piped (not a TTY) when `stdin` is given.
 *
 * @example
 * ```ts
 * const io = createMemoryIo({ stdin: '{"event":"deal.won"}' })
 * const code = await runCli(['verify', ...flags], io)
 * ```
 */
export function createMemoryIo(options: { stdin?: string | Uint8Array; env?: Record<string, string> } = {}): MemoryIo {
  let out = ''
  let err = ''
  const handlers = new Set<() => void>()
  return {
    stdout: { write: (text: string) => (out += text), isTTY: false },
    stderr: { write: (text: string) => (err += text), isTTY: false },
    stdinIsTTY: options.stdin === undefined,
    env: options.env ?? {},
    readStdin: async () => (typeof options.stdin === 'string' ? new TextEncoder().encode(options.stdin) : (options.stdin ?? new Uint8Array())),
    onStopSignal(handler) {
      handlers.add(handler)
      return () => handlers.delete(handler)
    },
    out: () => out,
    err: () => err,
    stop: () => handlers.forEach((handler) => handler()),
  }
}
