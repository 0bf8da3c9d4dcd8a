// For redis-store.test.ts: a store made from a URL and closed at once, while its first connect is under way.
// Nothing else holds this process: it must exit by itself.
import { createRedisStore } from '../index.js'
import { REDIS_URL } from './redis-test-env.js'

await createRedisStore({ url: REDIS_URL }).close()
