/**
 * The shape of a conformance case and of an entry point under test. A case is data: the receiver to build,
 * what the entry mounts first, the requests, the expected status and body. Other tables in the same shape
 * (the reliability helper's bad-input matrix) run through the same runner.
 *
 * @module
 */
import type { WebhookErrorCode } from '../errors.js'
import type { Receiver, ReceiverOptions } from '../receiver.js'
import type { MaybePromise, Provider, WebhookEvent } from '../types.js'
import type { ConformanceRequest } from './conformance-kit.js'

/**
 * What an app may have mounted before the webhook route, in its framework's idiom: a JSON/form body parser
 * that keeps a copy of the raw bytes (Express's `verify: rawBodySaver`, Hono's cached body, Fastify's
 * app-wide parser beside the plugin's scoped one), or one that drops them (plain `express.json()`).
 */
export type BodyParserSetup = 'keeps-raw-body' | 'drops-raw-body'

/** Capabilities a case may need beyond plain HTTP requests. */
export type EntryCapability = 'sockets'

/** What {@link ConformanceEntry.start} is asked to set up besides the webhook route. */
export interface EntryStartOptions {
  bodyParser?: BodyParserSetup | undefined
}

/** A started entry point. */
export interface StartedEntry {
  /** The webhook endpoint's absolute URL (`http://127.0.0.1:<port>/webhooks` for a real server). */
  url: string
  /** How to reach it; default the global `fetch`. Entries without a socket (Hono's `app.request`) set it. */
  fetch?: (request: Request) => Promise<Response>
  close(): Promise<void>
}

/** An entry point under test: a framework adapter, or one of the core's own doors. */
export interface ConformanceEntry {
  name: string
  /** Mounts `receiver` at a webhook route and starts serving it (a real HTTP server on 127.0.0.1, port 0). */
  start(receiver: Receiver<any>, options: EntryStartOptions): Promise<StartedEntry>
  supports?: {
    /** Whether `url` is a real listening socket; default true. Raw-socket cases are skipped without one. */
    sockets?: boolean
    /** The body parsers the entry can mount first; cases with another `setup.bodyParser` are skipped. */
    bodyParsers?: readonly BodyParserSetup[]
  }
}

/** A response as the runner sees it. */
export interface ConformanceResponse {
  status: number
  headers: Headers
  body: string
}

/** Where a case's custom `send` delivers its requests. */
export interface ConformanceTarget {
  url: string
  fetch: (request: Request) => Promise<Response>
}

/** What the last response of a case must look like. */
export interface ConformanceExpectation {
  status: number
  /** Matched (`toMatchObject`) against the parsed JSON body. */
  body?: Record<string, unknown>
  /** Header values that must be present (names lower-case). */
  headers?: Record<string, string>
  /** How many events reached the handlers: 0 for every rejection. */
  handled: number
  /** Matched against the last event the handlers received. */
  event?: Partial<Record<keyof WebhookEvent, unknown>>
}

/** Receiver options a case sets; the runner adds the provider and secret when absent. */
export type ConformanceReceiverOptions = Partial<ReceiverOptions<Provider>>

interface ConformanceCaseBase {
  name: string
  requires?: readonly EntryCapability[]
  setup?: EntryStartOptions
  receiver?: ConformanceReceiverOptions
  /** Runs after the runner records each event; throw to simulate a failing handler. */
  handler?: (event: WebhookEvent) => MaybePromise<void>
  expect: ConformanceExpectation
  /**
   * The delivery the runner sends after the case, which the entry must still answer 200. Default a
   * `contact.created` event signed with the case's first secret, which only the conformance providers
   * read: a case whose receiver has a provider of its own gives one of that provider's deliveries.
   */
  probe?: () => MaybePromise<ConformanceRequest>
}

/**
 * One row of a conformance table: either declarative `request` (one request, or several sent in order)
 * or a custom `send` (raw sockets, slow bodies) returning the responses it got.
 */
export type ConformanceCase = ConformanceCaseBase &
  (
    | { request: () => MaybePromise<ConformanceRequest | readonly ConformanceRequest[]>; send?: never }
    | { send: (target: ConformanceTarget) => Promise<ConformanceResponse | readonly ConformanceResponse[]>; request?: never }
  )

/**
 * The body of an error response with this code (and a message matcher such as `expect.stringMatching`),
 * for `expect.body`.
 *
 * @example
 * ```ts
 * expect: { status: 401, body: errorBody('invalid_signature'), handled: 0 }
 * ```
 */
export function errorBody(code: WebhookErrorCode, message?: unknown): Record<string, unknown> {
  return { ok: false, error: message === undefined ? { code } : { code, message } }
}
