/**
 * `--store memory|redis://...|postgres://...`: where `listen` keeps its idempotency claims. The Redis
 * and PostgreSQL stores load lazily, so their drivers are only needed when asked for.
 *
 * @module
 */
import { type IdempotencyStore, createMemoryStore } from '@crm-webhooks/core'
import { UsageError } from '../../parse-flags.js'

/** A parsed `--store` value. */
export type StoreSpec = { readonly kind: 'memory' } | { readonly kind: 'redis' | 'postgres'; readonly url: string }

/**
 * Parses `--store`.
 *
 * @example
 * ```ts
 * storeFlag('redis://127.0.0.1:6379') // { kind: 'redis', url: 'redis://127.0.0.1:6379' }
 * ```
 */
export function storeFlag(value: string): StoreSpec {
  if (value === 'memory') return { kind: 'memory' }
  const scheme = /^([a-z]+):\/\//.exec(value)?.[1]
  if (scheme === 'redis' || scheme === 'rediss') return { kind: 'redis', url: value }
  if (scheme === 'postgres' || scheme === 'postgresql') return { kind: 'postgres', url: value }
  throw new UsageError('--store must be memory, redis://... or postgres://...')
}

/**
 * The store's kind and host, without credentials, for the startup line.
 *
 * @example
 * ```ts
 * describeStore({ kind: 'redis', url: 'redis://:pw@cache:6379' }) // 'redis (cache:6379)'
 * ```
 */
export function describeStore(spec: StoreSpec): string {
  if (spec.kind === 'memory') return 'memory'
  try {
    return `${spec.kind} (${new URL(spec.url).host})`
  } catch {
    return spec.kind
  }
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
  const store =
    spec.kind === 'redis'
      ? (await import('@crm-webhooks/store-redis')).createRedisStore({ url: spec.url })
      : // A local dev receiver: creating the tables when missing beats a 503 on every delivery.
        (await import('@crm-webhooks/store-postgres')).createPostgresStore({ connectionString: spec.url, autoMigrate: true })
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
