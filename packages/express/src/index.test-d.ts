import type { Receiver } from '@crm-webhooks/core'
import express, { type Request, type RequestHandler } from 'express'
import { expectTypeOf, test } from 'vitest'
import { crmWebhooks, rawBodySaver } from './index.js'

test('req.rawBody is declared on Express requests, and rawBodySaver fits body-parser verify', () => {
  expectTypeOf<Request['rawBody']>().toEqualTypeOf<Buffer | undefined>()
  express.json({ verify: rawBodySaver })
  express.urlencoded({ verify: rawBodySaver })
})

test('crmWebhooks takes a receiver and gives an Express handler', () => {
  expectTypeOf(crmWebhooks).parameter(0).toEqualTypeOf<Pick<Receiver<any>, 'handleNodeRequest'>>()
  expectTypeOf(crmWebhooks).returns.toExtend<RequestHandler>()
  express().all('/webhooks', crmWebhooks({} as Receiver<any>))
  // A NestJS controller calls it with @Req() and @Res() and awaits the answer.
  expectTypeOf(crmWebhooks({} as Receiver<any>)).toBeCallableWith({} as Request, {} as express.Response)
  expectTypeOf(crmWebhooks({} as Receiver<any>)({} as Request, {} as express.Response)).toEqualTypeOf<Promise<void>>()
  // @ts-expect-error a bare function is not a receiver
  crmWebhooks(async () => undefined)
})
