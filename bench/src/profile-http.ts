/**
 * Where a server's time goes under the HTTP benchmark's load: each `<framework>/<variant>` named on the
 * command line runs in its own process under `node --cpu-prof` (bundled, as `pnpm bench` runs it), takes
 * one second of warm-up and five timed seconds of autocannon (32 connections, distinct signed 4 KB
 * events), and its profile is summarised per request answered: the busy time, the native socket writes
 * (`writev`) within it, and the functions with the most self time.
 *
 * Usage: `cd bench && npx tsx src/profile-http.ts fastify/inline fastify/crm-webhooks`
 *
 * @module
 */
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { bundleEntries } from './bundle.js'
import { load, startServerProcess } from './http/load.js'
import { buildCrmEvent } from './payloads.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}

const SECRET = 'whsec_profile_http'
const TOP_FUNCTIONS = 25

const contenders = process.argv.slice(2)
if (contenders.length === 0) throw new Error('usage: profile-http <framework/variant>...')
const entries = await bundleEntries()
const options = { serverEntry: entries.server, secret: SECRET, event: buildCrmEvent(4096), rounds: 1, durationSeconds: 5, connections: 32 }

function label({ functionName, url, lineNumber }: ProfileNode['callFrame']): string {
  return `${functionName || '(anonymous)'} ${url.replace(/^.*\/node_modules\//, '').replace(/^.*\/bench\//, 'bench/')}:${lineNumber + 1}`
}

/** Self time per function in µs (a profile's `timeDeltas` say how long each sample stood for). */
function selfMicros(file: string): Map<string, number> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }
  const byNode = new Map<number, number>()
  profile.samples.forEach((id, index) => byNode.set(id, (byNode.get(id) ?? 0) + profile.timeDeltas[index]!))
  const byFunction = new Map<string, number>()
  for (const node of profile.nodes) {
    const key = label(node.callFrame)
    byFunction.set(key, (byFunction.get(key) ?? 0) + (byNode.get(node.id) ?? 0))
  }
  return byFunction
}

for (const contender of contenders) {
  const dir = `/tmp/crm-webhooks-profile-http/${contender.replace('/', '_')}`
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const { child, port } = await startServerProcess(entries.server, SECRET, contender, ['--cpu-prof', `--cpu-prof-dir=${dir}`])
  const url = `http://127.0.0.1:${port}/webhooks`
  // The warm-up's requests are in the profile too (and so is start-up): per request, they count alike.
  const warmUp = await load(url, { ...options, durationSeconds: 1 }, child)
  const timed = await load(url, options, child)
  const requests = warmUp.requests + timed.requests
  // The profile is written as the process exits, which it does once the parent disconnects.
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.disconnect()
  await exited
  const self = selfMicros(`${dir}/${readdirSync(dir)[0]!}`)
  const idle = [...self].filter(([key]) => key.startsWith('(idle)')).reduce((sum, [, micros]) => sum + micros, 0)
  const busy = [...self.values()].reduce((sum, micros) => sum + micros, 0) - idle
  const writes = [...self].filter(([key]) => key.startsWith('writev ')).reduce((sum, [, micros]) => sum + micros, 0)
  const perRequest = (micros: number) => (micros / requests).toFixed(1).padStart(7)
  console.log(`\n${contender}: ${timed.requestsPerSecond.toFixed(0)} req/s; per request, µs: busy ${perRequest(busy)}, of it writev ${perRequest(writes)}`)
  for (const [key, micros] of [...self].filter(([key]) => !key.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, TOP_FUNCTIONS)) {
    console.log(`${perRequest(micros)}  ${key}`)
  }
}
