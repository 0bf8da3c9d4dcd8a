/**
 * The type a handler's `event.data` has: what the event's schema produces, with the index signatures of
 * passthrough objects removed, so reading a field the schema does not declare fails to compile.
 *
 * @module
 */
import type { StandardSchemaV1 } from './standard-schema.js'

/**
 * The data type an event's schema produces, with the index signatures of passthrough objects removed:
 * schemas keep fields a sender adds (they never reject unknown keys), yet a handler that reads a field
 * the schema does not declare fails to compile. Pure records (no declared keys) keep their index type.
 */
// The output is read with `infer`, not `InferOutput<Schema>`: for an arktype schema, `on('x', (event) => ...)`
// failed to compile (TS2589, instantiation excessively deep) while the event name was still being inferred.
export type EventData<Schema> = Schema extends StandardSchemaV1<unknown, infer Output> ? DeclaredFields<Output> : unknown

type KnownKeys<T> = keyof {
  [K in keyof T as string extends K ? never : number extends K ? never : symbol extends K ? never : K]: true
}

/**
 * How many objects and arrays deep {@link DeclaredFields} rebuilds a type; below that it is kept as it is. A
 * recursive type (`z.json()`, a JSON type of your own) would otherwise be rebuilt for ever, which TypeScript
 * refuses (TS2589) and so made any handler of such a schema fail to compile.
 */
type DeclaredFieldsDepth = [unknown, unknown, unknown, unknown, unknown, unknown, unknown, unknown, unknown, unknown]

/**
 * `T` with index signatures dropped from every object that also declares named keys, recursively (to 10
 * levels), in the values of a pure record too. A primitive is kept whole first: a branded one
 * (`string & { [brand]: 'Email' }`, zod's `.brand()`) is an object type too, and was rebuilt from `String`'s members.
 */
export type DeclaredFields<T, Depth extends readonly unknown[] = []> = T extends string | number | boolean | bigint | symbol | null | undefined
  ? T
  : T extends (...args: never[]) => unknown
    ? T
    : T extends Date | RegExp | Uint8Array
      ? T
      : Depth['length'] extends DeclaredFieldsDepth['length']
        ? T
        : T extends ReadonlyArray<unknown>
          ? // Mapped over the array itself, so a tuple keeps each position's type (and its rest, and readonly):
            // rebuilt from its element type, `[number, string]` read as `(number | string)[]`.
            { [I in keyof T]: DeclaredFields<T[I], [...Depth, unknown]> }
          : T extends object
            ? [KnownKeys<T>] extends [never]
              ? // A pure record keeps its index type; its values lose theirs (a map of loose objects).
                { [K in keyof T]: DeclaredFields<T[K], [...Depth, unknown]> }
              : // `K & keyof T`: TypeScript before 5.4 did not see that a key of the filtered set is one of T's (TS2536).
                { [K in KnownKeys<T>]: DeclaredFields<T[K & keyof T], [...Depth, unknown]> }
            : T
