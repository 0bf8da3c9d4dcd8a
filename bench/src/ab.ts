/**
 * Measures the working tree's core against a baseline revision's: `pnpm --filter @crm-webhooks/bench ab`
 * `[--rev <git revision, default HEAD>] [--only verify,parse,pipeline] [--rounds <n, default 40>]`.
 * Extracts the baseline's packages/core/src with `git archive`, bundles both cores into one process
 * (ab-main.ts) and prints each group's ratio to its floor, before and after. The numbers in the perf
 * commits' messages come from here.
 *
 * @module
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'tsup'
import { OUT_DIR } from './bundle.js'
import { PAYLOAD_SIZES } from './payloads.js'

const args = process.argv.slice(2)
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback)
const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const revision = execFileSync('git', ['rev-parse', '--short', option('--rev', 'HEAD')], { cwd: repoRoot, encoding: 'utf8' }).trim()
const snapshot = `${OUT_DIR}/baseline-${revision}`

rmSync(snapshot, { recursive: true, force: true })
mkdirSync(snapshot, { recursive: true })
const archive = execFileSync('git', ['archive', revision, 'packages/core/src'], { cwd: repoRoot, maxBuffer: 1 << 28 })
execFileSync('tar', ['-x', '-C', snapshot], { input: archive })

const baselineSrc = `${snapshot}/packages/core/src`
await build({
  entry: { ab: 'src/ab-main.ts' },
  outDir: OUT_DIR,
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)),
  noExternal: [/^@crm-webhooks\//, /^crm-webhooks-baseline\//],
  esbuildOptions(options) {
    options.alias = {
      'crm-webhooks-baseline/core': `${baselineSrc}/index.ts`,
      'crm-webhooks-baseline/providers': `${baselineSrc}/providers/index.ts`,
      'crm-webhooks-baseline/parse-body': `${baselineSrc}/pipeline/parse-body.ts`,
    }
  },
  splitting: false,
  sourcemap: false,
  clean: false,
  silent: true,
})

const settings = {
  groups: option('--only', 'verify,parse,pipeline').split(','),
  sizes: PAYLOAD_SIZES,
  rounds: Number(option('--rounds', '40')),
}
console.log(`baseline ${revision} against the working tree; ratios to the floor, medians over alternating pairs`)
const run = spawnSync(process.execPath, [`${OUT_DIR}/ab.js`, JSON.stringify(settings)], { stdio: 'inherit' })
process.exitCode = run.status ?? 1
