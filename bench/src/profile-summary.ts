/**
 * Self time by function from a `.cpuprofile` (what `node --cpu-prof` writes), counting only samples
 * under `timeBatch` (the timed region: batch preparation and signing are left out), the top 30.
 * Asynchronous continuations run outside `timeBatch`'s stack, so they are listed separately.
 *
 * @module
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}

const file = process.argv[2]
if (!file) throw new Error('usage: profile-summary <file.cpuprofile>')
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] }
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const parent = new Map<number, number>()
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame
  return `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|packages|bench)\//, '$1/')}:${lineNumber + 1}`
}

function insideTimedRegion(node: ProfileNode): boolean {
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
    const name = byId.get(id)!.callFrame.functionName
    if (name === 'timeBatch') return true
    if (name === 'deliveries' || name === 'uniqueDelivery' || name === 'hmacHex') return false
  }
  // Promise continuations (microtasks) have no timeBatch frame; keep them unless they are preparation.
  return true
}

const selfHits = new Map<string, number>()
let total = 0
for (const node of profile.nodes) {
  const hits = node.hitCount ?? 0
  if (hits === 0 || !insideTimedRegion(node)) continue
  selfHits.set(label(node), (selfHits.get(label(node)) ?? 0) + hits)
  total += hits
}
for (const [key, hits] of [...selfHits].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  console.log(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${key}`)
}
