/**
 * The core README's recipes for frameworks that need no adapter, under the conformance table: Koa (the Node
 * listener behind `ctx.respond = false`, and the answer written through `ctx`, with an app-wide koa-bodyparser
 * that keeps only text) and h3 1.x, the server of Nitro 2 and Nuxt (`fromNodeMiddleware`).
 */
import { createServer } from 'node:http'
import Router from '@koa/router'
import { createApp, createRouter, fromNodeMiddleware, toNodeListener } from 'h3'
import Koa from 'koa'
import bodyParser from 'koa-bodyparser'
import { nodeClientErrorListener } from '../http/node-client-error-listener.js'
import { createNodeListener } from '../http/node-listener.js'
import { responseContent } from '../pipeline/respond.js'
import type { Receiver } from '../receiver.js'
import { badInputCases } from './bad-input-cases.js'
import type { ConformanceEntry } from './conformance-case.js'
import { listenOnLoopback } from './listen-on-loopback.js'
import { runConformanceSuite } from './run-conformance-suite.js'

/** The README's Koa recipe: the listener writes the answer itself. */
function koaListenerRoute(receiver: Receiver<any>): Koa.Middleware {
  const listener = createNodeListener(receiver)
  return (ctx) => {
    ctx.respond = false
    return listener(ctx.req, ctx.res)
  }
}

/** The README's other Koa recipe: the answer goes through `ctx`, so Koa middleware sees it. */
function koaContextRoute(receiver: Receiver<any>): Koa.Middleware {
  return async (ctx) => {
    // koa-bodyparser keeps only the decoded text: handed over, it is refused with a message naming the fix.
    const kept = (ctx.request as { rawBody?: string }).rawBody
    const answer = await receiver.handleNodeRequest(ctx.req, kept)
    ctx.status = answer.status
    ctx.set(answer.headers)
    const body = responseContent(answer, ctx.method)
    if (body !== undefined) ctx.body = body
  }
}

function koaEntry(name: string, route: (receiver: Receiver<any>) => Koa.Middleware): ConformanceEntry {
  return {
    name,
    supports: { bodyParsers: ['drops-raw-body'] },
    async start(receiver, { bodyParser: setup }) {
      const app = new Koa()
      // all, not post: with post, allowedMethods() would answer the workflow platform's signed GET itself (405).
      const router = new Router().all('/webhooks', route(receiver))
      if (setup === 'drops-raw-body') app.use(bodyParser())
      app.use(router.routes())
      return listenOnLoopback(createServer(app.callback()).on('clientError', nodeClientErrorListener))
    },
  }
}

const koaListener = koaEntry('Koa: ctx.respond = false, createNodeListener', koaListenerRoute)
const koaContext = koaEntry('Koa: handleNodeRequest, answered through ctx', koaContextRoute)
runConformanceSuite(koaListener)
runConformanceSuite({ ...koaListener, name: `${koaListener.name} (bad input)` }, { cases: badInputCases })
runConformanceSuite(koaContext)
runConformanceSuite({ ...koaContext, name: `${koaContext.name} (bad input)` }, { cases: badInputCases })

const h3Entry: ConformanceEntry = {
  name: 'h3 1.x: fromNodeMiddleware(createNodeListener)',
  async start(receiver) {
    const app = createApp()
    app.use(createRouter().use('/webhooks', fromNodeMiddleware(createNodeListener(receiver))))
    return listenOnLoopback(createServer(toNodeListener(app)).on('clientError', nodeClientErrorListener))
  },
}
runConformanceSuite(h3Entry)
runConformanceSuite({ ...h3Entry, name: `${h3Entry.name} (bad input)` }, { cases: badInputCases })
