export {
  HandlerError,
  IdempotencyError,
  PayloadValidationError,
  RequestRejectedError,
  STATUS_BY_CODE,
  SignatureVerificationError,
  WebhookError,
  toWebhookError,
} from './errors.js'
export type {
  HandlerCode,
  IdempotencyCode,
  PayloadValidationCode,
  RequestRejectedCode,
  SchemaIssue,
  SignatureVerificationCode,
  WebhookErrorCode,
  WebhookErrorOptions,
} from './errors.js'
export { createReceiver } from './receiver.js'
export type { AnyEventOf, DrainOptions, EventOf, MergedEvents, Receiver, ReceiverOptions } from './receiver.js'
export type { DeliveryOutcome } from './pipeline/delivery-outcome.js'
export type { InvalidPayloadInfo } from './pipeline/invalid-payload.js'
export { describeIssues } from './pipeline/invalid-payload.js'
export type { AcceptedResponseBody, ErrorResponseBody } from './pipeline/respond.js'
export { responseContent, toFetchResponse } from './pipeline/respond.js'
export { createHeaderReader } from './pipeline/headers.js'
export { DEFAULT_BODY_TIMEOUT_MS, DEFAULT_MAX_BODY_BYTES, bodyStreamAlreadyRead, toBodyBytes } from './pipeline/raw-body.js'
export type { ReadBodyOptions } from './pipeline/raw-body.js'
export { nodeBodyWasRead, readNodeRequest } from './pipeline/read-node-request.js'
export type { NodeRequestStream } from './pipeline/read-node-request.js'
export { readWebStream } from './pipeline/read-web-stream.js'
export type { ReadWebStreamOptions } from './pipeline/read-web-stream.js'
export { answerEndsConnection, declaresNoBody } from './pipeline/declares-no-body.js'
export { keptBodyStream } from './pipeline/kept-body-stream.js'
export { QUERY_FIELD_METHODS, carriesQueryFields, rawQueryOf } from './pipeline/query-fields.js'
export { createNodeListener } from './http/node-listener.js'
export { nodeClientErrorListener } from './http/node-client-error-listener.js'
export { nodeRequestWithBody } from './http/node-request-with-body.js'
export { createMemoryStore } from './idempotency/memory-store.js'
export type { MemoryStore, MemoryStoreOptions } from './idempotency/memory-store.js'
export { storeUnavailableError, withStoreDeadline } from './idempotency/store-deadline.js'
export { callObserver } from './call-observer.js'
export { createInFlightCalls } from './idempotency/in-flight-calls.js'
export type { InFlightCalls } from './idempotency/in-flight-calls.js'
export { batchedMs, batchedText, createCallBatcher } from './idempotency/call-batcher.js'
export { MAX_STORE_MS, MAX_TIMER_MS, positiveOption } from './option-checks.js'
export { monotonicNow } from './monotonic-now.js'
export { DEFAULT_RETENTION_MS } from './receiver-config.js'
export { escapeLoneSurrogates, hasLoneSurrogate } from './idempotency/lone-surrogates.js'
export type { PositiveOptionLimits } from './option-checks.js'
export type { SendBatch } from './idempotency/call-batcher.js'
export type { StoreDeadlineOptions } from './idempotency/store-deadline.js'
export {
  createHmacKey,
  createNodeCryptoEngine,
  createWebCryptoEngine,
  getDefaultCryptoEngine,
  timingSafeEqualBytes,
  timingSafeEqualSecret,
  timingSafeEqualStrings,
} from './schemes/crypto.js'
export type { CryptoEngine, HmacKey } from './schemes/crypto.js'
export { decodeBase64, decodeHex, encodeBase64, encodeHex } from './schemes/encoding.js'
export { createHmacSha256Scheme } from './schemes/hmac-sha256.js'
export type { HmacSha256SchemeOptions, PreparedHmacSecret } from './schemes/hmac-sha256.js'
export { createStaticSecretScheme } from './schemes/static-secret.js'
export type { PreparedStaticSecret, StaticSecretSchemeOptions } from './schemes/static-secret.js'
export { DEFAULT_MAX_SIGNATURES, createStandardWebhooksScheme } from './schemes/standard-webhooks.js'
export type { StandardWebhooksSchemeOptions } from './schemes/standard-webhooks.js'
export { MAX_SECRETS, normalizeSecrets } from './schemes/secrets.js'
export { checkSigningSecrets, signWithSecrets } from './schemes/sign-with-secrets.js'
export { defineProvider } from './providers/define-provider.js'
export { createFieldEnvelope } from './providers/field-envelope.js'
export type { FieldEnvelopeOptions } from './providers/field-envelope.js'
export type { StandardSchemaV1 } from './standard-schema.js'
export type * from './types.js'
export type * from './event-data.js'
export type * from './idempotency/idempotency-store.js'
