/**
 * Keeps the node:crypto path synchronous: a scheme maps an engine's result without awaiting it when it
 * is already a value, and only chains when the engine (Web Crypto) returns a promise.
 *
 * @module
 */
import type { MaybePromise } from '../types.js'

/**
 * Applies `transform` to `value` now, or once it resolves when it is a promise.
 *
 * @example
 * ```ts
 * mapMaybePromise(engine.hmacSha256(key, [body]), encodeHex) // a string on Node, a promise on Web Crypto
 * ```
 */
export function mapMaybePromise<Input, Output>(value: MaybePromise<Input>, transform: (input: Input) => Output): MaybePromise<Output> {
  return value instanceof Promise ? value.then(transform) : transform(value)
}
