/**
 * `escapeControlCharacters`: keeps text that came off the wire on the one line the CLI promises for it.
 *
 * @module
 */

/** C0 controls, DEL, C1 controls (0x9b opens a terminal sequence too) and the Unicode line and paragraph separators. */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/**
 * Writes every control character of `text` as an escape (`\n`, `\r`, `\t`, else `\u001b` and the like), so a
 * text taken from a request (an event type, an id, a field, a message naming one) stays on one line and cannot
 * move the cursor or change the terminal's colours. Backslashes are left as they are: this is for reading, not
 * for parsing back (`--json` is for that).
 *
 * @example
 * ```ts
 * escapeControlCharacters('deal.won\n\u001b[31m')
 * // 'deal.won\\n\\u001b[31m'
 * ```
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(
    CONTROL_CHARACTERS,
    (character) => SHORT_ESCAPES[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}
