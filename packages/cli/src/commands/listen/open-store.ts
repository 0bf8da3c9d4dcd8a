/**
 * `--store memory|redis://...|postgres://...`: where `listen` keeps its idempotency claims. The Redis
 * and PostgreSQL stores load lazily, so their drivers are only needed when asked for.
 *
 * @module
 */
import { type IdempotencyStore, createMemoryStore } from '@crm-webhooks/core'
import { UsageError, fromFlags } from '../../parse-flags.js'

/** A parsed `--store` value, with the namespace `--key-prefix` (Redis) or `--table` (PostgreSQL) gave it. */
export type StoreSpec =
  | { readonly kind: 'memory' }
  | { readonly kind: 'redis'; readonly url: string; readonly keyPrefix?: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly table?: string }

/** `--key-prefix` and `--table`: each names the namespace of one store kind only. */
export interface StoreNamespaceFlags {
  keyPrefix?: string
  table?: string
}

/**
 * Parses `--store`, with `--key-prefix` or `--table` when given (a flag for another kind of store is a
 * usage error rather than silently ignored).
 *
 * @example
 * ```ts
 * storeFlag('redis://127.0.0.1:6379') // { kind: 'redis', url: 'redis://127.0.0.1:6379' }
 * storeFlag('postgres://localhost/dev', { table: 'billing_webhooks' }) // { kind: 'postgres', url, table: 'billing_webhooks' }
 * ```
 */
export function storeFlag(value: string, namespace: StoreNamespaceFlags = {}): StoreSpec {
  const scheme = /^([a-z]+):\/\//.exec(value)?.[1]
  const spec: StoreSpec | undefined =
    value === 'memory'
      ? { kind: 'memory' }
      : scheme === 'redis' || scheme === 'rediss'
        ? { kind: 'redis', url: value, keyPrefix: namespace.keyPrefix }
        : scheme === 'postgres' || scheme === 'postgresql'
          ? { kind: 'postgres', url: value, table: namespace.table }
          : undefined
  if (!spec) throw new UsageError('--store must be memory, redis://... or postgres://...')
  if (namespace.keyPrefix !== undefined && spec.kind !== 'redis') throw new UsageError('--key-prefix needs --store redis://...')
  if (namespace.table !== undefined && spec.kind !== 'postgres') throw new UsageError('--table needs --store postgres://...')
  return spec
}

/**
 * The store's kind, host (without credentials) and namespace when one was given, for the startup line.
 *
 * @example
 * ```ts
 * describeStore({ kind: 'redis', url: 'redis://:pw@cache:6379' }) // 'redis (cache:6379)'
 * describeStore({ kind: 'postgres', url: 'postgres://db/app', table: 'hooks' }) // 'postgres (db, table hooks)'
 * ```
 */
export function describeStore(spec: StoreSpec): string {
  if (spec.kind === 'memory') return 'memory'
  let host = ''
  try {
    host = new URL(spec.url).host
  } catch {
    // A URL the driver accepts but WHATWG URL does not: the kind alone still says which store.
  }
  const namespace = spec.kind === 'redis' ? spec.keyPrefix && `key prefix ${spec.keyPrefix}` : spec.table && `table ${spec.table}`
  const details = [host, namespace].filter(Boolean)
  return details.length > 0 ? `${spec.kind} (${details.join(', ')})` : spec.kind
}

/** The Redis or PostgreSQL store; a bad `--key-prefix` or `--table` is a usage error, like any bad flag. */
async function createServerStore(spec: Exclude<StoreSpec, { kind: 'memory' }>) {
  if (spec.kind === 'redis') {
    const { createRedisStore } = await import('@crm-webhooks/store-redis')
    return fromFlags(() => createRedisStore({ url: spec.url, keyPrefix: spec.keyPrefix }))
  }
  const { createPostgresStore } = await import('@crm-webhooks/store-postgres')
  // A local dev receiver: creating the tables when missing beats a 503 on every delivery.
  return fromFlags(() => createPostgresStore({ connectionString: spec.url, table: spec.table, autoMigrate: true }))
}

/**
 * Opens the store `spec` names.
 *
 * @example
 * ```ts
 * const store = await openStore(storeFlag('memory'))
 * ```
 */
export async function openStore(spec: StoreSpec): Promise<IdempotencyStore> {
  if (spec.kind === 'memory') return createMemoryStore()
  const store = await createServerStore(spec)
  try {
    // The stores connect lazily; releasing a key nobody holds is a harmless round trip that proves the
    // server is there, so a mistyped URL fails now rather than as a 503 on every delivery.
    await store.release('crm-webhooks-cli:probe', 'probe')
  } catch (error) {
    await store.close?.().catch(() => {})
    throw new Error(`cannot reach the ${describeStore(spec)} store: ${(error as Error).message}`, { cause: error })
  }
  return store
}
