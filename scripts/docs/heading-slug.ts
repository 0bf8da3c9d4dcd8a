/**
 * Heading anchors as GitHub and TypeDoc both compute them for plain-text headings (lower case; spaces to
 * `-`; punctuation other than `-` and `_` dropped; a repeated slug gets `-1`, `-2`), so one link works on
 * GitHub and in the built site alike.
 *
 * @module
 */

/**
 * The slug of one heading text, before de-duplication.
 *
 * @example
 * ```ts
 * headingSlug('deal.stage_changed') // 'dealstage_changed'
 * headingSlug('How it signs')       // 'how-it-signs'
 * ```
 */
export function headingSlug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

/**
 * The anchors of every ATX heading of a markdown document, de-duplicated the way GitHub does; headings
 * inside fenced code blocks are not headings. Explicit `<a id="...">` anchors count too.
 *
 * @example
 * ```ts
 * markdownAnchors('# A\n## A\n') // Set { 'a', 'a-1' }
 * ```
 */
export function markdownAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  let fenced = false
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced
    if (fenced) continue
    for (const match of line.matchAll(/<a\s+id="([^"]+)"/g)) anchors.add(match[1]!)
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (!heading) continue
    const base = headingSlug(heading[1]!.replace(/`/g, ''))
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    anchors.add(count === 0 ? base : `${base}-${count}`)
  }
  return anchors
}
