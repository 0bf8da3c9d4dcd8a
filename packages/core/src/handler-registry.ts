/**
 * The handlers a receiver runs for an event: those registered for its type, then those registered for
 * every type, in the order they were added.
 *
 * @module
 */
import { isThenable } from './schemes/maybe-promise.js'
import type { MaybePromise, WebhookEvent } from './types.js'

/** A registered handler, as the registry keeps it (the receiver narrows the event for its caller). */
export type EventHandler = (event: WebhookEvent) => MaybePromise<void>

/** The handlers of one receiver, and the way to run them. */
export interface HandlerRegistry {
  /** Adds a handler for one event type, after those already there. */
  add(type: string, handler: EventHandler): void
  /** Adds a handler for every event type, after those already there. */
  addAny(handler: EventHandler): void
  /** Runs the event's handlers; `undefined` when none returned a promise (nothing left to wait for). */
  dispatch(event: WebhookEvent): Promise<void> | undefined
  /** Whether any handler would run for an event of `type` (one of its own, or one for every type). */
  handles(type: string): boolean
}

const NO_HANDLERS: ReadonlyArray<EventHandler> = []

/**
 * Creates an empty registry.
 *
 * @example
 * ```ts
 * const handlers = createHandlerRegistry()
 * handlers.add('deal.created', (event) => console.log(event.id))
 * await handlers.dispatch(event)
 * ```
 */
export function createHandlerRegistry(): HandlerRegistry {
  // Replaced, never changed, when a handler is added: a delivery under way keeps the lists it started with,
  // so a handler added meanwhile (from inside a handler) neither shifts the others nor joins it half-way.
  const handlers = new Map<string, ReadonlyArray<EventHandler>>()
  let anyHandlers: ReadonlyArray<EventHandler> = []

  // Handlers run one after the other, each awaited; while they return no promise, nothing is awaited at
  // all, so a synchronous handler costs no microtask hop and no deadline timer (see run-claimed.ts).
  function dispatch(event: WebhookEvent): Promise<void> | undefined {
    return dispatchFrom(event, handlers.get(event.type) ?? NO_HANDLERS, anyHandlers, 0)
  }

  function dispatchFrom(
    event: WebhookEvent,
    typed: ReadonlyArray<EventHandler>,
    any: ReadonlyArray<EventHandler>,
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

  return {
    add(type, handler) {
      handlers.set(type, [...(handlers.get(type) ?? []), handler])
    },
    addAny(handler) {
      anyHandlers = [...anyHandlers, handler]
    },
    dispatch,
    handles: (type) => anyHandlers.length !== 0 || handlers.has(type),
  }
}
