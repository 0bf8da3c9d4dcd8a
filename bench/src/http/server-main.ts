/**
 * One server process of the HTTP benchmark: starts one framework in one variant (`express/inline`, ...,
 * from argv), reports its port to the parent over IPC, then serves until the parent disconnects. Each
 * contender has its own process, so the load generator never shares its event loop and no contender's
 * heap (the receivers' idempotency stores grow) is garbage-collected on another's time. Asked `cpu`, it
 * answers the CPU time it has used so far, which the parent turns into CPU time per request.
 *
 * @module
 */
import { FRAMEWORKS, type Framework, VARIANTS, type Variant, startServer } from './servers.js'

const secret = process.env.BENCH_SECRET
const [framework, variant] = (process.argv[2] ?? '').split('/') as [Framework, Variant]
if (!secret || !process.send || !FRAMEWORKS.includes(framework) || !VARIANTS.includes(variant)) {
  throw new Error('server-main runs as a forked child, with BENCH_SECRET set and <framework>/<variant> as argument')
}
process.send({ port: await startServer(framework, variant, secret) })
process.on('message', (message) => {
  if (message === 'cpu') process.send!({ cpu: process.cpuUsage() })
})
process.on('disconnect', () => process.exit(0))
