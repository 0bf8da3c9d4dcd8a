/**
 * `pnpm run docs` (`pnpm docs` alone runs npm's own docs command): generates the event reference (JSON Schemas, a page per provider, the event index, the
 * landing page) from the provider registry, checks that every event is documented and every internal link
 * resolves, writes the files, then builds the TypeDoc API site into docs/api/.
 *
 * `pnpm run docs --check` regenerates in memory and fails when a committed file differs or is stale (CI runs
 * it); it skips the API site, which is not committed. `--skip-api` writes the reference without the site.
 */
import { fileURLToPath } from 'node:url'
import { buildApiSite } from './docs/build-api-site.js'
import { GENERATED_DIRECTORIES, buildReference, undocumentedEvents } from './docs/build-reference.js'
import { findBrokenLinks } from './docs/find-broken-links.js'
import { createRepositoryReader, loadProviderSources } from './docs/provider-sources.js'
import { compareOutput, writeOutput } from './docs/sync-output.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const check = process.argv.includes('--check')
const skipApi = check || process.argv.includes('--skip-api')

const readRepositoryFile = createRepositoryReader(root)

function fail(title: string, lines: readonly string[]): never {
  console.error(`docs: ${title}\n${lines.map((line) => `  - ${line}`).join('\n')}`)
  process.exit(1)
}

const sources = loadProviderSources(readRepositoryFile)
const files = buildReference(sources)
const gaps = undocumentedEvents(sources, files)
if (gaps.length > 0) fail('events without a complete entry', gaps)
const broken = findBrokenLinks(files, readRepositoryFile)
if (broken.length > 0) fail('broken internal links', broken.map((link) => `${link.file}: (${link.link}) ${link.reason}`))

const difference = await compareOutput(root, files, GENERATED_DIRECTORIES)
if (check) {
  const changes = [...difference.outdated.map((path) => `${path} (out of date)`), ...difference.stale.map((path) => `${path} (stale)`)]
  if (changes.length > 0) fail('committed reference differs from the sources; run `pnpm run docs` and commit', changes)
  console.log(`docs: ${files.size} generated files are up to date`)
} else {
  await writeOutput(root, files, difference)
  console.log(`docs: ${files.size} files generated (${difference.outdated.length} written, ${difference.stale.length} stale removed)`)
}
if (!skipApi && buildApiSite(root) !== 0) fail('the TypeDoc API site failed to build', ['see the TypeDoc messages above'])
