/**
 * crm-webhooks at three depths, each over the raw bytes and Node-style headers a server hands over:
 * `verify` (the scheme alone), `verify + parse` (the pipeline's own steps up to the parsed body, in its
 * order) and `pipeline` (`createReceiver(...).handle` with the AutomateNexus provider: verify, parse,
 * envelope, zod schema, body-digest idempotency key, memory-store claim, ordering guard, handler,
 * completion, response). Plus `verify + parse` on our Standard Webhooks scheme, to set beside the
 * standardwebhooks and svix libraries, which verify the same format.
 *
 * @module
 */
import * as currentCore from '@crm-webhooks/core'
import type { Receiver, SignatureScheme } from '@crm-webhooks/core'
import * as currentProviders from '@crm-webhooks/core/providers'
import * as currentParseBody from '../../../packages/core/src/pipeline/parse-body.js'
import type { Contender } from '../alternate.js'
import { type Delivery, FLOOR_SECRET, type Signer, hmacHex } from '../deliveries.js'
import { STANDARD_SECRET } from './peers.js'

/**
 * The parts of crm-webhooks the contenders are built from: the working tree's by default, or a baseline
 * revision's (see ab.ts) to measure a change against what it replaces.
 */
export interface CoreModules {
  readonly core: typeof currentCore
  readonly providers: Pick<typeof currentProviders, 'automatenexus'>
  /** The pipeline's own parsing steps (internal: not exported from the package). */
  readonly parseBody: Pick<typeof currentParseBody, 'bodyTypeOf' | 'bodyTypeOfBytes' | 'parseJsonBody' | 'requireIdentityEncoding'>
}

/** The working tree's modules. */
export const CURRENT: CoreModules = { core: currentCore, providers: currentProviders, parseBody: currentParseBody }

/** Our contenders on the AutomateNexus provider. */
export interface OurContenders {
  readonly sign: Signer
  readonly verify: Contender<Delivery>
  readonly verifyParse: Contender<Delivery>
  readonly pipeline: Contender<Delivery>
  readonly receiver: Receiver<any>
}

function verifyOptions() {
  return { toleranceSeconds: 300, nowMs: Date.now() }
}

/** Whether the scheme verifies synchronously on this runtime (node:crypto does): then nothing is awaited. */
function verifiesSynchronously(modules: CoreModules, scheme: SignatureScheme, prepared: unknown, probe: Delivery): boolean {
  const result = scheme.verify({ header: modules.core.createHeaderReader(probe.headers), body: probe.body }, prepared, verifyOptions())
  if (result instanceof Promise) result.catch(() => {})
  return !(result instanceof Promise)
}

/** The content types AutomateNexus sends, resolved once per receiver as the pipeline's config holds them. */
const JSON_OR_FORM = ['json', 'form'] as const

function verifyThenParse(
  modules: CoreModules,
  name: string,
  scheme: SignatureScheme,
  prepared: unknown,
  sync: boolean,
): Contender<Delivery> {
  const { createHeaderReader, toBodyBytes } = modules.core
  const { bodyTypeOf, bodyTypeOfBytes, parseJsonBody, requireIdentityEncoding } = modules.parseBody
  return {
    name,
    async: !sync,
    run(delivery) {
      // The pipeline's steps up to the parsed body, in its order (see run-pipeline.ts).
      const body = toBodyBytes(delivery.body)
      const header = createHeaderReader(delivery.headers)
      requireIdentityEncoding(header('content-encoding'), header('transfer-encoding'))
      bodyTypeOfBytes(bodyTypeOf(header('content-type'), JSON_OR_FORM), body, JSON_OR_FORM)
      const verified = scheme.verify({ header, body }, prepared, verifyOptions())
      return verified instanceof Promise ? verified.then(() => parseJsonBody(body)) : parseJsonBody(body)
    },
  }
}

function probeOf(sign: Signer): Delivery {
  const body = Buffer.from('{"event":"contact.created","data":{"id":"con_1"}}')
  return { body, headers: sign(body, 0), floorSignature: hmacHex(FLOOR_SECRET, body) }
}

/**
 * Builds our contenders on the AutomateNexus provider, keyed with the floor's secret.
 *
 * @example
 * ```ts
 * const ours = createOurContenders()
 * ours.verify.run(delivery)
 * ```
 */
export function createOurContenders(modules: CoreModules = CURRENT): OurContenders {
  const { createHeaderReader, createReceiver, toBodyBytes } = modules.core
  const { automatenexus } = modules.providers
  const { scheme } = automatenexus
  const prepared = scheme.prepareSecrets([FLOOR_SECRET])
  const header = scheme.signatureHeader.toLowerCase()
  const sign: Signer = (body) => ({ 'content-type': 'application/json', [header]: hmacHex(FLOOR_SECRET, body) })
  const sync = verifiesSynchronously(modules, scheme, prepared, probeOf(sign))
  const receiver = createReceiver({ provider: automatenexus, secret: FLOOR_SECRET })
  receiver.onAny(() => {})
  return {
    sign,
    receiver,
    verify: {
      name: 'ours: verify',
      async: !sync,
      run: (delivery) =>
        scheme.verify({ header: createHeaderReader(delivery.headers), body: toBodyBytes(delivery.body) }, prepared, verifyOptions()),
    },
    verifyParse: verifyThenParse(modules, 'ours: verify + parse', scheme, prepared, sync),
    pipeline: {
      name: 'ours: full pipeline',
      async: true,
      async run(delivery) {
        const response = await receiver.handle({ method: 'POST', url: '/webhooks', headers: delivery.headers, rawBody: delivery.body })
        if (response.status !== 200) throw new Error(`pipeline answered ${response.status}: ${response.body}`)
        return response
      },
    },
  }
}

/**
 * Our Standard Webhooks scheme, verify + parse, keyed like the standardwebhooks and svix peers.
 *
 * @example
 * ```ts
 * const { sign, verifyParse } = createOurStandardWebhooks()
 * ```
 */
export function createOurStandardWebhooks(modules: CoreModules = CURRENT): { sign: Signer; verifyParse: Contender<Delivery> } {
  const scheme = modules.core.createStandardWebhooksScheme()
  const prepared = scheme.prepareSecrets([STANDARD_SECRET])
  const sign: Signer = (body, sequence) => {
    const headers = scheme.sign({ body, id: `msg_bench_${sequence}`, timestampSeconds: Math.floor(Date.now() / 1000) }, STANDARD_SECRET)
    if (headers instanceof Promise) throw new Error('expected node:crypto to sign synchronously')
    return { 'content-type': 'application/json', ...headers }
  }
  const sync = verifiesSynchronously(modules, scheme, prepared, probeOf(sign))
  return { sign, verifyParse: verifyThenParse(modules, 'ours: Standard Webhooks verify + parse', scheme, prepared, sync) }
}
