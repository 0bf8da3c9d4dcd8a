import { existsSync } from 'node:fs'
import { type SampleDelivery, buildSampleDelivery, demoSecrets } from '@crm-webhooks/core/providers'
import { type Browser, type Page, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildWebBundle, maxBodyBytes } from './web-bundle.fixture.js'

// The promise web-runtime.test.ts checks in a node:vm context, checked where nothing is Node's: the same
// Worker-like bundle runs in Chromium, so crypto.subtle, Request, Response, ReadableStream and TextDecoder
// are the browser's own. The page builds each Request itself and reads the Response the middleware returns.

const chromiumPath = '/usr/bin/chromium'
const chromiumInstalled = existsSync(chromiumPath)
// requireService's notice, not requireService itself: that one fails the run under CI=true, and Chromium is
// not one of the services CI must provide, so this suite skips there too.
if (!chromiumInstalled) {
  console.warn(`SKIPPED: Chromium at ${chromiumPath} is not installed. Install it (apt-get install -y chromium) to run these tests.`)
}

// An https origin is a secure context, where a page has crypto.subtle (about:blank, which setContent uses,
// is not). No request leaves the browser: the route below answers the document and aborts everything else.
const origin = 'https://worker.test'
const documentUrl = `${origin}/`
// One signing time for every delivery, as in web-runtime.test.ts.
const NOW = Date.now()

interface PageRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: string
}

interface PageAnswer {
  status: number
  body: string
  /** The answer is an instance of the page's own Response. */
  browserResponse: boolean
}

interface HandledEvent {
  provider: string
  type: string
  key: string
}

/** What the bundle puts on the page's globalThis (see web-bundle.fixture.ts). */
interface BundleGlobals {
  webhookApp: { fetch(request: Request): Response | Promise<Response> }
  handledEvents(): string
}

let browser: Browser | undefined
let page: Page
/** Requests the page tried to make besides its document: none expected. */
const otherRequests: string[] = []
/** Uncaught errors in the page. */
const pageErrors: string[] = []

/** Builds a Request in the page from the delivery, hands it to the Hono app there and reads its Response. */
async function send(request: PageRequest): Promise<PageAnswer> {
  return page.evaluate(async ({ method, url, headers, body }) => {
    const { webhookApp } = globalThis as unknown as BundleGlobals
    const response = await webhookApp.fetch(new Request(url, { method, headers, body: body === '' ? undefined : body }))
    return { status: response.status, body: await response.text(), browserResponse: response instanceof Response }
  }, request)
}

/** What the bundle's handlers ran for, in order. */
async function handledEvents(): Promise<HandledEvent[]> {
  return JSON.parse(await page.evaluate(() => (globalThis as unknown as BundleGlobals).handledEvents()))
}

function asRequest(provider: string, delivery: SampleDelivery, body = delivery.body): PageRequest {
  return { method: delivery.method, url: `${origin}/webhooks/${provider}${delivery.search}`, headers: delivery.headers, body }
}

