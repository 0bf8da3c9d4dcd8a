/**
 * Colours for readable output, only where they help: off when NO_COLOR is set (no-color.org), when
 * the output is not a terminal, or when TERM is `dumb`. FORCE_COLOR decides over all of these: `0` or `false`
 * turns them off even on a terminal, as Node's `tty.getColorDepth` does; any other value turns them on. An
 * empty one counts as unset (Node reads it as on), so `FORCE_COLOR=` clears an inherited one (bin.test.ts).
 *
 * @module
 */
import type { CliIo, TextOutput } from './cli-io.js'

/** ANSI styling functions; identity functions when colours are off. */
export interface Palette {
  readonly green: (text: string) => string
  readonly yellow: (text: string) => string
  readonly red: (text: string) => string
  readonly cyan: (text: string) => string
  readonly dim: (text: string) => string
  readonly bold: (text: string) => string
}

function style(open: number, close: number, enabled: boolean) {
  return enabled ? (text: string) => `\u001b[${open}m${text}\u001b[${close}m` : (text: string) => text
}

/**
 * Whether colours go to `sink` (default `io.stdout`; pass `io.stderr` for what goes there: a redirected
 * stderr must not get escape codes because stdout is a terminal).
 *
 * @example
 * ```ts
 * colorsEnabled({ ...io, env: { NO_COLOR: '1' } }) // false
 * colorsEnabled(io, io.stderr)                      // whether stderr is a terminal
 * ```
 */
export function colorsEnabled(io: Pick<CliIo, 'env' | 'stdout'>, sink: TextOutput = io.stdout): boolean {
  const force = io.env.FORCE_COLOR
  if (force === '0' || force === 'false') return false
  if (force !== undefined && force !== '') return true
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false
  return Boolean(sink.isTTY) && io.env.TERM !== 'dumb'
}

/**
 * A palette, on or off.
 *
 * @example
 * ```ts
 * const paint = createPalette(colorsEnabled(io))
 * io.stdout.write(paint.green('200') + '\n')
 * ```
 */
export function createPalette(enabled: boolean): Palette {
  return {
    green: style(32, 39, enabled),
    yellow: style(33, 39, enabled),
    red: style(31, 39, enabled),
    cyan: style(36, 39, enabled),
    dim: style(2, 22, enabled),
    bold: style(1, 22, enabled),
  }
}
