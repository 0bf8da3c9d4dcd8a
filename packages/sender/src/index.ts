export { createSender } from './sender.js'
export type { EventInput, Sender, SenderOptions } from './sender.js'
export type { DeliveryResult, NextRetry } from './run-delivery.js'
export {
  DEFAULT_RETRY_SCHEDULE,
  PROVIDER_RETRY_DEFAULTS,
  ATTEMPT_TIMEOUT_MS,
  RETRY_COUNT,
  assertRetriesWithinRetention,
  createRetryPolicy,
  formatDuration,
  mostRetriesWithinRetention,
  parseDuration,
  parseRetrySchedule,
  providerRetryPolicy,
} from './retry-policy.js'
export type { RetryPolicy, RetryPolicyOptions } from './retry-policy.js'
export { RESPONSE_BODY_LIMIT, createDeliveryLog } from './delivery-log.js'
export type {
  DeliveryAttempt,
  DeliveryLog,
  DeliveryLogOptions,
  DeliveryRecord,
  DeliveryState,
  FinalDeliveryState,
  LoggedRequest,
} from './delivery-log.js'
export { createFetchTransport } from './transport.js'
export type { FetchTransportOptions, OutgoingRequest, Transport, TransportOptions, TransportResult } from './transport.js'
export { assertRequestShape, composeRequest, signRequest } from './compose-request.js'
export { isFetchBadPort } from './is-fetch-bad-port.js'
export type { RequestShape } from './compose-request.js'
export { sleep, systemClock } from './clock.js'
export type { Clock, TimerHandle } from './clock.js'
export { createManualClock } from './manual-clock.js'
export type { ManualClock } from './manual-clock.js'
