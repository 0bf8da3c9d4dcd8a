import { afterEach, describe, expect, it, vi } from 'vitest'
import { maskCredentials, requireService } from './require-service.js'

describe('requireService', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
    vi.restoreAllMocks()
  })

  const unreachable = (url: string) =>
    requireService({ name: 'Redis', url, envVar: 'REDIS_URL', probe: () => Promise.reject(new Error('ECONNREFUSED')), timeoutMs: 100 })

  it('resolves true when the probe answers', async () => {
    expect(await requireService({ name: 'Redis', url: 'redis://127.0.0.1:1', envVar: 'REDIS_URL', probe: async () => 'PONG' })).toBe(true)
  })

  it('warns and resolves false when the server does not answer, outside CI', async () => {
    vi.stubEnv('CI', '')
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(await unreachable('redis://127.0.0.1:1')).toBe(false)
    expect(warn).toHaveBeenCalledWith('SKIPPED: Redis at redis://127.0.0.1:1 is unreachable (ECONNREFUSED). Start it or set REDIS_URL to run these tests.')
  })

  it('throws under CI=true, and a probe that never answers counts as down', async () => {
    vi.stubEnv('CI', 'true')
    await expect(unreachable('redis://127.0.0.1:1')).rejects.toThrow(/Redis at redis:\/\/127\.0\.0\.1:1 is unreachable \(ECONNREFUSED\); CI=true requires it/)
    const silent = requireService({ name: 'Redis', url: 'redis://x', envVar: 'REDIS_URL', probe: () => new Promise(() => {}), timeoutMs: 20 })
    await expect(silent).rejects.toThrow(/no answer within 20 ms/)
  })

  it.each([
    ['a password holding @', 'redis://user:p@ss@127.0.0.1:6379/0', 'redis://***@127.0.0.1:6379/0'],
    ['a password alone', 'redis://:s3cr3t@127.0.0.1:6379', 'redis://***@127.0.0.1:6379'],
    ["libpq's password parameter", 'postgres://db.internal/app?password=s3cr3t&sslmode=require', 'postgres://db.internal/app?password=***&sslmode=require'],
    ['a user without a password', 'postgres://postgres@127.0.0.1:5432/test', 'postgres://***@127.0.0.1:5432/test'],
    ['not a URL the parser takes', 'redis://us:er@[bad', 'redis://***@[bad'],
  ])('masks credentials in the notice: %s', async (_name, url, shown) => {
    expect(maskCredentials(url)).toBe(shown)
    vi.stubEnv('CI', 'true')
    const error = (await unreachable(url).catch((caught: unknown) => caught)) as Error
    expect(error.message).toContain(shown)
    expect(error.message).not.toMatch(/s3cr3t|p@ss|er@/)
  })
})
