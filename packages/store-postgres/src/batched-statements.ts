/**
 * `createBatchedStatements`: the claims (and the completions) that fall due in the same turn of the event
 * loop share one statement (or as few as ON CONFLICT DO UPDATE allows, when two name one key), and each is
 * answered on its own: a statement that fails fails its own entries only.
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

/** A claim as the statement answers it: `unsure` when its record changed under the statement, its version to be recorded again. */
type ClaimStatementRow = ClaimRow & { unsure: boolean }

/** One completion of a batch. */
export interface CompleteEntry {
  key: string
  owner: string
  retentionMs: number
}

/** What an entry names: a key no statement may name twice, and a record its claims may share, in order. */
interface EntryNames {
  key: string
  record?: string | null
}

/**
 * Splits a batch into the entries one statement can take (the first to name each key) and the rest, which
 * run in a statement of their own afterwards: ON CONFLICT DO UPDATE may touch a row only once per
 * statement, and each claim must behave as if alone, in order. Claims of one record may share a statement
 * (it records their versions in batch order), but an entry put off still holds its key and its record, so
 * no later entry naming either (its key with another record, or another claim of its record) can run
 * before it.
 */
function firstOfEach<Entry>(entries: Entry[], namesOf: (entry: Entry) => EntryNames): { now: number[]; later: number[] } {
  const keys = new Set<string>()
  const heldRecords = new Set<string>()
  const now: number[] = []
  const later: number[] = []
  entries.forEach((entry, index) => {
    const { key, record } = namesOf(entry)
    // Every key seen holds its later entries back; a record only once one of its entries was put off.
    const putOff = keys.has(key) || (record != null && heldRecords.has(record))
    keys.add(key)
    if (putOff && record != null) heldRecords.add(record)
    ;(putOff ? later : now).push(index)
  })
  return { now, later }
}

/** The failure of a call whose deadline passed before its statement could be sent. */
export function noAnswerWithin(what: string, timeoutMs: number): Error {
  return storeUnavailableError(`${what}: no answer within ${timeoutMs} ms`)
}

/** One entry's outcome in a batch: its row, or the failure of the statement it went in. */
export type Settled<Result> = { value: Result } | { error: unknown }

/**
 * Sends one statement of a batch within `timeoutMs` and settles each of its entries, in order: an entry
 * the statement left undecided (a claim whose version is recorded again) as a promise of its own.
 */
type SendStatement<Entry, Result> = (entries: Entry[], timeoutMs: number) => Promise<Array<Settled<Result> | Promise<Settled<Result>>>>

/**
 * Runs `send` over the entries of a batch in as few statements as {@link firstOfEach} allows, one after
 * the other and all within `timeoutMs`, and settles each entry on its own: a statement that fails fails its
 * own entries only, never those an earlier statement already claimed. The entries of the first statement
 * are answered as soon as it is (those it left undecided, when they are); each entry put off, as a promise
 * settled with its own statement, sent once every entry of this one is settled (it may name their record),
 * so a burst about one record holds up no delivery about another.
 */
async function inStatements<Entry, Result>(
  what: string,
  entries: Entry[],
  namesOf: (entry: Entry) => EntryNames,
  send: SendStatement<Entry, Result>,
  timeoutMs: number,
  startedAt = monotonicNow(),
): Promise<Array<Settled<Result> | Promise<Settled<Result>>>> {
  const { now, later } = firstOfEach(entries, namesOf)
  const statement = now.map((index) => entries[index]!)
  const leftMs = timeoutMs - (monotonicNow() - startedAt)
  const settled: Array<Settled<Result> | Promise<Settled<Result>>> =
    leftMs < 1
      ? statement.map(() => ({ error: noAnswerWithin(what, timeoutMs) }))
      : await send(statement, leftMs).then(
          (answers) => onePerEntry(answers, statement),
          (error: unknown) =>
            statement.length > 1 && isDataException(error) ? eachAlone(what, statement, send, timeoutMs, startedAt) : statement.map(() => ({ error })),
        )
  const results: Array<Settled<Result> | Promise<Settled<Result>>> = new Array(entries.length)
  now.forEach((index, position) => (results[index] = settled[position]!))
  if (later.length > 0) {
    const rest = Promise.all(settled).then(() =>
      inStatements(
        what,
        later.map((index) => entries[index]!),
        namesOf,
        send,
        timeoutMs,
        startedAt,
      ),
    )
    later.forEach((index, position) => (results[index] = rest.then((restSettled) => restSettled[position]!)))
  }
  return results
}

/**
 * Whether a statement failed for one of the values it was given (SQLSTATE class 22, data exception: a
 * character the database's encoding lacks, 22P05 or 22021, in a key or record of a LATIN1 database). Such a
 * statement fails as a whole before it writes anything, so one delivery's key failed every claim of its turn,
 * on every retry of it.
 */
function isDataException(error: unknown): boolean {
  const { code } = ((error as { cause?: unknown } | undefined)?.cause ?? error ?? {}) as { code?: unknown }
  return typeof code === 'string' && code.startsWith('22')
}