describe.skipIf(!chromiumInstalled)('in a real browser (the Web bundle in headless Chromium)', () => {
  beforeAll(async () => {
    const bundle = await buildWebBundle()
    expect(bundle.warnings).toEqual([])
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'], headless: true, timeout: 60_000 })
    page = await browser.newPage()
    page.setDefaultTimeout(20_000)
    page.on('pageerror', (error) => void pageErrors.push(error.message))
    await page.route('**/*', (route) => {
      if (route.request().url() === documentUrl) return route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>worker</title>' })
      otherRequests.push(route.request().url())
      return route.abort()
    })
    await page.goto(documentUrl)
    await page.addScriptTag({ content: bundle.text })
  }, 120_000)

  // Runs when beforeAll failed too, so a failed load never leaves Chromium running.
  afterAll(async () => {
    await browser?.close()
  }, 30_000)

  it('runs in a secure browser context with Web Crypto and no Node global', async () => {
    const environment = await page.evaluate(() => ({
      userAgent: navigator.userAgent,
      secureContext: isSecureContext,
      subtle: Object.prototype.toString.call(globalThis.crypto?.subtle),
      nodeGlobals: [typeof (globalThis as Record<string, unknown>).process, typeof (globalThis as Record<string, unknown>).Buffer, typeof (globalThis as Record<string, unknown>).require],
      bundleLoaded: typeof (globalThis as unknown as Partial<BundleGlobals>).webhookApp?.fetch,
    }))
    expect(environment).toEqual({
      userAgent: expect.stringContaining('HeadlessChrome/'),
      secureContext: true,
      subtle: '[object SubtleCrypto]',
      nodeGlobals: ['undefined', 'undefined', 'undefined'],
      bundleLoaded: 'function',
    })
  })

  describe('AutomateNexus', () => {
    const provider = 'automatenexus'
    const secret = demoSecrets[provider]
    const handledBy = async () => (await handledEvents()).filter((event) => event.provider === provider)

    it('verifies a delivery signed in Node with the browser\'s crypto.subtle, runs the handler once, and answers its repeat as a duplicate', async () => {
      const delivery = await buildSampleDelivery(provider, 'contact.created', { secret, now: NOW, id: 'evt_browser_automatenexus' })
      const first = await send(asRequest(provider, delivery))
      expect(first).toMatchObject({ status: 200, browserResponse: true })
      expect(JSON.parse(first.body)).toMatchObject({ ok: true, event: 'contact.created', duplicate: false })
      expect(await handledBy()).toHaveLength(1)

      const repeat = await send(asRequest(provider, delivery))
      expect(repeat).toMatchObject({ status: 200, browserResponse: true })
      expect(JSON.parse(repeat.body)).toMatchObject({ ok: true, event: 'contact.created', duplicate: true })
      expect(await handledBy()).toHaveLength(1)
    })

    it('answers 401 invalid_signature to a tampered body and runs no handler', async () => {
      const handledBefore = (await handledBy()).length
      const delivery = await buildSampleDelivery(provider, 'contact.created', { secret, now: NOW, id: 'evt_browser_automatenexus_tampered' })
      const tampered = delivery.body.replace('contact.created', 'CONTACT.CREATED')
      expect(tampered).not.toBe(delivery.body)
      const response = await send(asRequest(provider, delivery, tampered))
      expect(response).toMatchObject({ status: 401, browserResponse: true })
      expect(JSON.parse(response.body)).toMatchObject({ ok: false, error: { code: 'invalid_signature' } })
      expect(await handledBy()).toHaveLength(handledBefore)
    })

    it(`answers 413 payload_too_large to a signed body over maxBodyBytes (${maxBodyBytes}), read from the browser's stream, and runs no handler`, async () => {
      const handledBefore = (await handledBy()).length
      const delivery = await buildSampleDelivery(provider, 'contact.created', {
        secret,
        now: NOW,
        id: 'evt_browser_automatenexus_large',
        data: { padding: 'x'.repeat(maxBodyBytes) },
      })
      expect(delivery.body.length).toBeGreaterThan(maxBodyBytes)
      const response = await send(asRequest(provider, delivery))
      expect(response).toMatchObject({ status: 413, browserResponse: true })
      expect(JSON.parse(response.body)).toMatchObject({ ok: false, error: { code: 'payload_too_large' } })
      expect(await handledBy()).toHaveLength(handledBefore)
    })
  })

  it('verifies a Standard Webhooks delivery (base64 HMAC over id.timestamp.body) and runs its handler once', async () => {
    const provider = 'standard-webhooks'
    const delivery = await buildSampleDelivery(provider, 'contact.created', { secret: demoSecrets[provider], now: NOW, id: 'evt_browser_standard' })
    const response = await send(asRequest(provider, delivery))
    expect(response).toMatchObject({ status: 200, browserResponse: true })
    expect(JSON.parse(response.body)).toMatchObject({ ok: true, event: 'contact.created', duplicate: false })
    expect((await handledEvents()).filter((event) => event.provider === provider)).toEqual([
      { provider, type: 'contact.created', key: `standard-webhooks:${delivery.headers['webhook-id']}` },
    ])
  })

  it('ran a handler once per genuine event, with no page error and no request leaving the page', async () => {
    expect((await handledEvents()).map(({ provider, type }) => `${provider} ${type}`)).toEqual([
      'automatenexus contact.created',
      'standard-webhooks contact.created',
    ])
    expect(pageErrors).toEqual([])
    expect(otherRequests).toEqual([])
  })
})
