/**
 * `createReceiverConfig`: checks the options of `createReceiver` and turns them, their defaults filled in,
 * into the pipeline's configuration. A mistake is a `TypeError` when the receiver is created, not a failure
 * on every delivery.
 *
 * @module
 */
import { MAX_STORE_MS, MAX_TIMER_MS, positiveOption } from './option-checks.js'
import { createHeldClaims } from './idempotency/held-claims.js'
import { createMemoryStore } from './idempotency/memory-store.js'
import { requireEventSchemas, requireProviderId } from './providers/define-provider.js'
import { monotonicNow } from './monotonic-now.js'
import { createOwedReleases } from './pipeline/owed-releases.js'
import type { BodyType } from './pipeline/parse-body.js'
import { DEFAULT_BODY_TIMEOUT_MS, DEFAULT_MAX_BODY_BYTES } from './pipeline/raw-body.js'
import type { PipelineConfig } from './pipeline/pipeline-config.js'
import { secretList } from './schemes/secrets.js'
import type { ReceiverOptions } from './receiver.js'
import type { EventSchemas, Provider } from './types.js'
import type { IdempotencyStore } from './idempotency/idempotency-store.js'

/** What a receiver runs on: the pipeline's configuration, and what its entry points need beside it. */
export interface ReceiverConfig {
  readonly pipeline: PipelineConfig
  /** Time allowed to receive the body, in ms. */
  readonly bodyTimeoutMs: number
}

function requireStore(store: IdempotencyStore): void {
  for (const call of ['claim', 'complete', 'release'] as const) {
    if (typeof (store as Partial<IdempotencyStore> | null)?.[call] !== 'function') {
      throw new TypeError(`crm-webhooks: store must implement ${call}() (see IdempotencyStore)`)
    }
  }
}

/**
 * How long a completed delivery is remembered when neither the receiver nor its provider says.
 *
 * @example
 * ```ts
 * createReceiver({ provider, secret, retentionMs: 2 * DEFAULT_RETENTION_MS }) // for resends by hand days later
 * ```
 */
export const DEFAULT_RETENTION_MS = 72 * 60 * 60 * 1000

/**
 * Claim owner tokens: one random prefix per receiver (a UUID, so receivers sharing a store never collide)
 * and a counter, a fraction of the cost of a UUID per delivery. The prefix is drawn at the first claim, not
 * at createReceiver: Cloudflare Workers refuse random values in a module's global scope, where receivers
 * are made, and the Worker would not start.
 */
function createOwnerTokens(): () => string {
  let prefix: string | undefined
  let sequence = 0
  return () => `${(prefix ??= globalThis.crypto.randomUUID())}.${(++sequence).toString(36)}`
}

/**
 * Checks `options` and builds the configuration of a receiver whose handlers `dispatch` runs; throws a
 * `TypeError` naming the first option that cannot work.
 *
 * @example
 * ```ts
 * const handlers = createHandlerRegistry()
 * const { pipeline } = createReceiverConfig({ provider: automatenexus, secret }, handlers)
 * const response = await runPipeline(pipeline, request)
 * ```
 */
