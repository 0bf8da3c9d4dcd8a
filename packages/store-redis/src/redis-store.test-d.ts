import { createClient } from 'redis'
import { describe, it } from 'vitest'
import { createRedisStore } from './index.js'

describe('createRedisStore options', () => {
  it('take a client or a url, and neither both nor none', () => {
    const client = createClient()
    createRedisStore({ client, keyPrefix: 'app:' })
    createRedisStore({ url: 'redis://127.0.0.1:6379', commandTimeoutMs: 500 })
    // @ts-expect-error: neither a client nor a url
    createRedisStore({ keyPrefix: 'app:' })
    // @ts-expect-error: both a client and a url
    createRedisStore({ client, url: 'redis://127.0.0.1:6379' })
  })
})
