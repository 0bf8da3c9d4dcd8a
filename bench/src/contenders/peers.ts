/**
 * The peers, each verifying AND parsing (what a receiver needs), each fed input its own sender format
 * signs: @octokit/webhooks-methods (`X-Hub-Signature-256: sha256=<hex>`, async, takes a string), Stripe's
 * `webhooks.constructEvent` (`Stripe-Signature: t=..,v1=<hex>` over `t.body`), standardwebhooks'
 * `Webhook.verify` and svix's `Webhook.verify` (`v1,<base64>` over `id.timestamp.body`, pure-JS SHA-256).
 * Each is given the raw Buffer a raw-body middleware yields, except octokit, whose API takes a string.
 *
 * @module
 */
import { verify as octokitVerify } from '@octokit/webhooks-methods'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { Webhook as SvixWebhook } from 'svix'
import type { Contender } from '../alternate.js'
import { type Delivery, FLOOR_SECRET, type Signer, hmacHex } from '../deliveries.js'

/** A peer: how its sender signs, and its verify + parse. */
export interface Peer {
  readonly sign: Signer
  readonly contender: Contender<Delivery>
}

const STRIPE_SECRET = 'whsec_bench_stripe_9d3b1a7c'
// Standard Webhooks secrets are base64 key bytes behind `whsec_`.
const STANDARD_SECRET = `whsec_${Buffer.from(FLOOR_SECRET).toString('base64')}`

const stripe = new Stripe('sk_test_bench_not_used_for_requests')
const standardWebhook = new StandardWebhook(STANDARD_SECRET)
const svixWebhook = new SvixWebhook(STANDARD_SECRET)

function standardHeaders(body: Buffer, sequence: number, prefix: 'webhook' | 'svix'): Record<string, string> {
  const id = `msg_bench_${sequence}`
  const now = new Date()
  return {
    'content-type': 'application/json',
    [`${prefix}-id`]: id,
    [`${prefix}-timestamp`]: String(Math.floor(now.getTime() / 1000)),
    [`${prefix}-signature`]: standardWebhook.sign(id, now, body.toString('utf8')),
  }
}

/** The four peers, by name. */
export const peers: Record<string, Peer> = {
  octokit: {
    sign: (body) => ({ 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${hmacHex(FLOOR_SECRET, body)}` }),
    contender: {
      name: '@octokit/webhooks-methods verify + JSON.parse',
      async: true,
      async run(delivery) {
        const text = delivery.body.toString('utf8')
        if (!(await octokitVerify(FLOOR_SECRET, text, delivery.headers['x-hub-signature-256']!))) throw new Error('octokit: rejected')
        return JSON.parse(text)
      },
    },
  },
  stripe: {
    sign: (body) => ({
      'content-type': 'application/json',
      'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: body.toString('utf8'), secret: STRIPE_SECRET }),
    }),
    contender: {
      name: 'stripe webhooks.constructEvent',
      async: false,
      run: (delivery) => stripe.webhooks.constructEvent(delivery.body, delivery.headers['stripe-signature']!, STRIPE_SECRET),
    },
  },
  standardwebhooks: {
    sign: (body, sequence) => standardHeaders(body, sequence, 'webhook'),
    contender: {
      name: 'standardwebhooks Webhook.verify',
      async: false,
      run: (delivery) => standardWebhook.verify(delivery.body, delivery.headers),
    },
  },
  svix: {
    sign: (body, sequence) => standardHeaders(body, sequence, 'svix'),
    contender: {
      name: 'svix Webhook.verify',
      async: false,
      run: (delivery) => svixWebhook.verify(delivery.body, delivery.headers),
    },
  },
}

/** The secret our Standard Webhooks contender is configured with (the same key as the peers'). */
export { STANDARD_SECRET }
