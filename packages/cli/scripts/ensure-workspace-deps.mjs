// Builds the workspace packages the CLI imports at run time when their dist is missing or older than
// their sources, so `pnpm --filter @crm-webhooks/cli build` alone yields a working dist/bin.js. Under the
// root `pnpm build` (topological) they are already fresh and this does nothing.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs'
import { join } from 'node:path'

function workspaceDeps(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  return Object.entries(manifest.dependencies ?? {})
    .filter(([, range]) => String(range).startsWith('workspace:'))
    .map(([name]) => ({ name, dir: realpathSync(join(dir, 'node_modules', name)) }))
}

function newestMtime(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

function isStale(dir) {
  const built = join(dir, 'dist', 'index.js')
  if (!existsSync(built)) return true
  const sources = [join(dir, 'src'), join(dir, 'package.json')]
  const newestSource = Math.max(...sources.filter(existsSync).map((path) => (statSync(path).isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)))
  return newestSource > statSync(built).mtimeMs
}

// Every workspace package reachable from the CLI (the sender needs core, adapters need core, ...).
const seen = new Map()
const queue = workspaceDeps(process.cwd())
while (queue.length > 0) {
  const dep = queue.shift()
  if (seen.has(dep.name)) continue
  seen.set(dep.name, dep)
  queue.push(...workspaceDeps(dep.dir))
}
const stale = [...seen.values()].filter((dep) => isStale(dep.dir)).map((dep) => dep.name)
if (stale.length > 0) {
  console.log(`building workspace dependencies first: ${stale.join(', ')}`)
  // Several --filter flags: pnpm runs the builds in dependency order.
  const args = [...stale.flatMap((name) => ['--filter', name]), 'run', 'build']
  // The pnpm running this script (also when it came through `npx pnpm@10`, which may not be on PATH).
  const execPath = process.env.npm_execpath
  const result = execPath && /pnpm/.test(execPath)
    ? spawnSync(process.execPath, [execPath, ...args], { stdio: 'inherit' })
    : spawnSync('pnpm', args, { stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}
