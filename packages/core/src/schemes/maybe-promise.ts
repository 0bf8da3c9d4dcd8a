/**
 * Keeps the node:crypto path synchronous: a scheme maps an engine's result without awaiting it when it
 * is already a value, and only chains when the engine (Web Crypto) returns a promise.
 *
 * @module
 */
import type { MaybePromise } from '../types.js'

/**
 * Whether `value` is a promise of any kind: a native one, one from another realm (a `vm` context, an
 * iframe) or a library's thenable. `instanceof Promise` sees only this realm's, and taking any other for a
 * plain value would read a pending verification or validation as its result.
 *
 * @example
 * ```ts
 * const result = isThenable(verifying) ? await verifying : verifying
 * ```
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null | undefined)?.then === 'function'
}

/**
 * Applies `transform` to `value` now, or once it resolves when it is a promise of any kind (an engine of
 * your own may answer another realm's).
 *
 * @example
 * ```ts
 * mapMaybePromise(engine.hmacSha256(key, [body]), encodeHex) // a string on Node, a promise on Web Crypto
 * ```
 */
export function mapMaybePromise<Input, Output>(value: MaybePromise<Input>, transform: (input: Input) => Output): MaybePromise<Output> {
  return isThenable(value) ? Promise.resolve(value as PromiseLike<Input>).then(transform) : transform(value as Input)
}
