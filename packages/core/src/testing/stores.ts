/**
 * `@crm-webhooks/core/testing/stores`: the idempotency store contracts, their provider and deliveries, the
 * multi-process harness and the real-server gate, without the conformance suite. Nothing here imports a
 * test runner, so node:test, jest (CommonJS) and vitest files can all load it; `@crm-webhooks/core/testing`
 * re-exports it beside the vitest-only conformance suite.
 *
 * @example
 * ```ts
 * import { test } from 'node:test'
 * import { idempotencyStoreContract } from '@crm-webhooks/core/testing/stores'
 *
 * for (const contractCase of idempotencyStoreContract) test(contractCase.name, () => contractCase.run({ store, advance }))
 * ```
 *
 * @module
 */
export * from '../idempotency/testing.js'