/**
 * The entries of a statement that failed for one of its values, each sent again alone, in order, within what
 * is left of `timeoutMs`: only the entry whose value the database refused fails. An entry left undecided (a
 * claim whose version is recorded again) is settled before the next is sent, as in one statement.
 */
async function eachAlone<Entry, Result>(
  what: string,
  statement: Entry[],
  send: SendStatement<Entry, Result>,
  timeoutMs: number,
  startedAt: number,
): Promise<Array<Settled<Result>>> {
  const settled: Array<Settled<Result>> = []
  for (const entry of statement) {
    const leftMs = timeoutMs - (monotonicNow() - startedAt)
    settled.push(
      leftMs < 1
        ? { error: noAnswerWithin(what, timeoutMs) }
        : await send([entry], leftMs).then(
            (answers) => onePerEntry(answers, [entry])[0]!,
            (error: unknown) => ({ error }),
          ),
    )
  }
  return settled
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

/** The indexes of the rows `test` holds for. */
function indexesWhere<Row>(rows: readonly Row[], test: (row: Row) => boolean): number[] {
  return rows.flatMap((row, index) => (test(row) ? [index] : []))
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
  async function claimStatement(entries: ClaimEntry[], timeoutMs: number): Promise<Array<Settled<ClaimRow> | Promise<Settled<ClaimRow>>>> {
    const startedAt = monotonicNow()
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
    const releaseLate = (late: pg.QueryResult<ClaimStatementRow>) => {
      const releases: Promise<unknown>[] = []
      for (let index = 0; index < Math.min(late.rows.length, entries.length); index += 1) {
        if (late.rows[index]!.claimed) releases.push(release(entries[index]!))
      }
      return Promise.all(releases)
    }
    const query = await connection.query<ClaimStatementRow>('claim', sql.claimBatch, values, { onAbandoned: releaseLate, timeoutMs })
    const rows = onePerEntry(query.rows, entries)
    const settled: Array<Settled<ClaimRow> | Promise<Settled<ClaimRow>>> = rows.map((row) => ({ value: row }))
    const unsure = indexesWhere(rows, (row) => row.unsure)
    if (unsure.length === 0) return settled
    // Answered when their versions are recorded; the rest of the statement's claims are answered now.
    const failures = recordAgain(entries, rows, unsure, startedAt, timeoutMs)
    for (const index of unsure) {
      settled[index] = failures.then((failed) => (failed.has(index) ? { error: failed.get(index) } : { value: rows[index]! }))
    }
    return settled
  }

  /**
   * Taken claims whose record another statement changed while theirs ran: their versions are recorded again,
   * in batch order, each statement reading the record afresh, within what is left of the claim's deadline.
   * Answers the claims that could not be, given back.
   */
  async function recordAgain(entries: ClaimEntry[], rows: ClaimRow[], firstUnsure: number[], startedAt: number, timeoutMs: number) {
    const failed = new Map<number, unknown>()
    for (let unsure = firstUnsure; unsure.length > 0; ) {
      const leftMs = timeoutMs - (monotonicNow() - startedAt)
      try {
        if (leftMs < 1) throw noAnswerWithin('postgres store: claim', commandTimeoutMs)
        const pick = <T>(of: (entry: ClaimEntry) => T) => unsure.map((index) => of(entries[index]!))
        const versions = [pick((entry) => entry.record), pick((entry) => entry.version), pick((entry) => entry.retentionMs)]
        const recorded = onePerEntry(
          (await connection.query<{ newest: boolean; unsure: boolean }>('claim', sql.recordVersions, versions, { timeoutMs: leftMs })).rows,
          unsure,
        )
        unsure.forEach((index, position) => (rows[index]!.newest = recorded[position]!.newest))
        unsure = unsure.filter((_, position) => recorded[position]!.unsure)
      } catch (error) {
        // Taken, but neither stale nor newest as far as anyone can tell: given back, and failed.
        for (const index of unsure) {
          failed.set(index, error)
          void release(entries[index]!)
        }
        break
      }
    }
    return failed
  }

  /** Gives a claim back; close() waits for it, as for every query. */
  function release({ key, owner }: ClaimEntry): Promise<unknown> {
    return connection.query('release', sql.release, [key, owner]).catch(() => undefined)
  }

  async function completeStatement(entries: CompleteEntry[], timeoutMs: number): Promise<Array<Settled<boolean>>> {
    const values = [entries.map((entry) => entry.key), entries.map((entry) => entry.owner), entries.map((entry) => entry.retentionMs)]
    const { rows } = await connection.query<{ completed: boolean }>('complete', sql.completeBatch, values, { timeoutMs })
    return rows.map((row) => ({ value: row.completed }))
  }

  return {
    claim: createCallBatcher(
      (entries: ClaimEntry[]) =>
        inStatements('postgres store: claim', entries, (entry) => ({ key: entry.key, record: entry.record }), claimStatement, commandTimeoutMs),
      MAX_BATCH,
    ),
    complete: createCallBatcher(
      (entries: CompleteEntry[]) => inStatements('postgres store: complete', entries, (entry) => ({ key: entry.key }), completeStatement, commandTimeoutMs),
      MAX_BATCH,
    ),
  }
}
