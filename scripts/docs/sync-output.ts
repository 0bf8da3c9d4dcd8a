/**
 * Writes the generated reference, or (`--check`) compares it with what is committed. The generator owns
 * its directories whole, so a file there that it no longer produces (a removed event) is stale.
 *
 * @module
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'

/** What differs between the generated files and the working tree. */
export interface OutputDifference {
  /** Generated files that are missing or differ on disk. */
  readonly outdated: string[]
  /** Files in the generator's directories that it no longer produces. */
  readonly stale: string[]
}

async function listFiles(root: string, directory: string): Promise<string[]> {
  const entries = await readdir(join(root, directory), { withFileTypes: true }).catch(() => [])
  const files: string[] = []
  for (const entry of entries) {
    const path = `${directory}/${entry.name}`
    if (entry.isDirectory()) files.push(...(await listFiles(root, path)))
    else files.push(path)
  }
  return files
}

/**
 * Compares `files` (content by repository path) with the tree under `root`; `ownedDirectories` are the
 * generator's own, where unknown files count as stale.
 *
 * @example
 * ```ts
 * const { outdated, stale } = await compareOutput(root, files, ['docs/schemas', 'docs/providers'])
 * ```
 */
export async function compareOutput(
  root: string,
  files: ReadonlyMap<string, string>,
  ownedDirectories: readonly string[],
): Promise<OutputDifference> {
  const outdated: string[] = []
  for (const [path, content] of files) {
    const current = await readFile(join(root, path), 'utf8').catch(() => undefined)
    if (current !== content) outdated.push(path)
  }
  const stale: string[] = []
  for (const directory of ownedDirectories) {
    for (const path of await listFiles(root, directory)) if (!files.has(path)) stale.push(path)
  }
  return { outdated: outdated.sort(), stale: stale.sort() }
}

/**
 * Brings the tree in line with `files`: writes what is outdated, deletes what is stale.
 *
 * @example
 * ```ts
 * await writeOutput(root, files, await compareOutput(root, files, owned))
 * ```
 */
export async function writeOutput(root: string, files: ReadonlyMap<string, string>, difference: OutputDifference): Promise<void> {
  for (const path of difference.outdated) {
    await mkdir(dirname(join(root, path)), { recursive: true })
    await writeFile(join(root, path), files.get(path)!)
  }
  for (const path of difference.stale) await rm(join(root, path))
}
