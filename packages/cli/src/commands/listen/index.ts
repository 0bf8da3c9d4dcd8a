/**
 * `crm-webhooks listen`: a local receiver that reports every delivery, as `stripe listen` does for
 * Stripe. With `--json`, one JSON object per line: `{"listening":"http://HOST:PORT/PATH"}` once it
 * accepts connections, then one per delivery (from the receiver's `onDelivery` outcome).
 *
 * @module
 */
import { type DeliveryOutcome, createReceiver } from '@crm-webhooks/core'
import { isFetchBadPort } from '@crm-webhooks/sender'
import { type Command, EXIT } from '../../command.js'
import { colorsEnabled, createPalette } from '../../palette.js'
import { UsageError, fromFlags, integerFlag, parseFlags, secretFlags } from '../../parse-flags.js'
import { providerFlag } from '../../provider-flag.js'
import { deliveryJson, deliveryLine } from './format-delivery.js'
import { describeStore, openStore, storeFlag } from './open-store.js'
import { FRAMEWORKS, type Framework, startServer } from './start-server.js'

/**
 * How long a stop signal waits for the deliveries in progress: the receiver's default handler timeout,
 * and inside the 30 s a container orchestrator allows before it kills the process.
 */
const SHUTDOWN_GRACE_MS = 25_000

function frameworkFlag(value: string | undefined): Framework {
  if (value === undefined) return 'node'
  if (value === 'node' || !(FRAMEWORKS as readonly string[]).includes(value)) {
    throw new UsageError(`--framework must be express, hono or fastify (without it: node:http)`)
  }
  return value as Framework
}

function pathFlag(value: string): string {
  // Plain path characters only: Express and Fastify would read ':' or '*' as route patterns.
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(value)) throw new UsageError('--path must start with / and hold only letters, digits and - . _ ~ /')
  // A URL's `.` and `..` segments are resolved before any request reaches the server: no sender could post there.
  if (value.split('/').some((segment) => segment === '.' || segment === '..')) throw new UsageError('--path must not hold . or .. segments')
  return value
}

function portFlag(value: string | undefined): number {
  const port = integerFlag(value, '--port', 0, 65535) ?? 3000
  // 0 asks the system for a free port, which it picks far above the Fetch standard's bad ports. A bad one
  // would listen fine while every `crm-webhooks send` (fetch) to it failed as "bad port" (6000 is X11's).
  if (port !== 0 && isFetchBadPort(port)) {
    throw new UsageError(`--port ${port} is one fetch refuses to send to (a "bad port" of the Fetch standard), so no sender could reach it; use another, such as 3000`)
  }
  return port
}

function hostFlag(value: string | undefined): string {
  // An empty host would listen on every interface while the printed URL names none.
  if (value === undefined) return '127.0.0.1'
  if (value.trim() === '') throw new UsageError('--host must name an address, e.g. 127.0.0.1 or 0.0.0.0')
  return value
}

/**
 * Runs until SIGINT or SIGTERM, then closes the server and the store; exit 0.
 *
 * @example
 * ```ts
 * // crm-webhooks listen --provider automatenexus --secret s --port 0 --json
 * ```
 */
export const listenCommand: Command = {
  name: 'listen',
  usage:
    'listen --provider <id> --secret <s> [--secret <old>]... [--port 3000|0] [--host 127.0.0.1] [--path /webhooks] [--framework express|hono|fastify] [--store memory|redis://...|postgres://...] [--key-prefix <p>] [--table <name>] [--namespace <n>] [--json]',
  summary: 'run a local receiver and report every delivery',
  async run(args, io) {
    const { values } = parseFlags(args, {
      provider: { type: 'string' },
      secret: { type: 'string', multiple: true },
      port: { type: 'string' },
      host: { type: 'string' },
      path: { type: 'string' },
      framework: { type: 'string' },
      store: { type: 'string' },
      'key-prefix': { type: 'string' },
      table: { type: 'string' },
      namespace: { type: 'string' },
      json: { type: 'boolean' },
    })
    const provider = providerFlag(values.provider)
    const secrets = secretFlags(values.secret, io.env)
    const address = {
      host: hostFlag(values.host),
      port: portFlag(values.port),
      path: pathFlag(values.path ?? '/webhooks'),
    }
    const framework = frameworkFlag(values.framework)
    const storeSpec = storeFlag(values.store ?? 'memory', { keyPrefix: values['key-prefix'], table: values.table })
    const { namespace } = values
    const json = values.json ?? false
    const paint = createPalette(!json && colorsEnabled(io))
    const report = (outcome: DeliveryOutcome) =>
      io.stdout.write(json ? `${JSON.stringify(deliveryJson(outcome))}\n` : deliveryLine(outcome, paint, new Date()))

    // Checked before any connection is opened, so a bad secret leaves nothing to clean up.
    fromFlags(() => createReceiver({ provider, secret: secrets, namespace }))
    const store = await openStore(storeSpec)
    let server
    let receiver
    try {
      receiver = createReceiver({ provider, secret: secrets, store, namespace, onDelivery: report })
      server = await startServer(framework, receiver, address)
    } catch (error) {
      await store.close?.()
      throw error
    }
    // Unregistered once it returns: a handler left behind would swallow every later SIGINT and SIGTERM, so
    // nothing could stop a process something still kept alive.
    let stopListening!: () => void
    const stopped = new Promise<void>((resolve) => (stopListening = io.onStopSignal(resolve)))
    if (json) {
      io.stdout.write(`${JSON.stringify({ listening: server.url })}\n`)
    } else {
      const rotation = secrets.length > 1 ? `, ${secrets.length} secrets accepted` : ''
      const namespaced = namespace === undefined ? '' : ` (namespace ${namespace})`
      io.stdout.write(
        `${paint.bold('crm-webhooks listening on')} ${paint.cyan(server.url)}\n` +
          paint.dim(`  ${provider.id} (${provider.name})${rotation}, ${describeStore(storeSpec)} store${namespaced}, ${framework === 'node' ? 'node:http' : framework}\n`) +
          paint.dim(`  try: crm-webhooks send --provider ${provider.id} --secret <secret> --url ${server.url} --event ${Object.keys(provider.events)[0] ?? '<type>'}\n`) +
          paint.dim('  Ctrl-C to stop\n'),
      )
    }
    await stopped
    // A second Ctrl-C does not wait for the deliveries in progress.
    const cutShort = new AbortController()
    const stopNow = io.onStopSignal(() => {
      server.closeNow()
      cutShort.abort()
    })
    try {
      const graceEndsAt = Date.now() + SHUTDOWN_GRACE_MS
      await server.close(SHUTDOWN_GRACE_MS)
      // Only now: the store's last calls are the outcomes of the deliveries that just finished, and of any
      // handler still running past its timeout, within what is left of the same grace (not a second one).
      await receiver.drain({ timeoutMs: Math.max(1, graceEndsAt - Date.now()), signal: cutShort.signal })
      await store.close?.()
    } finally {
      stopNow()
      stopListening()
    }
    return EXIT.ok
  },
}
