/**
 * `runConformanceSuite`: registers one vitest test per case against one entry point. Each case gets a
 * fresh receiver (fresh in-memory store) and a freshly started entry, and after its own requests the
 * runner checks that the entry still serves a valid delivery.
 *
 * @module
 */
import { describe, expect, it } from 'vitest'
import { createReceiver } from '../receiver.js'
import { secretList } from '../schemes/secrets.js'
import type { WebhookEvent } from '../types.js'
import type { ConformanceCase, ConformanceEntry, ConformanceResponse, ConformanceTarget } from './conformance-case.js'
import { conformanceCases } from './conformance-cases.js'
import { CONFORMANCE_SECRET, type ConformanceRequest, conformanceProvider, signedRequest } from './conformance-kit.js'

/** Options of {@link runConformanceSuite}. */
export interface RunConformanceSuiteOptions {
  /** The table to run; default {@link conformanceCases}. Pass `[...conformanceCases, ...yourCases]` to extend it. */
  cases?: readonly ConformanceCase[]
}

/**
 * Runs the conformance table against an entry point, inside the calling test file.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { createNodeListener } from '@crm-webhooks/core'
 * import { listenOnLoopback, runConformanceSuite } from '@crm-webhooks/core/testing'
 *
 * runConformanceSuite({
 *   name: 'node:http',
 *   start: async (receiver) => listenOnLoopback(createServer(createNodeListener(receiver))),
 * })
 * ```
 */
export function runConformanceSuite(entry: ConformanceEntry, options: RunConformanceSuiteOptions = {}): void {
  describe(`conformance: ${entry.name}`, () => {
    for (const testCase of options.cases ?? conformanceCases) {
      const runIt = isSupported(entry, testCase) ? it : it.skip
      runIt(testCase.name, () => runCase(entry, testCase))
    }
  })
}

function isSupported(entry: ConformanceEntry, testCase: ConformanceCase): boolean {
  const needsSockets = testCase.requires?.includes('sockets') ?? false
  if (needsSockets && entry.supports?.sockets === false) return false
  const bodyParser = testCase.setup?.bodyParser
  return bodyParser === undefined || (entry.supports?.bodyParsers ?? []).includes(bodyParser)
}

async function runCase(entry: ConformanceEntry, testCase: ConformanceCase): Promise<void> {
  const handled: WebhookEvent[] = []
  const provider = testCase.receiver?.provider ?? conformanceProvider
  const receiver = createReceiver({ secret: CONFORMANCE_SECRET, ...testCase.receiver, provider })
  receiver.onAny(async (event) => {
    handled.push(event)
    await testCase.handler?.(event)
  })
  const started = await entry.start(receiver, testCase.setup ?? {})
  try {
    const target: ConformanceTarget = { url: started.url, fetch: started.fetch ?? ((request) => fetch(request)) }
    const sent = testCase.send ? await testCase.send(target) : await sendAll(target, await testCase.request())
    const responses = Array.isArray(sent) ? sent : [sent as ConformanceResponse]
    const last = responses.at(-1)!
    const { expect: expected } = testCase
    expect(last.headers.get('content-type'), 'every answer is a small JSON document').toMatch(/^application\/json/)
    expect({ status: last.status, body: JSON.parse(last.body) }).toMatchObject({
      status: expected.status,
      ...(expected.body ? { body: expected.body } : {}),
    })
    for (const [name, value] of Object.entries(expected.headers ?? {})) expect(last.headers.get(name)).toBe(value)
    expect(handled, 'events that reached the handlers').toHaveLength(expected.handled)
    if (expected.event) expect(handled.at(-1)).toMatchObject(expected.event)

    // Whatever the case did, the entry must go on serving genuine deliveries (except behind a body parser
    // that drops the bytes: there no delivery can be verified, which is what such a case shows).
    if (testCase.setup?.bodyParser !== 'drops-raw-body') {
      // Signed with the case's own secret (its first, the current one in a rotation): with the suite's, a
      // case configuring a secret of its own failed here with 401 however the entry behaved.
      const secret = testCase.receiver?.secret === undefined ? CONFORMANCE_SECRET : secretList(testCase.receiver.secret)[0]
      const probeRequest = testCase.probe ? await testCase.probe() : await signedRequest({ provider, secret, id: 'evt_still_serving' })
      const [probe] = await sendAll(target, probeRequest)
      expect(probe!.status, 'a valid delivery after the case (`probe`, for a case with a provider of its own)').toBe(200)
    }
  } finally {
    await started.close()
  }
}

async function sendAll(
  target: ConformanceTarget,
  requests: ConformanceRequest | readonly ConformanceRequest[],
): Promise<ConformanceResponse[]> {
  const responses: ConformanceResponse[] = []
  for (const request of Array.isArray(requests) ? requests : [requests as ConformanceRequest]) {
    // Bytes, not a string: fetch would otherwise add `text/plain` to a request that has no Content-Type.
    const body = typeof request.body === 'string' ? new TextEncoder().encode(request.body) : request.body
    const response = await target.fetch(
      new Request(target.url, { method: request.method ?? 'POST', headers: request.headers, body }),
    )
    responses.push({ status: response.status, headers: response.headers, body: await response.text() })
  }
  return responses
}
