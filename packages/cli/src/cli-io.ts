/**
 * What a command talks to: output streams, stdin, the environment and stop signals. Commands take it as
 * a parameter, so tests run them in-process with captured output.
 *
 * @module
 */

/** A text sink (process.stdout, or a test's buffer). */
export interface TextOutput {
  write(text: string): unknown
  /** Whether the sink is a terminal: colours only go to one. */
  readonly isTTY?: boolean | undefined
}

/** The world a command runs in. */
export interface CliIo {
  readonly stdout: TextOutput
  readonly stderr: TextOutput
  /** Reads stdin to its end. */
  readStdin(): Promise<Uint8Array>
  /** Whether stdin is a terminal (nothing piped in). */
  readonly stdinIsTTY: boolean
  readonly env: Readonly<Record<string, string | undefined>>
  /** Calls `handler` on SIGINT or SIGTERM; returns the function that stops listening. */
  onStopSignal(handler: () => void): () => void
}

/**
 * The real process's streams, environment and signals.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2), createProcessIo())
 * ```
 */
export function createProcessIo(): CliIo {
  // `crm-webhooks events | head` closes the pipe early: that ends the output, it is not a crash. A command
  // that already finished keeps its exit code; one cut off mid-way (a send with retries pending) exits as
  // a Unix tool killed by SIGPIPE does, 141, never 0 for work it did not finish.
  onClosedPipe(process.stdout, () => process.exit(process.exitCode ?? 141))
  // stderr carries only notes and errors, never the command's result: once its reader is gone they go
  // nowhere, and the command runs on to its own exit code (`bogus 2>&1 | true` still exits 2).
  onClosedPipe(process.stderr, () => {})
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    env: process.env,
    async readStdin() {
      const chunks: Buffer[] = []
      for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
      return new Uint8Array(Buffer.concat(chunks))
    },
    onStopSignal(handler) {
      process.on('SIGINT', handler)
      process.on('SIGTERM', handler)
      return () => {
        process.off('SIGINT', handler)
        process.off('SIGTERM', handler)
      }
    },
  }
}

/** Calls `closed` when `stream`'s reader has gone (EPIPE) instead of letting Node throw it; other errors still throw. */
function onClosedPipe(stream: NodeJS.WriteStream, closed: () => void): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    closed()
  })
}
