/**
 * `createReceiver`: binds a provider, its secrets and an idempotency store to typed handlers, and exposes
 * the pipeline through three doors: `handle` (bytes in, response out, for adapters), `fetch` (Request ->
 * Response, for Next.js, Bun, Deno, Workers) and `handleNodeRequest` (node:http and the Node frameworks).
 *
 * @module
 */
import { MAX_STORE_MS, MAX_TIMER_MS, positiveOption } from './option-checks.js'
import type { WebhookError } from './errors.js'
import { createHeldClaims } from './idempotency/held-claims.js'
import { createMemoryStore } from './idempotency/memory-store.js'
import { requireProviderId } from './providers/define-provider.js'
import type { BodyType } from './pipeline/parse-body.js'
import { nodeRequestHeaders } from './pipeline/headers.js'
import {
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  type NodeRequestStream,
  assertDeclaredLength,
  assertWholeBody,
  bodyStreamAlreadyRead,
  closesConnection,
  keptNodeBody,
  readNodeRequest,
  readWebStream,
} from './pipeline/raw-body.js'
import {
  type DeliveryOutcome,
  type InvalidPayloadInfo,
  type PipelineConfig,
  rejectBeforePipeline,
  runPipeline,
} from './pipeline/run-pipeline.js'
import { clockReading } from './pipeline/clock-reading.js'
import { toFetchResponse } from './pipeline/respond.js'
import { isThenable } from './schemes/maybe-promise.js'
import { secretList } from './schemes/secrets.js'
import type {
  DeliveryContext,
  EventData,
  EventSchemas,
  IdempotencyStore,
  MaybePromise,
  Provider,
  RawBody,
  SecretInput,
  WebhookEvent,
  WebhookRequest,
  WebhookResponse,
} from './types.js'

/** The provider's events with the receiver's own added (a receiver's schema wins on a shared name). */
export type MergedEvents<P extends Provider, Extra extends EventSchemas> = Omit<P['events'], keyof Extra> & Extra

/**
 * The event a handler registered for `Type` receives. Distributed over a union of types, so a handler
 * registered for several (`on(['a', 'b'], ...)`) gets a union discriminated by `type`, not one event whose
 * `type` and `data` vary apart (where `event.type === 'a'` narrowed nothing).
 */
export type EventOf<Events extends EventSchemas, Type extends keyof Events & string> = Type extends unknown
  ? WebhookEvent<Type, EventData<Events[Type]>>
  : never

/** Any event of the catalog: a discriminated union on `type`. */
export type AnyEventOf<Events extends EventSchemas> = { [Type in keyof Events & string]: EventOf<Events, Type> }[keyof Events &
  string]

