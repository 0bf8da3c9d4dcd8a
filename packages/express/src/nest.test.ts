/**
 * The handler inside a NestJS app on its default Express platform, mounted the two ways the README shows:
 * `app.use()` in main.ts before `listen()` (ahead of the body parsers Nest installs at init), and a controller
 * with `@Req()` and `@Res()` in an app created with `{ rawBody: true }`. Decorators are applied as calls, so the
 * file needs no `experimentalDecorators`.
 */
import 'reflect-metadata'
import type { Server } from 'node:http'
import { All, Controller, Module, type NestInterceptor, Req, Res } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import type { NestExpressApplication } from '@nestjs/platform-express'
import { type Receiver, createReceiver } from '@crm-webhooks/core'
import {
  CONFORMANCE_SECRET,
  type ConformanceEntry,
  badInputCases,
  conformanceCases,
  conformanceProvider,
  runConformanceSuite,
  signedRequest,
} from '@crm-webhooks/core/testing'
import type { Request, Response } from 'express'
import { tap } from 'rxjs'
import { afterEach, describe, expect, it } from 'vitest'
import { crmWebhooks } from './index.js'

type Mount = 'app.use in main.ts' | 'controller'

/** A Nest app whose only module has the webhook controller (or none), as a project's AppModule would. */
function appModule(receiver: Receiver<any>, mount: Mount) {
  const handle = crmWebhooks(receiver)
  class WebhooksController {
    receive(request: Request, response: Response) {
      return handle(request, response)
    }
  }
  if (mount === 'controller') {
    const method = Object.getOwnPropertyDescriptor(WebhooksController.prototype, 'receive')!
    All()(WebhooksController.prototype, 'receive', method)
    Req()(WebhooksController.prototype, 'receive', 0)
    Res()(WebhooksController.prototype, 'receive', 1)
    Controller('webhooks')(WebhooksController)
  }
  class AppModule {}
  Module({ controllers: mount === 'controller' ? [WebhooksController] : [] })(AppModule)
  return AppModule
}

async function startNest(receiver: Receiver<any>, mount: Mount, options: { rawBody?: boolean } = {}, interceptor?: NestInterceptor) {
  const app = await NestFactory.create<NestExpressApplication>(appModule(receiver, mount), { logger: false, ...options })
  if (interceptor) app.useGlobalInterceptors(interceptor)
  if (mount === 'app.use in main.ts') app.use('/webhooks', crmWebhooks(receiver))
  await app.listen(0, '127.0.0.1')
  return {
    url: `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/webhooks`,
    app,
    async close() {
      const closing = app.close()
      ;(app.getHttpServer() as Server).closeAllConnections() // fetch's idle keep-alive sockets
      await closing
    },
  }
}

const useInMain: ConformanceEntry = { name: 'NestJS (Express): app.use() in main.ts, default options', start: (receiver) => startNest(receiver, 'app.use in main.ts') }
runConformanceSuite(useInMain)
runConformanceSuite({ ...useInMain, name: `${useInMain.name} (bad input)` }, { cases: badInputCases })

// Nest's own parsers run first here: the cases they answer themselves (a body they cannot parse, a slow body) are
// left to the README, and the table's parser cases map to Nest's options.
runConformanceSuite(
  {
    name: 'NestJS (Express): @All() controller, { rawBody: true }',
    supports: { bodyParsers: ['keeps-raw-body', 'drops-raw-body'] },
    start: (receiver, { bodyParser }) => startNest(receiver, 'controller', { rawBody: bodyParser !== 'drops-raw-body' }),
  },
  { cases: conformanceCases.filter((c) => !c.name.startsWith('invalid JSON')) },
)

describe('NestJS (Express): what a controller sees', () => {
  let close: (() => Promise<void>) | undefined
  afterEach(async () => {
    await close?.()
    close = undefined
  })

  it('an interceptor after the controller sees the status crm-webhooks answered (the handler returns its promise)', async () => {
    const receiver = createReceiver({ provider: conformanceProvider, secret: CONFORMANCE_SECRET })
    const statuses: number[] = []
    const started = await startNest(receiver, 'controller', { rawBody: true }, {
      intercept: (context, next) => {
        const response = context.switchToHttp().getResponse<Response>()
        return next.handle().pipe(tap(() => statuses.push(response.headersSent ? response.statusCode : 0)))
      },
    })
    close = started.close
    const request = await signedRequest({ id: 'evt_nest_tampered' })
    const response = await fetch(started.url, { method: 'POST', headers: request.headers, body: `${request.body} ` })
    expect(response.status).toBe(401)
    expect(statuses).toEqual([401])
  })
})