export function createReceiverConfig<P extends Provider, Extra extends EventSchemas>(
  options: ReceiverOptions<P, Extra>,
  handlers: Pick<PipelineConfig, 'dispatch' | 'handles'>,
): ReceiverConfig {
  const { provider } = options
  if (!provider || typeof provider.scheme?.verify !== 'function' || typeof provider.envelope?.eventType !== 'function') {
    throw new TypeError('crm-webhooks: `provider` must be a provider (see defineProvider)')
  }
  // Checked here too, for a provider built by hand rather than by defineProvider.
  requireProviderId(provider.id)
  requireEventSchemas(provider.events, provider.id)
  if (options.events !== undefined) requireEventSchemas(options.events, 'the receiver')
  if (options.secret === undefined) throw new TypeError('crm-webhooks: `secret` is required')
  const preparedSecrets = provider.scheme.prepareSecrets(secretList(options.secret))
  const invalidPayload = options.invalidPayload ?? 'reject'
  if (invalidPayload !== 'reject' && invalidPayload !== 'accept') {
    throw new TypeError("crm-webhooks: invalidPayload must be 'reject' or 'accept'")
  }
  const lockTtlMs = positiveOption('lockTtlMs', options.lockTtlMs, 60_000, { max: MAX_STORE_MS })
  const handlerTimeoutMs = positiveOption('handlerTimeoutMs', options.handlerTimeoutMs, 25_000, { max: MAX_TIMER_MS })
  const maxBodyBytes = positiveOption('maxBodyBytes', options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES)
  // A fraction of a byte would refuse every body with 413.
  if (!Number.isInteger(maxBodyBytes)) throw new TypeError('crm-webhooks: maxBodyBytes must be a whole number of bytes')
  // `now: Date.now()` (a number, not the clock) would fail every delivery.
  if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('crm-webhooks: now must be a function returning ms')
  // Checked now: a store missing a call would answer every delivery 503 instead of failing at startup.
  if (options.store !== undefined) requireStore(options.store)
  const { namespace } = options
  if (namespace !== undefined && (typeof namespace !== 'string' || namespace === '' || namespace.includes(':'))) {
    // A `:` would let one namespace's prefix be another's (`a:b` + key `c` = `a` + key `b:c`).
    throw new TypeError('crm-webhooks: namespace must be a non-empty string without ":"')
  }
  const bodyTimeoutMs = positiveOption('bodyTimeoutMs', options.bodyTimeoutMs, DEFAULT_BODY_TIMEOUT_MS, { max: MAX_TIMER_MS })

  const pipeline: PipelineConfig = {
    provider,
    events: { ...provider.events, ...options.events },
    preparedSecrets,
    methods: (provider.methods ?? ['POST']).map((method) => method.toUpperCase()),
    contentTypes: (provider.contentTypes ?? ['json']) as readonly BodyType[],
    maxBodyBytes,
    toleranceSeconds: positiveOption('toleranceSeconds', options.toleranceSeconds, 300),
    // The default store keeps time by the receiver's clock: a test that moves `now` past retentionMs sees
    // the key forgotten.
    store: options.store ?? createMemoryStore({ now: options.now }),
    storePrefix: namespace === undefined ? provider.id : `${provider.id}/${namespace}`,
    lockTtlMs,
    retentionMs: positiveOption('retentionMs', options.retentionMs ?? provider.retentionMs, DEFAULT_RETENTION_MS, { max: MAX_STORE_MS }),
    handlerTimeoutMs,
    invalidPayload,
    now: options.now ?? Date.now,
    // An injected clock drives both (tests move leases and timestamps together).
    monotonicNow: options.now ?? monotonicNow,
    // Not injectable: a token that repeats lets one claim's owed release drop another's live claim.
    ownerToken: createOwnerTokens(),
    idempotencyKey: options.idempotencyKey,
    recordVersion: options.recordVersion ?? provider.recordVersion,
    dispatch: handlers.dispatch,
    handles: handlers.handles,
    onUnknownEvent: options.onUnknownEvent,
    onInvalidPayload: options.onInvalidPayload,
    onError: options.onError,
    onDelivery: options.onDelivery,
    completionsOwed: new Map(),
    releasesOwed: createOwedReleases(),
    heldClaims: createHeldClaims(),
  }
  if (provider.scheme.checksTimestamp && 2 * pipeline.toleranceSeconds * 1000 >= pipeline.retentionMs) {
    // A captured delivery replayed once its key is forgotten but while its signed timestamp still passes
    // would run again: the key must outlive the window in which the signature is accepted. That window is
    // twice the tolerance: a delivery stamped `toleranceSeconds` ahead (the sender's clock fast) is taken at
    // once and still passes `toleranceSeconds` after its stamp.
    throw new TypeError(
      `crm-webhooks: toleranceSeconds (${pipeline.toleranceSeconds}) must be under half of retentionMs (${pipeline.retentionMs} ms): ` +
        'a signature is accepted for twice the tolerance, and a replay accepted after the key is forgotten would run again',
    )
  }
  if (handlerTimeoutMs >= lockTtlMs) {
    // Otherwise a handler merely slower than the deadline would lose its claim and the sender's retry would run
    // beside it. (The lease is not renewed: a handler running past lockTtlMs still can; see docs/idempotency.md.)
    const given = (name: string, value: unknown, fallback: number) => `${name} ${value ?? `${fallback} (the default)`}`
    throw new TypeError(
      `crm-webhooks: handlerTimeoutMs must be shorter than lockTtlMs (${given('handlerTimeoutMs', options.handlerTimeoutMs, 25_000)}, ` +
        `${given('lockTtlMs', options.lockTtlMs, 60_000)})`,
    )
  }
  return { pipeline, bodyTimeoutMs }
}
