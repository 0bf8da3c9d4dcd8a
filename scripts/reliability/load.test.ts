/**
 * A bounded version of `scripts/reliability/load.ts`, in the test run: every entry point on the Redis
 * store takes mixed genuine, resent and forged deliveries; each genuine event is handled exactly once and
 * acknowledged, each forgery refused with 401 and never handled.
 */
import { describe, expect, it } from 'vitest'
import { REDIS_URL, deleteKeysUnder, redisAvailable, uniqueKeyPrefix } from '../../packages/store-redis/src/__fixtures__/redis-test-env.js'
import { ENTRY_KINDS } from './entry-servers.js'
import { runLoad } from './load-run.js'

const available = await redisAvailable()

describe.skipIf(!available)('bounded load on every entry point with the Redis store', () => {
  it.each(ENTRY_KINDS)('%s: genuine once, resends acknowledged, forgeries refused', async (entry) => {
    const keyPrefix = uniqueKeyPrefix(`load-${entry}`)
    try {
      const figures = await runLoad(entry, { redisUrl: REDIS_URL, keyPrefix, valid: 60, duplicates: 20, forged: 20, concurrency: 8 })
      expect(figures.violations).toEqual([])
      expect(figures.statuses).toEqual({ valid: { 200: 60 }, duplicate: { 200: 20 }, forged: { 401: 20 } })
    } finally {
      await deleteKeysUnder(keyPrefix)
    }
  })
})
