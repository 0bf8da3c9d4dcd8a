/**
 * The sender tests' shared setup (sender.test.ts, compose-request.test.ts, run-delivery.test.ts,
 * sender.caller-signal.test.ts): a sender for the test provider on the clock and transport a test gives, a
 * transport scripted with the statuses it answers, and an event to send.
 *
 * @module
 */
import { acmeProvider } from './acme-provider.fixture.js'
import { type SenderOptions, createSender } from './sender.js'
import type { OutgoingRequest, Transport } from './transport.js'

/** Where the test sender delivers: a scripted transport never reaches it. */
export const URL_ = 'https://receiver.example/webhooks'

/** An event of the test provider's. */
export const contact = { type: 'contact.created', data: { id: 'con_1', email: 'jane@example.com' } }

/**
 * A transport answering with the given statuses in turn (the last one repeats), recording each request.
 *
 * @example
 * ```ts
 * const { transport, requests } = scriptedTransport([503, 200])
 * ```
 */
export function scriptedTransport(statuses: number[]) {
  const requests: OutgoingRequest[] = []
  const transport: Transport = async (request) => {
    requests.push(request)
    const status = statuses[Math.min(requests.length - 1, statuses.length - 1)]!
    return { status, responseBody: `answer ${requests.length}`, durationMs: 0 }
  }
  return { transport, requests }
}

/**
 * A sender for the test provider on a manual clock, with the given overrides.
 *
 * @example
 * ```ts
 * const clock = createManualClock()
 * const sender = acmeSender({ clock, transport: scriptedTransport([500, 200]).transport })
 * const result = await clock.runUntilSettled(sender.send(contact))
 * ```
 */
export function acmeSender(overrides: Partial<SenderOptions> & Pick<SenderOptions, 'clock' | 'transport'>) {
  return createSender({ provider: acmeProvider, secret: 'test-secret', url: URL_, ...overrides })
}
