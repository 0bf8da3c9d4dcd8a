#!/usr/bin/env node
/**
 * Checks the built packages as a consumer loads them (run after `pnpm build`; CI runs it):
 *
 * - publint: every package.json entry point and `exports` condition names a file the tarball holds;
 * - every package ships the repository's LICENSE (npm packs a package's own folder only);
 * - every library package (all but core and the CLI, an application) takes core as a peer dependency, so
 *   an app holds one copy of core. As a dependency, an app on core 0.2 with an adapter asking ^0.1 would
 *   get a second copy: an adapter given options builds its receiver with that copy, which does not
 *   recognise the `SignatureError` of the app's provider (500 where 401 was due), and TypeScript rejects
 *   one copy's receiver where the other's is expected;
 * - core's CommonJS and ESM builds each keep one copy of the error classes across their entry points
 *   (`@crm-webhooks/core` and `@crm-webhooks/core/providers`). With a copy per entry point, a scheme from
 *   `/providers` threw a `SignatureError` the receiver from `.` did not recognise, so every forged or
 *   unsigned delivery of a CommonJS app got 500 internal_error instead of 401;
 * - `/testing/stores`, the store contracts, loads without a test runner, through `require()` (jest) as through
 *   `import`: none of its modules imports vitest, which `/testing`'s conformance suite needs;
 * - a TypeScript consumer finds the types of `.`, `/providers`, `/testing` and `/testing/stores` under every module
 *   resolution in use: `node10` (still the default of `module: commonjs`) reads no `exports`, so core's
 *   `typesVersions` maps the subpaths for it.
 *
 * Plain Node (no tsx): it loads `dist/` exactly as an installed package would.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const failures = []

for (const name of readdirSync(join(root, 'packages'))) {
  const pkgDir = join(root, 'packages', name)
  const { messages, pkg } = await publint({ pkgDir, level: 'warning', pack: 'pnpm' })
  for (const message of messages) failures.push(`${pkg.name}: publint ${message.type}: ${formatMessage(message, pkg)}`)
  const license = join(pkgDir, 'LICENSE')
  if (!existsSync(license) || readFileSync(license, 'utf8') !== readFileSync(join(root, 'LICENSE'), 'utf8')) {
    failures.push(`${pkg.name}: LICENSE is missing or differs from the repository's (cp LICENSE packages/${name}/)`)
  }
  const usesCore = pkg.dependencies?.['@crm-webhooks/core'] ?? pkg.peerDependencies?.['@crm-webhooks/core']
  if (usesCore && name !== 'cli' && !(pkg.peerDependencies?.['@crm-webhooks/core'] && !pkg.dependencies?.['@crm-webhooks/core'])) {
    failures.push(`${pkg.name}: @crm-webhooks/core must be a peerDependency (and a devDependency), not a dependency`)
  }
}

/** The statuses and error codes of a forged, an unsigned and a genuine delivery through one module format. */
async function statusesThrough(format, core, providers) {
  const secret = 'check-packages-secret'
  const receiver = core.createReceiver({ provider: providers.automatenexus, secret })
  receiver.on('deal.won', () => {})
  const genuine = await providers.buildSampleDelivery('automatenexus', 'deal.won', { secret })
  const forged = await providers.buildSampleDelivery('automatenexus', 'deal.won', { secret: 'a-guess' })
  const unsigned = { ...genuine, headers: Object.fromEntries(Object.entries(genuine.headers).filter(([key]) => !/signature/i.test(key))) }
  const outcomes = {}
  for (const [label, delivery] of Object.entries({ forged, unsigned, genuine })) {
    const response = await receiver.fetch(new Request('http://check.invalid/webhooks', delivery))
    const body = await response.json()
    outcomes[label] = `${response.status} ${body.ok ? 'ok' : body.error.code}`
  }
  const expected = { forged: '401 invalid_signature', unsigned: '401 missing_signature', genuine: '200 ok' }
  for (const label of Object.keys(expected)) {
    if (outcomes[label] !== expected[label]) failures.push(`core (${format}): a ${label} delivery got ${outcomes[label]}, expected ${expected[label]}`)
  }
}

