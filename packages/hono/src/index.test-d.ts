import type { Receiver } from '@crm-webhooks/core'
import { Hono, type MiddlewareHandler } from 'hono'
import { expectTypeOf, test } from 'vitest'
import { crmWebhooks } from './index.js'

test('crmWebhooks is a Hono middleware built from a receiver', () => {
  expectTypeOf(crmWebhooks).returns.toEqualTypeOf<MiddlewareHandler>()
  new Hono().post('/webhooks', crmWebhooks({} as Receiver))
  // @ts-expect-error the Node-only door is not enough: the middleware uses fetch and handle
  crmWebhooks({ handleNodeRequest: {} as Receiver['handleNodeRequest'] })
})
