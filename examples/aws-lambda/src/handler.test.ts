import { createReceiver } from '@crm-webhooks/core'
import { type SampleDelivery, automatenexus, buildSampleDelivery } from '@crm-webhooks/core/providers'
import type { LambdaContext, LambdaEvent } from 'hono/aws-lambda'
import { describe, expect, it, vi } from 'vitest'
import { handler, lambdaHandler } from './handler.js'

// handler.ts builds its receiver when it loads, from the environment, as on Lambda.
const secret = vi.hoisted(() => (process.env.AUTOMATENEXUS_SECRET = 'lambda-example-secret'))
let clock = Date.now()
const dealWon = () => buildSampleDelivery('automatenexus', 'deal.won', { secret, now: ++clock })

/** An HTTP API (payload 2.0) event as API Gateway builds it: header names lower-cased, the body as text or base64. */
function httpApiEvent(delivery: SampleDelivery, { base64 = false } = {}): LambdaEvent {
  const headers = Object.fromEntries(Object.entries(delivery.headers).map(([name, value]) => [name.toLowerCase(), value]))
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/webhooks',
    rawQueryString: '',
    headers: { ...headers, host: 'abc123.execute-api.eu-west-1.amazonaws.com', 'content-length': String(Buffer.byteLength(delivery.body)) },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authentication: null,
      authorizer: {},
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method: delivery.method, path: '/webhooks', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'AutomateNexus' },
      requestId: globalThis.crypto.randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date(clock).toUTCString(),
      timeEpoch: clock,
    },
    body: base64 ? Buffer.from(delivery.body).toString('base64') : delivery.body,
    isBase64Encoded: base64,
  }
}

const context = { getRemainingTimeInMillis: () => 10_000 } as LambdaContext

async function invoke(handler: ReturnType<typeof lambdaHandler>, event: LambdaEvent) {
  const result = (await handler(event, context)) as { statusCode: number; body: string }
  return { status: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown> }
}

describe('the AWS Lambda example', () => {
  it('handles a signed delivery sent as text or as base64 once, and acknowledges its resend without running it again', async () => {
    const handled: string[] = []
    const handler = lambdaHandler(createReceiver({ provider: automatenexus, secret }).on('deal.won', (event) => void handled.push(event.data.id)))
    const delivery = await dealWon()
    expect(await invoke(handler, httpApiEvent(delivery))).toEqual({ status: 200, body: { ok: true, event: 'deal.won', duplicate: false } })
    expect(await invoke(handler, httpApiEvent(delivery, { base64: true }))).toMatchObject({ status: 200, body: { duplicate: true } })
    expect(await invoke(handler, httpApiEvent(await dealWon(), { base64: true }))).toMatchObject({ status: 200, body: { duplicate: false } })
    expect(handled).toHaveLength(2)
  })

  it('refuses a tampered body (401) without running the handler', async () => {
    const handled: string[] = []
    const handler = lambdaHandler(createReceiver({ provider: automatenexus, secret }).on('deal.won', (event) => void handled.push(event.data.id)))
    const delivery = await dealWon()
    const tampered = { ...delivery, body: delivery.body.replace('"deal.won"', '"deal.won" ') }
    expect(await invoke(handler, httpApiEvent(tampered))).toMatchObject({ status: 401, body: { error: { code: 'invalid_signature' } } })
    expect(handled).toEqual([])
  })

  it('returns only once a handler past handlerTimeoutMs has finished and its completion is recorded, so the resend is a duplicate', async () => {
    const finished: string[] = []
    const receiver = createReceiver({ provider: automatenexus, secret, handlerTimeoutMs: 50, lockTtlMs: 5_000 }).on('deal.won', async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 300))
      finished.push(event.data.id)
    })
    const handler = lambdaHandler(receiver)
    const delivery = await dealWon()
    // Lambda would freeze the process right after this returns: the handler must be done by then.
    expect(await invoke(handler, httpApiEvent(delivery))).toMatchObject({ status: 503, body: { error: { code: 'handler_timeout' } } })
    expect(finished).toHaveLength(1)
    expect(await invoke(handler, httpApiEvent(delivery))).toMatchObject({ status: 200, body: { duplicate: true } })
  })

  it('the module exports the function built from AUTOMATENEXUS_SECRET', async () => {
    expect(await invoke(handler, httpApiEvent(await dealWon()))).toEqual({ status: 200, body: { ok: true, event: 'deal.won', duplicate: false } })
  })
})
