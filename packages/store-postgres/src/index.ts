export { createPostgresStore } from './postgres-store.js'
export type { PostgresStore, PostgresStoreCommonOptions, PostgresStoreOptions } from './postgres-store.js'
export { DEFAULT_TABLE, migrationSql } from './migration.js'
