import type { Receiver, WebhookResponse } from '@crm-webhooks/core'
import Fastify from 'fastify'
import { expectTypeOf, test } from 'vitest'
import { crmWebhooks } from './index.js'

test('request.webhookResponse is declared on FastifyRequest, undefined outside the scope the plugin is registered in', () => {
  // A plugin registered inside a prefixed scope decorates that scope only: the app's other routes have no such
  // property (see "outside the scope" in index.test.ts), so a `!== null` check alone must not type-check as safe.
  Fastify().get('/', async (request) => {
    expectTypeOf(request.webhookResponse).toEqualTypeOf<WebhookResponse | null | undefined>()
  })
})

test('the plugin options are checked at register', () => {
  const app = Fastify()
  app.register(crmWebhooks, { receiver: {} as Receiver, path: '/hooks' })
  // @ts-expect-error the receiver is required
  app.register(crmWebhooks, { path: '/hooks' })
})
