export { createRedisStore } from './redis-store.js'
export type { RedisStore, RedisStoreCommonOptions, RedisStoreOptions } from './redis-store.js'
export type { RedisStoreClient } from './redis-connection.js'
