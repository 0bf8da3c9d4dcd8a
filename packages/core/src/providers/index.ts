export { automatenexus, automatenexusEvents, automatenexusFixtures, AUTOMATENEXUS_SAMPLE_IDS } from './automatenexus/index.js'
export type { AutomatenexusEventType } from './automatenexus/index.js'
export { connectgain, connectgainEvents, connectgainFixtures } from './connectgain/index.js'
export type { ConnectgainEventType } from './connectgain/index.js'
export { customermates, customermatesEvents, customermatesFixtures } from './customermates/index.js'
export type { CustomermatesEventType } from './customermates/index.js'
export {
  MAX_CONFIRMATION_TOKEN_LENGTH,
  SUBSCRIPTION_CONFIRMATION_EVENT,
  WORKFLOW_ACTION_EVENT,
  answerSubscriptionConfirmation,
  workflowPlatform,
  workflowPlatformEvents,
  workflowPlatformFixtures,
} from './workflow-platform/index.js'
export type { WorkflowPlatformEventType } from './workflow-platform/index.js'
export {
  autorespond,
  autorespondEvents,
  autorespondFixtures,
  classifyLeadEvent,
  latestMessageTime,
} from './autorespond/index.js'
export type { AutorespondEventType } from './autorespond/index.js'
export { standardWebhooks, standardWebhooksEvents, standardWebhooksFixtures } from './standard-webhooks/index.js'
export type { StandardWebhooksEventType } from './standard-webhooks/index.js'
export { demoSecrets, isProviderId, providerFixtures, providers } from './registry.js'
export type { BuiltInEventType, ProviderId } from './registry.js'
export { buildSampleDelivery } from './build-sample-delivery.js'
export type { SampleDelivery, SampleDeliveryOptions } from './build-sample-delivery.js'
export { composeDelivery, resolveDeliveryShape } from './compose-delivery.js'
export type { ComposedDelivery, DeliveryShape } from './compose-delivery.js'
export { eventJsonSchema } from './event-json-schema.js'
export { defineProvider } from './define-provider.js'
export { createFieldEnvelope } from './field-envelope.js'
export type { FieldEnvelopeOptions } from './field-envelope.js'
export { decodeJsonFieldsForm, encodeJsonFieldsForm } from './json-fields-form.js'
export { recordVersionByOccurredAt } from './record-version.js'
