/**
 * Builds the benchmark's processes the way the packages are published: tsup (esbuild) bundles the
 * workspace packages' sources into plain ESM for Node 20, without the name-keeping wrappers `tsx` adds to
 * every function (`__name(...)`), which would tax our closures and not the peers' prebuilt code. Third-party
 * packages stay external and load from node_modules as they would in an application.
 *
 * @module
 */
import { fileURLToPath } from 'node:url'
import { build } from 'tsup'

const benchDir = fileURLToPath(new URL('..', import.meta.url))

/** Where the bundles are written (git-ignored). */
export const OUT_DIR = `${benchDir}.out`

/**
 * Bundles the entry points and returns their paths by name.
 *
 * @example
 * ```ts
 * const entries = await bundleEntries()
 * fork(entries.micro)
 * ```
 */
export async function bundleEntries(): Promise<{ micro: string; server: string; profile: string; stores: string }> {
  await build({
    entry: { micro: 'src/micro-main.ts', server: 'src/http/server-main.ts', profile: 'src/profile.ts', stores: 'src/store-main.ts' },
    outDir: OUT_DIR,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    tsconfig: `${benchDir}tsconfig.json`,
    // The workspace packages are what is measured: bundle them from source. fastify-plugin is a dependency
    // of @crm-webhooks/fastify, not of the bench, so it is bundled with it.
    noExternal: [/^@crm-webhooks\//, 'fastify-plugin'],
    splitting: false,
    sourcemap: false,
    clean: true,
    silent: true,
  })
  return { micro: `${OUT_DIR}/micro.js`, server: `${OUT_DIR}/server.js`, profile: `${OUT_DIR}/profile.js`, stores: `${OUT_DIR}/stores.js` }
}
