/**
 * What the pipeline runs on: everything a receiver resolved once, when it was created.
 *
 * @module
 */
import type { HeldClaims } from '../idempotency/held-claims.js'
import type { DeliveryContext, EventSchemas, MaybePromise, Provider, WebhookEvent } from '../types.js'
import type { IdempotencyStore } from '../idempotency/idempotency-store.js'
import type { DeliveryOutcome } from './delivery-outcome.js'
import type { InvalidPayloadInfo } from './invalid-payload.js'
import type { OwedReleases } from './owed-releases.js'
import type { BodyType } from './parse-body.js'
import type { WebhookError } from '../errors.js'

/** Everything the pipeline needs, resolved once per receiver by `createReceiverConfig` (receiver-config.ts). */
export interface PipelineConfig {
  readonly provider: Provider
  readonly events: EventSchemas
  readonly preparedSecrets: unknown
  readonly methods: readonly string[]
  readonly contentTypes: readonly BodyType[]
  readonly maxBodyBytes: number
  readonly toleranceSeconds: number
  readonly store: IdempotencyStore
  /**
   * What the store's keys and records start with: the provider id, or `<provider id>/<namespace>` for a
   * receiver given a namespace (the id has no `/` and the namespace no `:`, so no two prefixes overlap).
   */
  readonly storePrefix: string
  readonly lockTtlMs: number
  readonly retentionMs: number
  readonly handlerTimeoutMs: number
  readonly invalidPayload: 'reject' | 'accept'
  /** The wall clock, for signed timestamps. */
  readonly now: () => number
  /** The clock of leases, retry budgets and durations: monotonic unless `now` was injected (monotonic-now.ts). */
  readonly monotonicNow: () => number
  readonly ownerToken: () => string
  readonly idempotencyKey: ((context: DeliveryContext) => MaybePromise<string | number | undefined>) | undefined
  readonly recordVersion: ((event: WebhookEvent) => { record: string; version: number } | undefined) | undefined
  readonly dispatch: (event: WebhookEvent) => Promise<void> | undefined
  /** Whether `dispatch` would run a handler for an event of `type`. */
  readonly handles: (type: string) => boolean
  readonly onUnknownEvent: ((event: WebhookEvent) => unknown) | undefined
  readonly onInvalidPayload: ((info: InvalidPayloadInfo) => unknown) | undefined
  readonly onError: ((error: WebhookError, outcome: DeliveryOutcome) => void) | undefined
  readonly onDelivery: ((outcome: DeliveryOutcome) => void) | undefined
  /**
   * Completions this receiver owes its store (key to owner): each failed and is being retried in the
   * background. A claim of one of those keys first tries its completion again (run-claimed.ts).
   */
  readonly completionsOwed: Map<string, string>
  /**
   * Claims whose answer never came (the store failed or misanswered), which may still land and hold the key
   * for their lease: each key's owners and lease ends. A claim of one of those keys first gives them back
   * (run-claimed.ts).
   */
  readonly releasesOwed: OwedReleases
  /** Claims taken whose outcome the store has not recorded yet, which `drain()` waits for (held-claims.ts). */
  readonly heldClaims: HeldClaims
}
