/**
 * Tests against a real server (Redis, PostgreSQL) run when it answers; under `CI=true` a missing server
 * fails the run, elsewhere its tests skip with a visible notice instead of silently passing.
 *
 * @module
 */
import { settledWithin } from '../settled-within.js'

/** What {@link requireService} needs to know. */
export interface RequireServiceOptions {
  /** Shown in the notice, e.g. `Redis`. */
  name: string
  /** Where the server was looked for; credentials are masked in the notice. */
  url: string
  /** The environment variable that points the tests elsewhere, e.g. `REDIS_URL`. */
  envVar: string
  /** Resolves when the server answers; rejects (or takes longer than `timeoutMs`) otherwise. */
  probe: () => Promise<unknown>
  /** Longest wait for the probe; default 3000 ms. */
  timeoutMs?: number
}

/**
 * The URL as the notice shows it: the user and password (a password may hold `@`), and query parameters
 * naming a secret (`?password=`, libpq's form), replaced by `***`.
 */
export function maskCredentials(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    // Not a URL the parser takes: everything up to the last `@` of what follows `//` is credentials.
    return url.replace(/\/\/[^/]*@/, '//***@')
  }
  if (parsed.username !== '' || parsed.password !== '') {
    parsed.username = '***'
    parsed.password = ''
  }
  for (const name of new Set(parsed.searchParams.keys())) {
    if (/pass|secret|token|key/i.test(name)) parsed.searchParams.set(name, '***')
  }
  return parsed.href
}

/**
 * Resolves `true` when the service answers; otherwise warns and resolves `false`, or throws under `CI=true`.
 *
 * @example
 * ```ts
 * const available = await requireService({ name: 'Redis', url, envVar: 'REDIS_URL', probe: () => ping(url) })
 * describe.skipIf(!available)('redis store', () => { ... })
 * ```
 */
export async function requireService(options: RequireServiceOptions): Promise<boolean> {
  const timeoutMs = options.timeoutMs ?? 3_000
  try {
    await settledWithin(options.probe(), timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`))
    return true
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    const notice = `${options.name} at ${maskCredentials(options.url)} is unreachable (${reason})`
    if (globalThis.process?.env.CI === 'true') throw new Error(`${notice}; CI=true requires it`, { cause: error })
    console.warn(`SKIPPED: ${notice}. Start it or set ${options.envVar} to run these tests.`)
    return false
  }
}
