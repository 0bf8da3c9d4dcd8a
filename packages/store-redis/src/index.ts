export { createRedisStore } from './redis-store.js'
export type { RedisStore, RedisStoreOptions } from './redis-store.js'
export type { RedisStoreClient } from './redis-connection.js'
