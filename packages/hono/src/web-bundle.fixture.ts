/**
 * The Worker-like bundle the Web-runtime tests run: an entry that mounts the core's receivers behind this
 * middleware, bundled by esbuild for the browser platform as a Workers bundler would ship it.
 * web-runtime.test.ts runs it in a node:vm context holding only Web globals; browser-runtime.test.ts runs it
 * in Chromium.
 *
 * @module
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { demoSecrets } from '@crm-webhooks/core/providers'

const srcDir = fileURLToPath(new URL('./', import.meta.url))
const packagesDir = fileURLToPath(new URL('../../', import.meta.url))

/** The part of esbuild's API this file uses (esbuild comes with tsup; it is not a dependency of its own). */
interface EsbuildPlugin {
  name: string
  setup(build: { onResolve(options: { filter: RegExp }, callback: (args: { path: string }) => { path: string }): void }): void
}
interface Esbuild {
  build(options: Record<string, unknown> & { plugins?: EsbuildPlugin[]; write: false }): Promise<{
    outputFiles: Array<{ text: string }>
    warnings: Array<{ text: string }>
  }>
}
// Resolved the way tsup resolves it, so the test needs nothing installed beyond the workspace's devDependencies.
const esbuild = createRequire(createRequire(import.meta.url).resolve('tsup'))('esbuild') as Esbuild

/** The `maxBodyBytes` of the bundle's AutomateNexus and Standard Webhooks receivers. */
export const maxBodyBytes = 4096

// What a Worker's module would be: the packages as published names, one route per provider, and a handler
// that records each event it ran for, so the test can count runs. Requests come in as JSON text and answers
// go out as JSON text, so every object the bundle touches was made in its own realm, as on a real runtime.
// `webhookApp` is the Hono app itself, for a caller that builds its own Request in that realm (the browser test).
const entry = `
import { createReceiver } from '@crm-webhooks/core'
import { automatenexus, demoSecrets, providers, standardWebhooks } from '@crm-webhooks/core/providers'
import { crmWebhooks } from '@crm-webhooks/hono'
import { Hono } from 'hono'

const handled = []
const secrets = ${JSON.stringify({ automatenexus: demoSecrets.automatenexus, standardWebhooks: demoSecrets['standard-webhooks'] })}
const automatenexusReceiver = createReceiver({ provider: automatenexus, secret: secrets.automatenexus, maxBodyBytes: ${maxBodyBytes} })
automatenexusReceiver.onAny((event) => void handled.push({ provider: 'automatenexus', type: event.type, key: event.idempotencyKey }))
const standardReceiver = createReceiver({ provider: standardWebhooks, secret: secrets.standardWebhooks, maxBodyBytes: ${maxBodyBytes} })
standardReceiver.onAny((event) => void handled.push({ provider: 'standard-webhooks', type: event.type, key: event.idempotencyKey }))

const app = new Hono()
app.post('/webhooks/automatenexus', crmWebhooks(automatenexusReceiver))
app.post('/webhooks/standard-webhooks', crmWebhooks(standardReceiver))
// Every other built-in provider, on its demo secret, for every method it sends.
for (const id of ['connectgain', 'customermates', 'workflow-platform', 'autorespond']) {
  const receiver = createReceiver({ provider: providers[id], secret: demoSecrets[id] })
  receiver.onAny((event) => void handled.push({ provider: id, type: event.type, key: event.idempotencyKey }))
  app.all('/webhooks/' + id, crmWebhooks(receiver))
}

globalThis.webhookApp = app
globalThis.webhookRequest = async (json) => {
  const { method, url, headers, body } = JSON.parse(json)
  // A bodiless GET or DELETE comes as '': a GET Request may not carry a body at all.
  const response = await app.request(url, { method, headers, body: body === '' ? undefined : body })
  return JSON.stringify({ status: response.status, body: await response.text() })
}
globalThis.handledEvents = () => JSON.stringify(handled)
`

// The workspace packages as their TypeScript sources, as the vitest config aliases them.
const workspaceSources: EsbuildPlugin = {
  name: 'workspace-sources',
  setup(build) {
    build.onResolve({ filter: /^@crm-webhooks\/core\/providers$/ }, () => ({ path: `${packagesDir}core/src/providers/index.ts` }))
    build.onResolve({ filter: /^@crm-webhooks\/(core|hono)$/ }, (args) => ({ path: `${packagesDir}${args.path.slice('@crm-webhooks/'.length)}/src/index.ts` }))
  },
}

/**
 * Bundles the entry into one IIFE script: once it has run, `globalThis` holds `webhookApp`,
 * `webhookRequest(json)` and `handledEvents()`.
 *
 * @example
 * ```ts
 * const { text, warnings } = await buildWebBundle()
 * new vm.Script(text).runInContext(context)
 * ```
 */
export async function buildWebBundle(): Promise<{ text: string; warnings: string[] }> {
  const result = await esbuild.build({
    stdin: { contents: entry, resolveDir: srcDir, loader: 'js', sourcefile: 'worker-entry.js' },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    // What wrangler resolves package exports with.
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2022',
    logLevel: 'silent',
    plugins: [workspaceSources],
  })
  return { text: result.outputFiles[0]!.text, warnings: result.warnings.map((warning) => warning.text) }
}
