/**
 * The core's own doors under the conformance table: `createNodeListener` on node:http, and
 * `receiver.fetch` served by @hono/node-server (the way a Fetch runtime would call it).
 */
import { createServer } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import { createNodeListener } from '../http/node-listener.js'
import { listenOnLoopback } from './listen-on-loopback.js'
import { runConformanceSuite } from './run-conformance-suite.js'

runConformanceSuite({
  name: 'node:http createNodeListener',
  supports: { bodyParsers: ['drops-raw-body'] },
  async start(receiver, { bodyParser }) {
    const listener = createNodeListener(receiver)
    return listenOnLoopback(
      createServer((request, response) => {
        if (bodyParser !== 'drops-raw-body') return void listener(request, response)
        // An app-level layer that read the stream for itself and kept nothing.
        request.on('data', () => {}).on('end', () => void listener(request, response))
      }),
    )
  },
})

runConformanceSuite({
  name: 'Fetch receiver.fetch on @hono/node-server',
  supports: { bodyParsers: ['drops-raw-body'] },
  async start(receiver, { bodyParser }) {
    const fetchHandler = async (request: Request) => {
      // A runtime-level layer that parsed the JSON itself and passed the same Request on.
      if (bodyParser === 'drops-raw-body') await request.json().catch(() => undefined)
      return receiver.fetch(request)
    }
    return listenOnLoopback(createServer(getRequestListener(fetchHandler)))
  },
})
