/**
 * `resultTypes`: the parsers the store reads its own statements' columns with, whatever parsers the pool
 * was given. pg lets an application replace a type's parser for every query (`pg.types.setTypeParser`, a
 * pool's or client's `types` option, `pg.defaults.parseInt8`, `binary: true`): a pool whose bool parser
 * answered the raw text read a claim that was not taken as `'f'`, which is truthy, so a duplicate ran its
 * handler twice. Passed as a query's own `types`, these win over the client's (pg's Result takes the
 * query's, and falls back to the client's only when the query has none). pg also hands a query's `types`
 * to the Parse message as its parameter types, where an object without `length` counts as none: this one
 * must never get one.
 *
 * @module
 */
import type pg from 'pg'

type Parse = (value: string) => unknown

/** The parsers of the types the store's statements answer, from the text the server sends. */
const PARSERS: Record<number, Parse> = {
  // bool: the server writes 't' or 'f'.
  16: (value) => value === 't',
  // text (state)
  25: (value) => value,
  // float8 (left_ms): parseFloat reads 'Infinity' and 'NaN' as the server writes them.
  701: (value) => Number.parseFloat(value),
}

/** Any other type (the store's statements answer none) is left as the server sent it, never parsed by the pool's parser. */
const AS_SENT: Parse = (value) => value

/**
 * A result in pg's binary format fails its statement: pg hands binary fields over decoded as UTF-8 (a
 * float8 came back corrupted), and a bool read as a Buffer would be truthy. A pool's `binary: true` is
 * refused when the store is created and `pg.defaults.binary` before each statement is sent; this is the
 * last guard, after the statement ran (a claim it took is then held until its lease ends).
 */
const BINARY: Parse = () => {
  throw new Error('postgres store: results in binary format are not supported (binary: true); the store reads text')
}

/**
 * The per-query `types` of every statement the store sends.
 *
 * @example
 * ```ts
 * await pool.query({ text: 'SELECT true AS claimed', types: resultTypes }) // { claimed: true }, whatever the pool parses bool as
 * ```
 */
export const resultTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format: 'text' | 'binary' = 'text') => (format === 'binary' ? BINARY : (PARSERS[oid] ?? AS_SENT))) as pg.CustomTypesConfig['getTypeParser'],
}