const coreDir = join(root, 'packages', 'core')
const requireFromCore = createRequire(join(coreDir, 'package.json'))
await statusesThrough('CommonJS', requireFromCore('@crm-webhooks/core'), requireFromCore('@crm-webhooks/core/providers'))
await statusesThrough('ESM', await import(join(coreDir, 'dist/index.js')), await import(join(coreDir, 'dist/providers/index.js')))

/** The files an ESM module of dist loads, itself included, following its relative imports. */
function esmModuleGraph(file, seen = new Set()) {
  if (seen.has(file)) return seen
  seen.add(file)
  for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*["'](\.[^"']+)["']/g)) esmModuleGraph(join(dirname(file), specifier), seen)
  return seen
}

const storesEsm = join(coreDir, 'dist/testing/stores.js')
for (const file of esmModuleGraph(storesEsm)) {
  if (/(?:from|import)\s*["']vitest["']/.test(readFileSync(file, 'utf8'))) failures.push(`core: /testing/stores loads vitest (through ${file})`)
}
for (const [format, stores] of [['CommonJS', () => requireFromCore('@crm-webhooks/core/testing/stores')], ['ESM', () => import(storesEsm)]]) {
  try {
    const loaded = await stores()
    if (!Array.isArray(loaded.idempotencyStoreContract)) failures.push(`core (${format}): /testing/stores has no idempotencyStoreContract`)
  } catch (error) {
    failures.push(`core (${format}): /testing/stores does not load: ${error.message}`)
  }
}

/** Type-checks a consumer of core, linked into a scratch node_modules as an install would, under `moduleResolution`. */
function typeCheckConsumer(moduleResolution, module) {
  const consumer = mkdtempSync(join(tmpdir(), 'crm-webhooks-consumer-'))
  try {
    mkdirSync(join(consumer, 'node_modules', '@crm-webhooks'), { recursive: true })
    symlinkSync(coreDir, join(consumer, 'node_modules', '@crm-webhooks', 'core'), 'dir')
    writeFileSync(
      join(consumer, 'index.ts'),
      [
        "import { createReceiver } from '@crm-webhooks/core'",
        "import { automatenexus } from '@crm-webhooks/core/providers'",
        "import { badInputCases } from '@crm-webhooks/core/testing'",
        "import { idempotencyStoreContract } from '@crm-webhooks/core/testing/stores'",
        "const receiver = createReceiver({ provider: automatenexus, secret: 's' })",
        'receiver.on(\'deal.stage_changed\', (event) => { const stage: string = event.data.previous_stage; void stage })',
        'void badInputCases',
        'void idempotencyStoreContract',
        '',
      ].join('\n'),
    )
    const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc')
    const flags = ['--noEmit', '--strict', '--skipLibCheck', '--esModuleInterop', '--target', 'es2022', '--types', 'node']
    execFileSync(process.execPath, [tsc, ...flags, '--typeRoots', join(root, 'node_modules', '@types'), '--moduleResolution', moduleResolution, '--module', module, join(consumer, 'index.ts')], { encoding: 'utf8' })
  } catch (error) {
    failures.push(`core: a TypeScript consumer with moduleResolution ${moduleResolution} fails to type-check:\n${error.stdout ?? error.message}`)
  } finally {
    rmSync(consumer, { recursive: true, force: true })
  }
}

for (const [moduleResolution, module] of [['node10', 'commonjs'], ['node16', 'node16'], ['bundler', 'esnext']]) typeCheckConsumer(moduleResolution, module)

if (failures.length > 0) {
  console.error(failures.join('\n'))
  process.exit(1)
}
console.log('packages: publint clean, core a peer of every library; core answers forged, unsigned and genuine deliveries alike through CommonJS and ESM, its store contracts load without a test runner, and it type-checks for consumers under node10, node16 and bundler resolution')
