/**
 * What the reference is generated from: the built-in providers of the registry, each with its README and
 * fixtures, and a reader for the repository's files.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type ProviderId, providerFixtures, providers } from '@crm-webhooks/core/providers'
import type { ProviderSource } from './build-reference.js'
import type { ReadRepositoryFile } from './find-broken-links.js'

/**
 * Reads files of the repository at `root` by their repository path; `undefined` when absent.
 *
 * @example
 * ```ts
 * const read = createRepositoryReader(root)
 * read('packages/core/src/providers/connectgain/README.md')
 * ```
 */
export function createRepositoryReader(root: string): ReadRepositoryFile {
  return (path) => (existsSync(join(root, path)) ? readFileSync(join(root, path), 'utf8') : undefined)
}

/**
 * One source per built-in provider; throws when a provider folder has no README.
 *
 * @example
 * ```ts
 * const sources = loadProviderSources(createRepositoryReader(root))
 * ```
 */
export function loadProviderSources(read: ReadRepositoryFile): ProviderSource[] {
  return Object.values(providers).map((provider) => {
    const readme = read(`packages/core/src/providers/${provider.id}/README.md`)
    if (readme === undefined) throw new Error(`packages/core/src/providers/${provider.id}/README.md is missing`)
    return {
      provider,
      // The registry's export names are the ids in camelCase: workflow-platform -> workflowPlatform.
      exportName: provider.id.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()),
      readme,
      fixtures: providerFixtures[provider.id as ProviderId],
    }
  })
}
