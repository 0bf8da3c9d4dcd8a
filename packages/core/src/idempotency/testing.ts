/**
 * The idempotency part of `@crm-webhooks/core/testing`: the contracts every store runs, the provider
 * and signed deliveries they use, the multi-process harness and the real-server gate.
 *
 * @module
 */
export { StoreContractViolation, expectSame } from './contract-assert.js'
export { CONTRACT_SECRET, contractProvider, signContractDelivery } from './contract-provider.js'
export type { ContractDelivery } from './contract-provider.js'
export { deliveryContract } from './delivery-contract.js'
export { freeLoopbackPort } from './free-loopback-port.js'
export { multiProcessContract } from './multi-process-contract.js'
export type { MultiProcessSubject } from './multi-process-contract.js'
export { closingContract } from './closing-contract.js'
export type { ClosingSubject } from './closing-contract.js'
export { outageContract } from './outage-contract.js'
export type { OutageSubject, ServerControls } from './outage-contract.js'
export { serveReceiverWorker, startReceiverWorkers } from './receiver-workers.js'
export type { ReceiverWorkerOptions, ReceiverWorkers, ReceiverWorkersOptions, WorkerAnswer } from './receiver-workers.js'
export { requireService } from './require-service.js'
export type { RequireServiceOptions } from './require-service.js'
export { CONTRACT_LEASE_MS, idempotencyStoreContract } from './store-contract.js'
export { orderingGuardContract } from './ordering-guard-contract.js'
export { batchedStoreContract } from './batched-store-contract.js'
export type { StoreContractCase, StoreContractSubject } from './store-contract.js'
