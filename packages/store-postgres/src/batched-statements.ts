/**
 * `createBatchedStatements`: the claims (and the completions) that fall due in the same turn of the event
 * loop share one statement (or as few as ON CONFLICT DO UPDATE allows, when two name one key or one
 * record), and each is answered on its own: a statement that fails fails its own entries only.
 *
 * @module
 */
import { createCallBatcher, monotonicNow, storeUnavailableError } from '@crm-webhooks/core'
import type pg from 'pg'
import type { PostgresConnection } from './postgres-connection.js'
import type { StoreQueries } from './store-queries.js'

/** Most claims (or completions) in one statement: enough for any burst, few enough to hold few row locks. */
const MAX_BATCH = 128

/** One claim of a batch, as the statement takes it. */
export interface ClaimEntry {
  key: string
  owner: string
  lockTtlMs: number
  /** The ordering guard's record, version and retention, or null without a version to record. */
  record: string | null
  version: number | null
  retentionMs: number | null
}

/** What the claim statement answers for one claim. */
export interface ClaimRow {
  claimed: boolean
  newest: boolean
  state: 'in_progress' | 'completed' | null
  left_ms: number | null
}

/** One completion of a batch. */
export interface CompleteEntry {
  key: string
  owner: string
  retentionMs: number
}

/**
 * Splits a batch into the entries one statement can take (the first to name each key, or each record) and
 * the rest, which run in a statement of their own afterwards: ON CONFLICT DO UPDATE may touch a row only
 * once per statement, and each claim must behave as if alone, in order. An entry put off still holds its
 * names, so no later entry naming one of them (its key with another record) can run before it.
 */
function firstOfEach<Entry>(entries: Entry[], namesOf: (entry: Entry) => Array<string | null>): { now: number[]; later: number[] } {
  const named = new Set<string>()
  const now: number[] = []
  const later: number[] = []
  entries.forEach((entry, index) => {
    const names = namesOf(entry).filter((name): name is string => name !== null)
    const putOff = names.some((name) => named.has(name))
    for (const name of names) named.add(name)
    ;(putOff ? later : now).push(index)
  })
  return { now, later }
}

/** One entry's outcome in a batch: its row, or the failure of the statement it went in. */
export type Settled<Result> = { value: Result } | { error: unknown }

/** Sends one statement of a batch within `timeoutMs` and answers each of its entries, in order. */
type SendStatement<Entry, Result> = (entries: Entry[], timeoutMs: number) => Promise<Result[]>

/**
 * Runs `send` over the entries of a batch in as few statements as {@link firstOfEach} allows, one after
 * the other and all within `timeoutMs`, and settles each entry on its own: a statement that fails fails its
 * own entries only, never those an earlier statement already claimed. The entries of the first statement
 * are answered as soon as it is; each entry put off, as a promise settled with its own statement, so a
 * burst about one record holds up no delivery about another.
 */
async function inStatements<Entry, Result>(
  what: string,
  entries: Entry[],
  namesOf: (entry: Entry) => Array<string | null>,
  send: SendStatement<Entry, Result>,
  timeoutMs: number,
  startedAt = monotonicNow(),
): Promise<Array<Settled<Result> | Promise<Settled<Result>>>> {
  const { now, later } = firstOfEach(entries, namesOf)
  const statement = now.map((index) => entries[index]!)
  const leftMs = timeoutMs - (monotonicNow() - startedAt)
  const settled: Settled<Result>[] =
    leftMs < 1
      ? statement.map(() => ({ error: storeUnavailableError(`${what}: no answer within ${timeoutMs} ms`) }))
      : await send(statement, leftMs).then(
          (rows) => onePerEntry(rows, statement).map((value) => ({ value })),
          (error: unknown) => statement.map(() => ({ error })),
        )
  const results: Array<Settled<Result> | Promise<Settled<Result>>> = new Array(entries.length)
  now.forEach((index, position) => (results[index] = settled[position]!))
  if (later.length > 0) {
    const rest = inStatements(
      what,
      later.map((index) => entries[index]!),
      namesOf,
      send,
      timeoutMs,
      startedAt,
    )
    later.forEach((index, position) => (results[index] = rest.then((restSettled) => restSettled[position]!)))
  }
  return results
}

/** An entry's row, or the failure of its statement, thrown. */
export function settledValue<Result>(settled: Settled<Result>): Result {
  if ('error' in settled) throw settled.error
  return settled.value
}

/** A statement's rows, one per entry it was given, or an error that fails the statement's entries. */
function onePerEntry<Row>(rows: Row[], entries: readonly unknown[]): Row[] {
  if (rows.length !== entries.length) throw new Error(`a statement of ${entries.length} entries returned ${rows.length} rows`)
  return rows
}

/** Queues one claim (or completion) into the statement of its turn of the event loop. */
export interface BatchedStatements {
  claim(entry: ClaimEntry): Promise<Settled<ClaimRow>>
  complete(entry: CompleteEntry): Promise<Settled<boolean>>
}

/**
 * Creates the claim and completion batchers of one store, each call of a batch answered within
 * `commandTimeoutMs` of the batch leaving.
 *
 * @example
 * ```ts
 * const batches = createBatchedStatements(connection, storeQueries(names), 2_000)
 * const row = settledValue(await batches.claim({ key, owner, lockTtlMs: 60_000, record: null, version: null, retentionMs: null }))
 * ```
 */
export function createBatchedStatements(connection: PostgresConnection, sql: StoreQueries, commandTimeoutMs: number): BatchedStatements {
  function claimStatement(entries: ClaimEntry[], timeoutMs: number): Promise<ClaimRow[]> {
    const column = <T>(pick: (entry: ClaimEntry) => T) => entries.map(pick)
    const values = [
      column((entry) => entry.key),
      column((entry) => entry.owner),
      column((entry) => entry.lockTtlMs),
      column((entry) => entry.record),
      column((entry) => entry.version),
      column((entry) => entry.retentionMs),
    ]
    // Claims that landed after the receiver already answered 503: give them back. Returned, so close() waits
    // for these releases before it lets go of the pool.
    const releaseLate = (late: pg.QueryResult<ClaimRow>) => {
      const releases: Promise<unknown>[] = []
      for (let index = 0; index < Math.min(late.rows.length, entries.length); index += 1) {
        const { key, owner } = entries[index]!
        if (late.rows[index]!.claimed) releases.push(connection.query('release', sql.release, [key, owner]).catch(() => undefined))
      }
      return Promise.all(releases)
    }
    return connection.query<ClaimRow>('claim', sql.claimBatch, values, { onAbandoned: releaseLate, timeoutMs }).then(({ rows }) => rows)
  }

  async function completeStatement(entries: CompleteEntry[], timeoutMs: number): Promise<boolean[]> {
    const values = [entries.map((entry) => entry.key), entries.map((entry) => entry.owner), entries.map((entry) => entry.retentionMs)]
    const { rows } = await connection.query<{ completed: boolean }>('complete', sql.completeBatch, values, { timeoutMs })
    return rows.map((row) => row.completed)
  }

  return {
    claim: createCallBatcher(
      (entries: ClaimEntry[]) =>
        inStatements('postgres store: claim', entries, (entry) => [entry.key, entry.record], claimStatement, commandTimeoutMs),
      MAX_BATCH,
    ),
    complete: createCallBatcher(
      (entries: CompleteEntry[]) => inStatements('postgres store: complete', entries, (entry) => [entry.key], completeStatement, commandTimeoutMs),
      MAX_BATCH,
    ),
  }
}
