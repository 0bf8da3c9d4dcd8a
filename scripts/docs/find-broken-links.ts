/**
 * Internal link checking for the reference: every relative link of every markdown page must reach a file,
 * and an anchor must name a heading of the page it points to. External links are not fetched.
 *
 * @module
 */
import { posix } from 'node:path'
import { markdownAnchors } from './heading-slug.js'

/** A link that leads nowhere. */
export interface BrokenLink {
  readonly file: string
  readonly link: string
  readonly reason: string
}

/** Reads a repository file that is not among the generated ones; `undefined` when it does not exist. */
export type ReadRepositoryFile = (path: string) => string | undefined

/** Markdown without fenced blocks and inline code, where `[x](y)` is not a link. */
function linkableText(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1\s*$/gm, '').replace(/`[^`\n]*`/g, '')
}

/**
 * The broken links of `pages` (markdown by repository path). Targets are looked up among `pages` first,
 * then through `readFile`.
 *
 * @example
 * ```ts
 * findBrokenLinks(new Map([['docs/index.md', '[x](providers/nope.md)']]), () => undefined)
 * // [{ file: 'docs/index.md', link: 'providers/nope.md', reason: 'no such file' }]
 * ```
 */
export function findBrokenLinks(pages: ReadonlyMap<string, string>, readFile: ReadRepositoryFile): BrokenLink[] {
  const broken: BrokenLink[] = []
  const read = (path: string) => pages.get(path) ?? readFile(path)
  for (const [file, markdown] of pages) {
    if (!file.endsWith('.md')) continue
    for (const match of linkableText(markdown).matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = match[1]!
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue // http:, https:, mailto:
      const [pathPart = '', anchor] = link.split('#', 2)
      const target = pathPart === '' ? file : posix.normalize(posix.join(posix.dirname(file), decodeURI(pathPart)))
      const content = read(target)
      if (content === undefined) {
        broken.push({ file, link, reason: 'no such file' })
      } else if (anchor !== undefined && target.endsWith('.md') && !markdownAnchors(content).has(anchor)) {
        broken.push({ file, link, reason: `no heading #${anchor} in ${target}` })
      }
    }
  }
  return broken
}
