/**
 * `createReceiver`: binds a provider, its secrets and an idempotency store to typed handlers, and exposes
 * the pipeline through three doors: `handle` (bytes in, response out, for adapters), `fetch` (Request ->
 * Response, for Next.js, Bun, Deno, Workers) and `handleNodeRequest` (node:http and the Node frameworks).
 *
 * @module
 */
import type { WebhookError } from './errors.js'
import { type EventHandler, createHandlerRegistry } from './handler-registry.js'
import { MAX_TIMER_MS, positiveOption } from './option-checks.js'
import { nodeRequestHeaders } from './pipeline/headers.js'
import { assertDeclaredLength, assertWholeBody, bodyStreamAlreadyRead, keptNodeBody } from './pipeline/raw-body.js'
import { type NodeRequestStream, closesConnection, readNodeRequest } from './pipeline/read-node-request.js'
import { readWebStream } from './pipeline/read-web-stream.js'
import type { DeliveryOutcome } from './pipeline/delivery-outcome.js'
import type { InvalidPayloadInfo } from './pipeline/invalid-payload.js'
import { rejectBeforePipeline, runPipeline } from './pipeline/run-pipeline.js'
import { contextWaitUntil } from './pipeline/wait-until.js'
import { clockReading } from './pipeline/clock-reading.js'
import { toFetchResponse } from './pipeline/respond.js'
import { createReceiverConfig } from './receiver-config.js'
import type { EventData } from './event-data.js'
import type { DeliveryContext, EventSchemas, MaybePromise, Provider, RawBody, SecretInput, WebhookEvent, WebhookRequest, WebhookResponse } from './types.js'
import type { IdempotencyStore } from './idempotency/idempotency-store.js'

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
  /** Allowed age and clock skew of a signed timestamp, in seconds; default 300. Under half of `retentionMs`. */
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
  idempotencyKey?: (context: DeliveryContext) => MaybePromise<string | number | undefined>
  /** Names the record and version an event is about, for the ordering guard (`event.stale`); default the provider's. */
  recordVersion?: (event: WebhookEvent) => { record: string; version: number } | undefined
  /**
   * Verified events whose type is not in the catalog, once each; answered 202 with or without the hook. A
   * hook that throws (or outlasts `handlerTimeoutMs`) is answered as a handler would be (500, 503), so the
   * sender's retry hands the event to it again.
   */
  onUnknownEvent?: (event: WebhookEvent) => unknown
  /** Verified payloads that fail their schema or name no event: never silently dropped. */
  onInvalidPayload?: (info: InvalidPayloadInfo) => unknown
  /** Every rejected or failed request, for logs; must not throw. */
  onError?: (error: WebhookError, outcome: DeliveryOutcome) => void
  /** Every request's outcome, for logs and metrics. */
  onDelivery?: (outcome: DeliveryOutcome) => void
  /**
   * Clock in ms, injectable for tests: signed timestamps are checked against it and, given, it also keeps the
   * leases, retry budgets and durations (a monotonic clock otherwise) and the default memory store's time.
   */
  now?: () => number
}

/** Options of {@link Receiver.drain}. */
export interface DrainOptions {
  /** Longest wait, in ms; default the receiver's `lockTtlMs`, at most 2 147 483 647 (the longest timer, ~24.8 days). */
  timeoutMs?: number
  /** Ends the wait early (a second Ctrl-C), resolving `false`. */
  signal?: AbortSignal
}

/** A configured receiver; `P` is its provider, as given to {@link createReceiver}. */
export interface Receiver<Events extends EventSchemas = any, P extends Provider = Provider> {
  readonly provider: P
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
   * Its parameters are a Workers module `fetch`'s, so `export default { fetch: receiver.fetch }` hands over
   * the `ExecutionContext`, whose `waitUntil` keeps what outlives the answer alive ({@link WebhookRequest.waitUntil});
   * any other second and third arguments (Bun's server, Deno's info) are ignored.
   */
  fetch(request: Request, env?: unknown, context?: { waitUntil?: unknown } | null): Promise<Response>
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
  /**
   * For a host that freezes the process once it has its answer (AWS Lambda, a function with no CPU after its
   * response): resolves `true` when no claim is held, every claim taken so far having its outcome recorded or
   * given up after its retries (a handler past `handlerTimeoutMs` finished, a completion the store refused
   * retried), or `false` when `timeoutMs` (default `lockTtlMs`) pass or `signal` aborts first. Unlike `drain()`,
   * the receiver goes on taking deliveries. Not waited for: async `onDelivery` and `onError` work, and a store's
   * own late calls (a claim that landed past its deadline, given back by the store; `store.close()` waits for it).
   *
   * @example
   * ```ts
   * const app = handle(honoApp) // hono/aws-lambda
   * export const handler = async (event: LambdaEvent, context: Context) => {
   *   const answer = await app(event, context)
   *   await receiver.idle({ timeoutMs: Math.max(1, context.getRemainingTimeInMillis() - 1_000) })
   *   return answer
   * }
   * ```
   */
  idle(options?: DrainOptions): Promise<boolean>
}