/** Options of {@link createReceiver}. */
export interface ReceiverOptions<P extends Provider, Extra extends EventSchemas = {}> {
  /** The sender: a built-in provider (`automatenexus`, `standardWebhooks`, ...) or your own `defineProvider(...)`. */
  provider: P
  /** The signing secret, or several during a rotation: any one of them verifies. */
  secret: SecretInput | readonly SecretInput[]
  /** Event schemas to add to (or replace in) the provider's catalog, e.g. a workflow action's own body. */
  events?: Extra
  /** Allowed age and clock skew of a signed timestamp, in seconds; default 300. */
  toleranceSeconds?: number
  /** Largest body accepted, in bytes; default 1 MiB. */
  maxBodyBytes?: number
  /** Time allowed to receive the body, in ms; default 10 000. */
  bodyTimeoutMs?: number
  /** Where claims live; default an in-memory store (one process only). */
  store?: IdempotencyStore
  /**
   * Keeps this receiver's keys and records apart from another receiver of the same provider on the same
   * store (one per sender account or tenant, each with its own secret): without it, their events share one
   * key space, and an event id both use is acknowledged as the other's duplicate and never handled.
   * Non-empty, without `:`; instances of one receiver share it. Default none (keys `<provider id>:…`).
   */
  namespace?: string
  /** How long a claim is held before another attempt may take it (a crashed worker's claim expires); default 60 s. */
  lockTtlMs?: number
  /**
   * How long a completed delivery is remembered; default the provider's `retentionMs`, else 72 h: past every
   * seed sender's default retry window (24 h). AutomateNexus, which may retry for 144 h, defaults to 7 days,
   * and Standard Webhooks, whose example schedule ends at 75 h 35 m, to 100 h.
   */
  retentionMs?: number
  /** Time a handler may take before the sender is answered 503 (it keeps running); default 25 s, inside seed 000's 30 s. */
  handlerTimeoutMs?: number
  /**
   * What the sender is told when a verified payload fails its schema: `reject` (422; every attempt reaches
   * `onInvalidPayload`) or `accept` (202 once `onInvalidPayload` parked it, exactly once). Default `reject`.
   */
  invalidPayload?: 'reject' | 'accept'
  /** The idempotency key of a delivery (the receiver prefixes it with the provider id); default the provider's. */
  idempotencyKey?: (context: DeliveryContext) => MaybePromise<string | undefined>
  /** Names the record and version an event is about, for the ordering guard (`event.stale`); default the provider's. */
  recordVersion?: (event: WebhookEvent) => { record: string; version: number } | undefined
  /**
   * Verified events whose type is not in the catalog, once each; answered 202 with or without the hook. A
   * hook that throws (or outlasts `handlerTimeoutMs`) is answered as a handler would be (500, 503), so the
   * sender's retry hands the event to it again.
   */
  onUnknownEvent?: (event: WebhookEvent) => MaybePromise<void>
  /** Verified payloads that fail their schema or name no event: never silently dropped. */
  onInvalidPayload?: (info: InvalidPayloadInfo) => MaybePromise<void>
  /** Every rejected or failed request, for logs; must not throw. */
  onError?: (error: WebhookError, outcome: DeliveryOutcome) => void
  /** Every request's outcome, for logs and metrics. */
  onDelivery?: (outcome: DeliveryOutcome) => void
  /** Clock in ms, injectable for tests; the default memory store keeps time by it too. */
  now?: () => number
  /** Claim owner tokens, injectable for tests; default a random UUID per receiver and a counter. */
  ownerToken?: () => string
}

/** Options of {@link Receiver.drain}. */
export interface DrainOptions {
  /** Longest wait, in ms; default the receiver's `lockTtlMs`. */
  timeoutMs?: number
  /** Ends the wait early (a second Ctrl-C), resolving `false`. */
  signal?: AbortSignal
}

/** A configured receiver. */
export interface Receiver<Events extends EventSchemas = EventSchemas> {
  readonly provider: Provider
  /** Registers a handler for one event type (or several); the event is narrowed to that type. */
  on<Type extends keyof Events & string>(
    type: Type | readonly Type[],
    handler: (event: EventOf<Events, Type>) => unknown,
  ): this
  /** Registers a handler for every event of the catalog. */
  onAny(handler: (event: AnyEventOf<Events>) => unknown): this
  /** Runs the pipeline over raw bytes; always resolves with the response to write. */
  handle(request: WebhookRequest): Promise<WebhookResponse>
  /**
   * Fetch API entry point: reads the body (bounded), runs the pipeline; always resolves (an answer no
   * `Response` can hold, from a provider's own handshake, is a 500 `internal_error`, as on node:http).
   */
  fetch(request: Request): Promise<Response>
  /**
   * Node entry point (node:http, Express, Fastify): reads the request stream (bounded), or takes bytes
   * some earlier layer kept, and runs the pipeline. A kept string (a text parser's decoding) or parsed
   * object is answered `body_already_parsed`.
   */
  handleNodeRequest(
    request: NodeRequestStream & { method?: string | undefined; url?: string | undefined },
    rawBody?: RawBody | unknown,
  ): Promise<WebhookResponse>
  /**
   * For shutdown, once the server takes no more requests and before the store is closed: from now on the
   * receiver takes no new claim (a delivery still on its way is answered `503 store_unavailable`, which the
   * sender retries elsewhere), and this resolves `true` when every claim it took has its outcome in the store
   * (claims on their way to the store, handlers still running, one past `handlerTimeoutMs` included, and
   * completions or releases retried in the background), or `false` when `timeoutMs` (default `lockTtlMs`:
   * past its lease a claim protects nothing) pass or `signal` aborts first. A store closed before then
   * refuses those outcomes, and once the lease ends the sender's retry runs the handler a second time.
   *
   * @example
   * ```ts
   * process.on('SIGTERM', () => server.close(async () => {
   *   await receiver.drain()
   *   await store.close()
   * }))
   * ```
   */
  drain(options?: DrainOptions): Promise<boolean>
}

