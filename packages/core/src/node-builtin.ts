/**
 * Node's built-in modules where the runtime has them (Node, Bun, Deno), reached through
 * `process.getBuiltinModule`, so no bundler or Web runtime ever sees a static `node:` import.
 *
 * @module
 */

/**
 * A built-in module by id, or `undefined` on runtimes without it.
 *
 * @example
 * ```ts
 * const nodeCrypto = loadNodeBuiltin<typeof import('node:crypto')>('node:crypto')
 * ```
 */
export function loadNodeBuiltin<Module>(id: string): Module | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  try {
    return proc?.getBuiltinModule?.(id) as Module | undefined
  } catch {
    return undefined
  }
}
