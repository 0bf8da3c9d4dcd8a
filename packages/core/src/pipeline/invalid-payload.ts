/**
 * A verified delivery whose payload failed its schema (or named no event): refused 422, or, with
 * `invalidPayload: 'accept'`, parked once under its idempotency claim and acknowledged.
 *
 * @module
 */
import { type PayloadValidationError, STATUS_BY_CODE, cutText } from '../errors.js'
import type { StandardSchemaV1 } from '../standard-schema.js'
import type { DeliveryContext, WebhookResponse } from '../types.js'
import type { Progress } from './delivery-outcome.js'
import type { PipelineConfig } from './pipeline-config.js'
import { type AcceptedResponseBody, acceptedResponse } from './respond.js'
import { claimOnce, runClaimed } from './run-claimed.js'
import { runWithDeadline } from './run-with-deadline.js'
import type { WaitUntil } from './wait-until.js'

/** What a verified delivery that failed its schema (or named no event) hands to `onInvalidPayload`. */
export interface InvalidPayloadInfo {
  readonly type: string | undefined
  readonly payload: unknown
  readonly issues: readonly StandardSchemaV1.Issue[]
  readonly error: PayloadValidationError
  readonly idempotencyKey: string
  readonly headers: DeliveryContext['header']
}

/** The longest issue message (or path) an error quotes: valibot and arktype put the refused value in theirs. */
const MAX_ISSUE_MESSAGE = 200

/**
 * The first five issues, each as `path: message`, for an error message: a long message (a 100 KB field quoted
 * by valibot or arktype) or path (a record's key the sender chose) is cut, so a 422 stays a small JSON document,
 * as refused headers are quoted bounded.
 *
 * @example
 * ```ts
 * describeIssues([{ message: 'Expected number', path: ['data', { key: 'amount' }] }]) // 'data.amount: Expected number'
 * ```
 */
export function describeIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      // Array.from, not `path.map`: arktype's path is an Array subclass whose `map` builds `new ReadonlyPath(0)`,
      // which holds [0], so an issue about the whole value read as one about field "0".
      const path = Array.from(issue.path ?? [], (segment) => String(typeof segment === 'object' ? segment.key : segment))
      const message = cutText(issue.message, MAX_ISSUE_MESSAGE)
      return path.length ? `${cutText(path.join('.'), MAX_ISSUE_MESSAGE)}: ${message}` : message
    })
    .join('; ')
}

/** Answers a delivery whose payload failed: `onInvalidPayload` runs, then 422, or once under its claim and 202 with `'accept'`. */
export async function invalidPayload(
  config: PipelineConfig,
  info: InvalidPayloadInfo,
  progress: Progress,
  waitUntil: WaitUntil | undefined,
): Promise<WebhookResponse> {
  if (config.invalidPayload === 'reject') {
    // Every delivery of an invalid payload reaches the hook (the sender's retries included), then 422.
    if (config.onInvalidPayload) await runWithDeadline(config, () => config.onInvalidPayload!(info), waitUntil)
    throw info.error
  }
  // 'accept': parked once under the idempotency claim, then acknowledged so the sender stops retrying.
  progress.ignored = 'invalid_payload'
  const claimed = await claimOnce(config, info.idempotencyKey, undefined, waitUntil)
  progress.duplicate = claimed.duplicate
  if (!claimed.duplicate) {
    await runClaimed(config, claimed, config.onInvalidPayload && (() => config.onInvalidPayload!(info)))
  }
  const body: AcceptedResponseBody = { ok: true, event: info.type ?? '', duplicate: claimed.duplicate, ignored: 'invalid_payload' }
  return acceptedResponse(STATUS_BY_CODE.unknown_event, body)
}
