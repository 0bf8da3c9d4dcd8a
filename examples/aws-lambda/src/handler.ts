/**
 * A crm-webhooks receiver as an AWS Lambda function, for AutomateNexus CRM (seed 000): Hono's AWS Lambda adapter
 * turns API Gateway (REST or HTTP API), function URL and ALB events into requests. Lambda freezes the process
 * once the function returns, so the function waits for `receiver.idle()` first: a handler still running past
 * its `503 handler_timeout`, or a completion being retried, finishes inside the invocation.
 */
import { type Receiver, createReceiver } from '@crm-webhooks/core'
import { automatenexus } from '@crm-webhooks/core/providers'
import { crmWebhooks } from '@crm-webhooks/hono'
import { Hono } from 'hono'
import { type LambdaContext, type LambdaEvent, handle } from 'hono/aws-lambda'

/** The Lambda function answering `/webhooks` with `receiver`. */
export function lambdaHandler(receiver: Receiver) {
  const answer = handle(new Hono().all('/webhooks', crmWebhooks(receiver)))
  return async (event: LambdaEvent, context: LambdaContext) => {
    const result = await answer(event, context)
    await receiver.idle({ timeoutMs: Math.max(1, context.getRemainingTimeInMillis() - 1_000) })
    return result
  }
}

// Module scope: built once per execution environment. Give it a shared store (@crm-webhooks/store-redis or
// store-postgres): the default memory store lives in one environment, and Lambda runs many.
const receiver = createReceiver({ provider: automatenexus, secret: process.env.AUTOMATENEXUS_SECRET! })
receiver.on('deal.won', (event) => console.log(`deal ${event.data.id} won`))

export const handler = lambdaHandler(receiver)
