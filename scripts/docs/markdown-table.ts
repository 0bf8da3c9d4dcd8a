/**
 * Markdown tables for the generated reference.
 *
 * @module
 */

/**
 * Escapes text for a table cell: a `|` would end the cell and a newline the row.
 *
 * @example
 * ```ts
 * tableCell('`a` | `b`') // '`a` \\| `b`'
 * ```
 */
export function tableCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ')
}

/**
 * A markdown table from a header row and body rows; cells are escaped.
 *
 * @example
 * ```ts
 * markdownTable(['Event', 'Description'], [['deal.won', 'Fired when a deal is marked as won.']])
 * ```
 */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.map(tableCell).join(' | ')} |`
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n')
}