function requireStore(store: IdempotencyStore): void {
  for (const call of ['claim', 'complete', 'release'] as const) {
    if (typeof (store as Partial<IdempotencyStore> | null)?.[call] !== 'function') {
      throw new TypeError(`crm-webhooks: store must implement ${call}() (see IdempotencyStore)`)
    }
  }
}

/** How long a completed delivery is remembered when neither the receiver nor its provider says. */
const DEFAULT_RETENTION_MS = 72 * 60 * 60 * 1000

const NO_HANDLERS: ReadonlyArray<(event: WebhookEvent) => MaybePromise<void>> = []

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
 * Creates a receiver.
 *
 * @example
 * ```ts
 * import { createReceiver } from '@crm-webhooks/core'
 * import { automatenexus } from '@crm-webhooks/core/providers'
 *
 * const receiver = createReceiver({ provider: automatenexus, secret: process.env.AN_SECRET! })
 * receiver.on('deal.stage_changed', (event) => {
 *   console.log(event.data.previous_stage, '->', event.data.new_stage)
 * })
 * export default { fetch: receiver.fetch } // Bun, Deno, Workers
 * ```
 */
export function createReceiver<P extends Provider, Extra extends EventSchemas = {}>(
  options: ReceiverOptions<P, Extra>,
): Receiver<MergedEvents<P, Extra>> {
  const { provider } = options
  if (!provider || typeof provider.scheme?.verify !== 'function' || typeof provider.envelope?.eventType !== 'function') {
    throw new TypeError('crm-webhooks: `provider` must be a provider (see defineProvider)')
  }
  // Checked here too, for a provider built by hand rather than by defineProvider.
  requireProviderId(provider.id)
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
  // Replaced, never changed, when a handler is added: a delivery under way keeps the lists it started with,
  // so a handler added meanwhile (from inside a handler) neither shifts the others nor joins it half-way.
  const handlers = new Map<string, ReadonlyArray<(event: WebhookEvent) => MaybePromise<void>>>()
  let anyHandlers: ReadonlyArray<(event: WebhookEvent) => MaybePromise<void>> = []

  // Handlers run one after the other, each awaited; while they return no promise, nothing is awaited at
  // all, so a synchronous handler costs no microtask hop and no deadline timer (see run-claimed.ts).
  function dispatch(event: WebhookEvent): Promise<void> | undefined {
    return dispatchFrom(event, handlers.get(event.type) ?? NO_HANDLERS, anyHandlers, 0)
  }

  function dispatchFrom(
    event: WebhookEvent,
    typed: ReadonlyArray<(event: WebhookEvent) => MaybePromise<void>>,
    any: ReadonlyArray<(event: WebhookEvent) => MaybePromise<void>>,
    from: number,
  ): Promise<void> | undefined {
    const count = typed.length + any.length
    for (let index = from; index < count; index++) {
      const handler = index < typed.length ? typed[index]! : any[index - typed.length]!
      const result: unknown = handler(event)
      if (isThenable(result)) return Promise.resolve(result).then(() => dispatchFrom(event, typed, any, index + 1))
    }
    return undefined
  }

  const config: PipelineConfig = {
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
    ownerToken: options.ownerToken ?? createOwnerTokens(),
    idempotencyKey: options.idempotencyKey,
    recordVersion: options.recordVersion ?? provider.recordVersion,
    dispatch,
    onUnknownEvent: options.onUnknownEvent,
    onInvalidPayload: options.onInvalidPayload,
    onError: options.onError,
    onDelivery: options.onDelivery,
    completionsOwed: new Map(),
    heldClaims: createHeldClaims(),
  }
  if (provider.scheme.checksTimestamp && config.toleranceSeconds * 1000 >= config.retentionMs) {
    // A captured delivery replayed once its key is forgotten but while its signed timestamp still passes
    // would run again: the key must outlive the window in which the signature is accepted.
    throw new TypeError(
      `crm-webhooks: toleranceSeconds (${config.toleranceSeconds}) must be shorter than retentionMs (${config.retentionMs} ms), ` +
        'or a replay accepted after the key is forgotten would run again',
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

  const receiver: Receiver<MergedEvents<P, Extra>> = {
    provider,
    on(type, handler) {
      if (typeof handler !== 'function') throw new TypeError('crm-webhooks: a handler must be a function')
      for (const name of typeof type === 'string' ? [type] : type) {
        if (!Object.hasOwn(config.events, name)) {
          throw new TypeError(`crm-webhooks: ${provider.id} has no event ${JSON.stringify(name)}`)
        }
        handlers.set(name, [...(handlers.get(name) ?? []), handler as (event: WebhookEvent) => MaybePromise<void>])
      }
      return this
    },
    onAny(handler) {
      if (typeof handler !== 'function') throw new TypeError('crm-webhooks: a handler must be a function')
      anyHandlers = [...anyHandlers, handler as (event: WebhookEvent) => MaybePromise<void>]
      return this
    },
    handle: (request) => runPipeline(config, request),
    fetch: async (request) => {
      let response: WebhookResponse
      const startedAt = clockReading(config)
      try {
        assertDeclaredLength(request.headers.get('content-length'), maxBodyBytes)
        // A body read in part and released is unlocked but disturbed: what is left is not what was signed.
        if (request.bodyUsed) throw bodyStreamAlreadyRead()
        const rawBody = await readWebStream(request.body, { maxBytes: maxBodyBytes, timeoutMs: bodyTimeoutMs })
        // A bodiless request (a GET: Fetch gives it no body whatever its headers say) has nothing to fall short.
        if (request.body !== null) assertWholeBody(request.headers.get('content-length'), rawBody.length)
        response = await runPipeline(config, { method: request.method, url: request.url, headers: request.headers, rawBody })
      } catch (error) {
        response = rejectBeforePipeline(config, error, startedAt)
      }
      return toFetchResponse(response, request.method)
    },
    handleNodeRequest: async (request, rawBody) => {
      const startedAt = clockReading(config)
      try {
        const body =
          rawBody === undefined ? await readNodeRequest(request, { maxBytes: maxBodyBytes, timeoutMs: bodyTimeoutMs }) : keptNodeBody(rawBody)
        return await runPipeline(config, {
          method: request.method ?? 'GET',
          url: request.url,
          headers: nodeRequestHeaders(request),
          rawBody: body as RawBody,
        })
      } catch (error) {
        const response = rejectBeforePipeline(config, error, startedAt)
        return closesConnection(request) ? { ...response, headers: { ...response.headers, connection: 'close' } } : response
      }
    },
    drain: async (options = {}) =>
      config.heldClaims.drain(positiveOption('drain timeoutMs', options.timeoutMs, lockTtlMs, { max: MAX_TIMER_MS }), options.signal),
  }
  return receiver
}
