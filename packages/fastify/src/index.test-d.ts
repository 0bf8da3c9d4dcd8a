import type { Receiver, WebhookResponse } from '@crm-webhooks/core'
import Fastify from 'fastify'
import { expectTypeOf, test } from 'vitest'
import { crmWebhooks } from './index.js'

test('request.webhookResponse is declared on FastifyRequest', () => {
  Fastify().get('/', async (request) => {
    expectTypeOf(request.webhookResponse).toEqualTypeOf<WebhookResponse | null>()
  })
})

test('the plugin options are checked at register', () => {
  const app = Fastify()
  app.register(crmWebhooks, { receiver: {} as Receiver, path: '/hooks' })
  // @ts-expect-error the receiver is required
  app.register(crmWebhooks, { path: '/hooks' })
})
