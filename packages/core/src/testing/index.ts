export { errorBody } from './conformance-case.js'
export type {
  BodyParserSetup,
  ConformanceCase,
  ConformanceEntry,
  ConformanceExpectation,
  ConformanceReceiverOptions,
  ConformanceResponse,
  ConformanceTarget,
  EntryCapability,
  EntryStartOptions,
  StartedEntry,
} from './conformance-case.js'
export { conformanceCases } from './conformance-cases.js'
export {
  CONFORMANCE_EVENT_TYPE,
  CONFORMANCE_PREVIOUS_SECRET,
  CONFORMANCE_SECRET,
  conformanceEventBody,
  conformanceProvider,
  conformanceStandardProvider,
  signedRequest,
} from './conformance-kit.js'
export type { ConformanceRequest, SignedRequestOptions } from './conformance-kit.js'
export { listenOnLoopback } from './listen-on-loopback.js'
export { rawHttpExchange } from '../reliability/raw-http-exchange.js'
export type { RawHttpExchangeOptions, RawStep } from '../reliability/raw-http-exchange.js'
export { runConformanceSuite } from './run-conformance-suite.js'
export type { RunConformanceSuiteOptions } from './run-conformance-suite.js'
export * from '../idempotency/testing.js'
export { badInputCases } from './bad-input-cases.js'