/** `response` with `Connection: close`: the request's body was left unread, so its connection cannot carry another. */
function closingConnection(response: WebhookResponse): WebhookResponse {
  return { ...response, headers: { ...response.headers, connection: 'close' } }
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
): Receiver<MergedEvents<P, Extra>, P> {
  const handlers = createHandlerRegistry()
  const { pipeline, bodyTimeoutMs } = createReceiverConfig(options, handlers)
  const { provider, maxBodyBytes, lockTtlMs } = pipeline

  const receiver: Receiver<MergedEvents<P, Extra>, P> = {
    provider: provider as P,
    on(type, handler) {
      if (typeof handler !== 'function') throw new TypeError('crm-webhooks: a handler must be a function')
      for (const name of typeof type === 'string' ? [type] : type) {
        if (!Object.hasOwn(pipeline.events, name)) {
          throw new TypeError(`crm-webhooks: ${provider.id} has no event ${JSON.stringify(name)}`)
        }
        handlers.add(name, handler as EventHandler)
      }
      // The receiver, not `this`: `const { on } = receiver` chains too, as fetch and handle work unbound.
      return receiver as never
    },
    onAny(handler) {
      if (typeof handler !== 'function') throw new TypeError('crm-webhooks: a handler must be a function')
      handlers.addAny(handler as EventHandler)
      return receiver as never
    },
    handle: (request) => runPipeline(pipeline, request),
    fetch: async (request, _env, context) => {
      const waitUntil = contextWaitUntil(context)
      let response: WebhookResponse
      const startedAt = clockReading(pipeline.monotonicNow)
      let bodyCut = false
      try {
        assertDeclaredLength(request.headers.get('content-length'), maxBodyBytes)
        // A body read in part and released is unlocked but disturbed: what is left is not what was signed.
        if (request.bodyUsed) throw bodyStreamAlreadyRead()
        const rawBody = await readWebStream(request.body, { maxBytes: maxBodyBytes, timeoutMs: bodyTimeoutMs, signal: request.signal }).catch(
          (error: unknown) => {
            // A body past the limit is read off in the background (read-web-stream.ts); any other is cut here.
            bodyCut = (error as WebhookError).code !== 'payload_too_large'
            throw error
          },
        )
        // A bodiless request (a GET: Fetch gives it no body whatever its headers say) has nothing to fall short.
        if (request.body !== null) assertWholeBody(request.headers.get('content-length'), rawBody.length)
        response = await runPipeline(pipeline, { method: request.method, url: request.url, headers: request.headers, rawBody, waitUntil })
      } catch (error) {
        response = rejectBeforePipeline(pipeline, error, request.method, startedAt, waitUntil)
        // The rest of a body past the deadline is cancelled unread, and a server that keeps the connection for
        // another request resets it then (Next.js on Node did): the sender's next delivery on it failed. Told to
        // close, such a server ends the connection after this answer, as the Node entry point does.
        if (bodyCut) response = closingConnection(response)
      }
      return toFetchResponse(response, request.method)
    },
    handleNodeRequest: async (request, rawBody) => {
      const startedAt = clockReading(pipeline.monotonicNow)
      const method = request.method ?? 'GET'
      try {
        const body =
          rawBody === undefined ? await readNodeRequest(request, { maxBytes: maxBodyBytes, timeoutMs: bodyTimeoutMs }) : keptNodeBody(rawBody)
        return await runPipeline(pipeline, {
          method,
          url: request.url,
          headers: nodeRequestHeaders(request),
          rawBody: body as RawBody,
        })
      } catch (error) {
        const response = rejectBeforePipeline(pipeline, error, method, startedAt)
        return closesConnection(request) ? closingConnection(response) : response
      }
    },
    drain: async (options = {}) => pipeline.heldClaims.drain(waitTimeoutMs('drain', options), options.signal),
    idle: async (options = {}) => pipeline.heldClaims.idle(waitTimeoutMs('idle', options), options.signal),
  }
  // A lease may outlast the longest timer (lockTtlMs up to MAX_STORE_MS): Node fires a longer one at once, so
  // drain() resolved false within a millisecond and the store could be closed under a running handler.
  function waitTimeoutMs(method: 'drain' | 'idle', options: DrainOptions): number {
    return positiveOption(`${method} timeoutMs`, options.timeoutMs, Math.min(lockTtlMs, MAX_TIMER_MS), { max: MAX_TIMER_MS })
  }
  return receiver
}
