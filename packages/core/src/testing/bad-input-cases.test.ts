/**
 * The bad-input table against the core's own doors over real sockets: `createNodeListener` on node:http,
 * and `receiver.fetch` served by @hono/node-server (how a Fetch runtime calls it). The framework adapters
 * run the same table in their own tests.
 */
import { createServer } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import { createNodeListener } from '../http/node-listener.js'
import { badInputCases } from './bad-input-cases.js'
import { listenOnLoopback } from './listen-on-loopback.js'
import { runConformanceSuite } from './run-conformance-suite.js'

runConformanceSuite(
  { name: 'node:http createNodeListener', start: async (receiver) => listenOnLoopback(createServer(createNodeListener(receiver))) },
  { cases: badInputCases },
)

runConformanceSuite(
  {
    name: 'Fetch receiver.fetch on @hono/node-server',
    start: async (receiver) => listenOnLoopback(createServer(getRequestListener((request: Request) => receiver.fetch(request)))),
  },
  { cases: badInputCases },
)
