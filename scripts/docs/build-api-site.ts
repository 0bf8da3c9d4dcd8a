/**
 * The HTML site: TypeDoc over the packages' entry points, with the event reference pages as project
 * documents, into `docs/api/` (configured in `typedoc.json`). Run through TypeDoc's own CLI so its exit
 * status (validation warnings are errors, see `treatValidationWarningsAsErrors`) decides.
 *
 * @module
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/**
 * Builds the API site; resolves with TypeDoc's exit status (0 on success).
 *
 * @example
 * ```ts
 * if (buildApiSite(repositoryRoot) !== 0) process.exitCode = 1
 * ```
 */
export function buildApiSite(root: string): number {
  const typedocBin = join(dirname(createRequire(import.meta.url).resolve('typedoc/package.json')), 'bin', 'typedoc')
  const result = spawnSync(process.execPath, [typedocBin, '--options', join(root, 'typedoc.json')], { cwd: root, stdio: 'inherit' })
  return result.status ?? 1
}
