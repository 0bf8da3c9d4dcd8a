import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNodeListener, createReceiver } from '@crm-webhooks/core'
import { describe, expect, it } from 'vitest'
import { automatenexus, buildSampleDelivery, demoSecrets, providers, standardWebhooks, workflowPlatform } from '@crm-webhooks/core/providers'
import { listenOnLoopback } from '@crm-webhooks/core/testing'
import { createMemoryIo } from './memory-io.fixture.js'
import { runCli } from './run-cli.js'

// A closed port that fetch still sends to (ports 1 and 9 are Fetch "bad ports", refused at creation).
const NOWHERE = 'http://127.0.0.1:2/'

async function run(argv: string[], stdin?: string) {
  const io = createMemoryIo(stdin === undefined ? {} : { stdin })
  const code = await runCli(argv, io)
  return { code, out: io.out(), err: io.err() }
}

describe('bad arguments: one line, the usage, exit 2', () => {
  it.each([
    [[], /a command is required/],
    [['deploy'], /unknown command "deploy"/],
    [['help', 'deploy'], /unknown command "deploy"/],
    [['events', '--provider'], /argument missing/],
    [['events', '--prvider', 'x'], /Unknown option '--prvider'/],
    [['events', '--provider', 'nope'], /unknown provider "nope"; use one of automatenexus/],
    [['events', 'extra'], /Unexpected argument 'extra'/],
    [['schema', 'automatenexus'], /a provider and an event are required/],
    [['schema', 'automatenexus', 'deal.flew'], /automatenexus has no event "deal.flew"/],
    [['listen', '--secret', 's'], /--provider is required/],
    [['listen', '--provider', 'automatenexus'], /--secret \(or CRM_WEBHOOKS_SECRET in the environment\) is required/],
    [['listen', '--provider', 'automatenexus', '--secret', 's', '--port', '70000'], /--port must be an integer from 0 to 65535/],
    [['listen', '--provider', 'automatenexus', '--secret', 's', '--port', 'abc'], /--port must be an integer/],
    [['listen', '--provider', 'automatenexus', '--secret', 's', '--framework', 'koa'], /--framework must be express, hono or fastify/],
    [['listen', '--provider', 'automatenexus', '--secret', 's', '--store', 'mongodb://x'], /--store must be memory/],
    [['listen', '--provider', 'automatenexus', '--secret', 's', '--path', 'webhooks'], /--path must start with \//],
    [['listen', '--provider', 'automatenexus', '--secret', 's', '--path', '/hooks/../in'], /--path must not hold \. or \.\. segments/],
    [['listen', '--provider', 'automatenexus', '--secret', 's', '--host', ''], /--host must name an address/],
    [['listen', '--provider', 'automatenexus', '--secret', '-x'], /ambiguous\..*use '--secret=-XYZ'/],
    [['send', '--provider', 'automatenexus', '--secret', 's', '--url', 'http://u:p@x/', '--event', 'deal.won'], /must not hold credentials/],
    [['send', '--provider', 'automatenexus', '--secret', 's', '--url', 'http://127.0.0.1:6000/', '--event', 'deal.won'], /^crm-webhooks send: fetch refuses to send to port 6000 \(a "bad port"/],
    [['listen', '--provider', 'automatenexus', '--secret', 's', '--port', '6000'], /^crm-webhooks listen: --port 6000 is one fetch refuses to send to \(a "bad port" of the Fetch standard\), so no sender could reach it/],
    [['listen', '--provider', 'automatenexus', '--secret', 's', '--port', '10080'], /--port 10080 is one fetch refuses/],
    [['send', '--provider', 'workflow-platform', '--secret', 's', '--url', 'http://x/', '--event', 'contact.created', '--retries', '10'], /^crm-webhooks send: 10 retries put the last one 6d after the first failure, but a workflow-platform receiver remembers a delivery 3d/],
    [['send', '--provider', 'standard-webhooks', '--secret', demoSecrets['standard-webhooks'], '--url', 'http://x/', '--event', 'contact.created', '--retries', '10'], /10 retries put the last one 6d 7h after .* standard-webhooks receiver remembers a delivery 4d 4h/],
    [['listen', '--provider', 'automatenexus', '--secret', 's', '--key-prefix', 'app:'], /--key-prefix needs --store redis:\/\/\.\.\./],
    [['listen', '--provider', 'automatenexus', '--secret', 's', '--store', 'redis://127.0.0.1:1', '--table', 'hooks'], /--table needs --store postgres:\/\/\.\.\./],
    [['listen', '--provider', 'automatenexus', '--secret', 's', '--store', 'postgres://127.0.0.1:1/x', '--table', 'drop table'], /table "drop table" must be a name or schema.name/],
    [['listen', '--provider', 'automatenexus', '--secret', ' s '], /secret #0 has leading or trailing whitespace/],
    [['listen', '--provider', 'automatenexus', '--secret', 's', '--namespace', 'a:b'], /namespace must be a non-empty string without ":"/],
    [['listen', '--provider', 'automatenexus', '--secret', 's', '--namespace', ''], /namespace must be a non-empty string without ":"/],
    [['listen', '--provider', 'standard-webhooks', '--secret', 'not base64!'], /Standard Webhooks secret #0 is not whsec_/],
    [['send', '--provider', 'standard-webhooks', '--secret', 'not base64!', '--url', 'http://x/', '--event', 'contact.created'], /Standard Webhooks secret #0/],
    [['send', '--provider', 'automatenexus', '--secret', 's', '--event', 'deal.won'], /--url is required/],
    [['send', '--provider', 'automatenexus', '--secret', 's', '--url', 'nope', '--event', 'deal.won'], /not an absolute URL/],
    [['send', '--provider', 'automatenexus', '--secret', 's', '--url', 'http://x/', '--event', 'deal.won', '--retries', '11'], /--retries must be an integer from 0 to 10/],
    [['send', '--provider', 'automatenexus', '--secret', 's', '--url', 'http://x/', '--event', 'deal.won', '--schedule', '1m,soon'], /"soon" is not a duration/],
    [['send', '--provider', 'automatenexus', '--secret', 's', '--url', 'http://x/', '--event', 'deal.won', '--schedule', '5m,1m'], /ascending/],
    [['send', '--provider', 'automatenexus', '--secret', 's', '--url', 'http://x/', '--event', 'deal.won', '--data', '/nonexistent.json'], /cannot read --data \/nonexistent.json: ENOENT/],
    [['send', '--provider', 'automatenexus', '--secret', 's', '--url', 'http://x/', '--event', 'deal.flew'], /has no event "deal.flew"/],
    [['verify', '--provider', 'automatenexus', '--secret', 's', '--header', 'no colon'], /is not 'Name: value'/],
    [['verify', '--provider', 'workflow-platform', '--secret', 's', '--method', 'GE T'], /--method "GE T" is not an HTTP method/],
    [['verify', '--provider', 'workflow-platform', '--secret', 's', '--method', 'GET', '--url', 'hooks?a=1'], /--url "hooks\?a=1" is neither a path/],
  ])('%j', async (argv, message) => {
    const { code, err, out } = await run(argv)
    expect(code).toBe(2)
    expect(out).toBe('')
    const [first, ...rest] = err.trimEnd().split('\n')
    expect(first).toMatch(message)
    expect(rest.join('\n')).toMatch(/usage: crm-webhooks/)
  })

  it('verify refuses to wait on a terminal: the body must be piped', async () => {
    const { code, err } = await run(['verify', '--provider', 'automatenexus', '--secret', 's', '--header', 'a: b'])
    expect(code).toBe(2)
    expect(err).toMatch(/pipe the raw body on stdin/)
  })
})

describe('send --data', () => {
  it('reads a file that starts with a UTF-8 byte order mark, as an editor may save it', async () => {
    const seen: unknown[] = []
    const receiver = createReceiver({ provider: automatenexus, secret: 's' }).onAny((event) => void seen.push(event.data))
    const server = await listenOnLoopback(createServer(createNodeListener(receiver)), '/')
    const folder = await mkdtemp(join(tmpdir(), 'crm-webhooks-bom-'))
    try {
      const file = join(folder, 'deal.json')
      await writeFile(file, `\ufeff${JSON.stringify({ id: 'deal_bom' })}`)
      const { url } = server
      const { code, err } = await run(['send', '--provider', 'automatenexus', '--secret', 's', '--url', url, '--event', 'deal.won', '--data', file])
      expect([code, err]).toEqual([0, ''])
      expect(seen).toEqual([{ id: 'deal_bom' }])
    } finally {
      await server.close()
      await rm(folder, { recursive: true })
    }
  })
})

describe('send --method, --form, --header, --timeout', () => {
  it("sends the method, form body and custom headers the seed's webhook settings allow, signed as the receiver checks them", async () => {
    const seen: unknown[] = []
    const receiver = createReceiver({ provider: automatenexus, secret: 's' }).onAny((event) => {
      seen.push([event.type, event.data.id, event.headers('x-team'), event.headers('content-type')])
    })
    const methods: string[] = []
    const listener = createNodeListener(receiver)
    const server = await listenOnLoopback(createServer((request, response) => (methods.push(request.method!), listener(request, response))), '/')
    try {
      const flags = ['send', '--provider', 'automatenexus', '--secret', 's', '--url', server.url, '--event', 'deal.won']
      const { code, err } = await run([...flags, '--method', 'patch', '--form', '--header', 'X-Team: sales', '--timeout', '10s'])
      expect([code, err]).toEqual([0, ''])
      expect(methods).toEqual(['PATCH'])
      expect(seen).toEqual([['deal.won', 'deal_67890', 'sales', 'application/x-www-form-urlencoded']])
    } finally {
      await server.close()
    }
  })

  it('sends the event under --id, so a workflow action can map the event_id it is keyed by', async () => {
    const seen: unknown[] = []
    // An action no schema declares is acknowledged (202) without a handler: the outcome names its id.
    const receiver = createReceiver({ provider: workflowPlatform, secret: 's', onDelivery: (outcome) => void seen.push([outcome.eventType, outcome.eventId]) })
    const server = await listenOnLoopback(createServer(createNodeListener(receiver)), '/')
    const folder = await mkdtemp(join(tmpdir(), 'crm-webhooks-id-'))
    try {
      const file = join(folder, 'action.json')
      await writeFile(file, JSON.stringify({ event_id: 'run_7', email: 'sam@example.com' }))
      const flags = ['send', '--provider', 'workflow-platform', '--secret', 's', '--url', server.url, '--event', 'workflow.action', '--data', file]
      const refused = await run(flags)
      expect([refused.code, refused.err]).toEqual([2, expect.stringMatching(/maps event_id "run_7".*--id/)])
      const { code, err } = await run([...flags, '--id', 'run_7'])
      expect([code, err]).toEqual([0, expect.not.stringMatching(/error/)])
      expect(seen).toEqual([['workflow.action', 'run_7']])
    } finally {
      await server.close()
      await rm(folder, { recursive: true })
    }
  })

  it.each([
    [['--method', 'DELETE'], /DELETE/],
    [['--method', 'P UT'], /--method "P UT" is not an HTTP method/],
    [['--header', 'X-Team: sales', '--header', 'X-Secret-Key hunter2'], /^(?![^]*hunter2)[^]*--header number 2 is not 'Name: value' \(not shown: it may hold a secret\)/],
    [['--header', 'X-AutomateNexus-Signature: forged'], /X-AutomateNexus-Signature/i],
    [['--timeout', 'soon'], /--timeout "soon" is not a duration like 30s/],
    [['--timeout', '2s'], /--timeout must be from 5s to 60s \(got 2s\)/],
    [['--timeout', '61s'], /--timeout must be from 5s to 60s \(got 61s\)/],
  ])('refuses %j as a usage error, before any attempt', async (extra, message) => {
    const { code, out, err } = await run(['send', '--provider', 'automatenexus', '--secret', 's', '--url', NOWHERE, '--event', 'deal.won', ...extra])
    expect([code, out]).toEqual([2, ''])
    expect(err).toMatch(message)
  })
})

describe('send --secret, repeated', () => {
  it('signs with each secret (Standard Webhooks rotation): receivers holding only the old or only the new secret both accept', async () => {
    const [oldSecret, newSecret] = [demoSecrets['standard-webhooks'], `whsec_${Buffer.from('cli-rotation-new-secret-32-bytes').toString('base64')}`]
    for (const held of [oldSecret, newSecret]) {
      const seen: string[] = []
      const receiver = createReceiver({ provider: standardWebhooks, secret: held }).onAny((event) => void seen.push(event.type))
      const server = await listenOnLoopback(createServer(createNodeListener(receiver)), '/')
      try {
        const { url } = server
        const { code, err } = await run(['send', '--provider', 'standard-webhooks', '--secret', oldSecret, '--secret', newSecret, '--url', url, '--event', 'contact.created'])
        expect([code, err]).toEqual([0, ''])
        expect(seen).toEqual(['contact.created'])
      } finally {
        await server.close()
      }
    }
  })

  it('is a usage error for a provider whose header holds one signature', async () => {
    const { code, err } = await run(['send', '--provider', 'automatenexus', '--secret', 'a', '--secret', 'b', '--url', NOWHERE, '--event', 'deal.won'])
    expect(code).toBe(2)
    expect(err).toMatch(/X-AutomateNexus-Signature holds one signature/)
  })
})

describe('send: the receiver\'s answer on the attempt line', () => {
  it('folds its whitespace and escapes a terminal escape it holds', async () => {
    const server = await listenOnLoopback(createServer((_, response) => response.writeHead(500).end('\u001b[2J\u001b[31mboom\n\tagain\u0007')), '/')
    try {
      const { url } = server
      const { code, out } = await run(['send', '--provider', 'automatenexus', '--secret', 's', '--url', url, '--event', 'deal.won', '--retries', '0'])
      expect(code).toBe(1)
      expect(out).not.toContain('\u001b')
      expect(out).toMatch(/ 500 .* \\u001b\[2J\\u001b\[31mboom again\\u0007\n/)
    } finally {
      await server.close()
    }
  })
})

describe('send: what the command line named, echoed', () => {
  it('escapes a terminal escape in --event (any name goes with --data), on stdout and in the note on stderr', async () => {
    const server = await listenOnLoopback(createServer((_, response) => response.writeHead(202).end()), '/')
    const dir = await mkdtemp(join(tmpdir(), 'crm-webhooks-cli-'))
    try {
      const data = join(dir, 'data.json')
      await writeFile(data, '{"id":"x"}')
      const { code, out, err } = await run(['send', '--provider', 'automatenexus', '--secret', 's', '--url', server.url, '--event', 'x\u001b[2Jy', '--data', data, '--retries', '0'])
      expect(code).toBe(0)
      expect(out + err).not.toContain('\u001b')
      expect(out).toContain('automatenexus x\\u001b[2Jy -> ')
      expect(err).toContain('note: x\\u001b[2Jy is not in the automatenexus catalog')
    } finally {
      await server.close()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('escapes a terminal escape in --id and --url rather than send it to the terminal', async () => {
    const server = await listenOnLoopback(createServer((_, response) => response.writeHead(204).end()), '/')
    try {
      const url = `${server.url}?q=\u001b[2J`
      const { code, out } = await run(['send', '--provider', 'workflow-platform', '--secret', 's', '--url', url, '--event', 'contact.created', '--id', 'run_1\u001b]0;owned\u0007', '--retries', '0'])
      expect(code).toBe(0)
      expect(out).not.toContain('\u001b')
      expect(out).toContain('?q=\\u001b[2J\n')
      expect(out).toContain('delivered contact.created (run_1\\u001b]0;owned\\u0007) after 1 attempt')
    } finally {
      await server.close()
    }
  })
})

describe('send: data the provider cannot send, and flags that would do nothing', () => {
  // Auto-Respond's compose works the event out from the lead payload: data that reads as another event, or
  // as none, cannot be sent as the asked type. Found before any note or attempt: a usage error, exit 2.
  it.each([
    ['data that reads as another event', 'lead.message_added', '{"lead_id":"l_1","messages":[]}', /^crm-webhooks send: this lead payload reads as lead\.created, not lead\.message_added/],
    ['data that is no lead', 'lead.created', '{}', /^crm-webhooks send: this payload is not a lead \(an object with a messages array\), so it is no lead\.created/],
    ['null', 'lead.created', 'null', /^crm-webhooks send: this payload is not a lead/],
    ['an event type the provider never sends', 'lead.bogus', '{"lead_id":"l_1"}', /^crm-webhooks send: this payload is not a lead/],
  ])('autorespond with %s: one line without a doubled prefix, the usage, exit 2', async (_name, event, data, message) => {
    const { code, out, err } = await run(['send', '--provider', 'autorespond', '--secret', 's', '--url', NOWHERE, '--event', event, '--data', '-'], data)
    expect(code).toBe(2)
    expect(out).toBe('')
    const [first, ...rest] = err.trimEnd().split('\n')
    expect(first).toMatch(message)
    expect(rest.join('\n')).toMatch(/^usage: crm-webhooks send/)
  })

  it('--schedule without --retries for a provider that makes one attempt: a note that it needs --retries', async () => {
    const { err } = await run(['send', '--provider', 'connectgain', '--secret', 's', '--url', NOWHERE, '--event', 'deal.created', '--schedule', '1s,2s'])
    expect(err).toMatch(/^note: connectgain makes one attempt by default; --schedule takes effect with --retries N$/m)
  })

  it('colours a note on stderr only when stderr is a terminal, whatever stdout is', async () => {
    for (const stderrIsTerminal of [false, true]) {
      const io = createMemoryIo()
      const split = { ...io, stdout: { ...io.stdout, isTTY: true }, stderr: { ...io.stderr, isTTY: stderrIsTerminal } }
      const argv = ['send', '--provider', 'automatenexus', '--secret', 's', '--url', NOWHERE, '--event', 'deal.won', '--retries', '0', '--data', '-']
      await runCli(argv, { ...split, stdinIsTTY: false, readStdin: async () => new TextEncoder().encode('{"id":1}') })
      expect(io.err()).toMatch(/note: the data does not match/)
      expect(io.err().includes('\u001b[')).toBe(stderrIsTerminal)
    }
  })
})

describe('send to an endpoint that answers 410 Gone', () => {
  // Standard Webhooks: "Sender should disable the webhook endpoint". The CLI said "no retries left".
  it('says the endpoint was disabled, on the attempt line and in the summary, and exits 1', async () => {
    const server = await listenOnLoopback(createServer((_, response) => response.writeHead(410).end('gone')), '/')
    try {
      const { url } = server
      const { code, out } = await run(['send', '--provider', 'standard-webhooks', '--secret', demoSecrets['standard-webhooks'], '--url', url, '--event', 'contact.created'])
      expect(code).toBe(1)
      expect(out).toMatch(/^ {2}attempt 1 {2}410 {2}\d+ ms {2}endpoint disabled \(410 Gone\) gone\n/m)
      expect(out).not.toContain('no retries left')
      expect(out).toMatch(/endpoint disabled \(410 Gone\) after 1 attempt\n$/)
    } finally {
      await server.close()
    }
  })

  it('still says "no retries left" for a provider whose sender treats 410 as any failure', async () => {
    const server = await listenOnLoopback(createServer((_, response) => response.writeHead(410).end()), '/')
    try {
      const { url } = server
      const { code, out } = await run(['send', '--provider', 'automatenexus', '--secret', 's', '--url', url, '--event', 'deal.won', '--retries', '0'])
      expect(code).toBe(1)
      expect(out).toMatch(/attempt 1 {2}410 {2}\d+ ms {2}no retries left\n/)
      expect(out).toMatch(/failed after 1 attempt\n$/)
    } finally {
      await server.close()
    }
  })
})

describe('send interrupted while an attempt is in flight', () => {
  it('prints the attempt as interrupted, then the summary, and exits 1', async () => {
    const server = await listenOnLoopback(createServer(() => {}), '/') // accepts, never answers
    try {
      const io = createMemoryIo()
      const { url } = server
      const exit = runCli(['send', '--provider', 'automatenexus', '--secret', 's', '--url', url, '--event', 'deal.won'], io)
      for (let tries = 0; tries < 200 && !io.out().includes('->'); tries++) await new Promise((resolve) => setTimeout(resolve, 10))
      await new Promise((resolve) => setTimeout(resolve, 50))
      io.stop()
      expect(await exit).toBe(1)
      expect(io.out()).toMatch(/^ {2}attempt 1 {2}cancelled {2}\d+ ms {2}interrupted/m)
      expect(io.out()).toMatch(/interrupted after 1 attempt\n$/)
    } finally {
      await server.close()
    }
  })
})

describe('version', () => {
  it('prints the CLI package version and exits 0', async () => {
    const { version } = (await import('../package.json', { with: { type: 'json' } })).default
    for (const flag of ['--version', '-V']) expect(await run([flag])).toEqual({ code: 0, out: `${version}\n`, err: '' })
  })
})

describe('help', () => {
  it('prints the usage and exits 0', async () => {
    expect(await run(['--help'])).toMatchObject({ code: 0, out: expect.stringMatching(/listen .*\n.*send/s) })
    expect(await run(['send', '--help'])).toMatchObject({ code: 0, out: expect.stringMatching(/^usage: crm-webhooks send --provider/) })
    expect(await run(['help', 'send'])).toEqual(await run(['send', '--help']))
    expect(await run(['help'])).toEqual(await run(['--help']))
  })
})

describe('events', () => {
  it('lists every event of every provider as JSON lines', async () => {
    const { code, out } = await run(['events', '--json'])
    expect(code).toBe(0)
    const lines = out.trimEnd().split('\n').map((line) => JSON.parse(line) as { provider: string; event: string })
    const expected = Object.values(providers).flatMap((provider) => Object.keys(provider.events).map((event) => ({ provider: provider.id, event })))
    expect(lines).toEqual(expected)
  })

  it('lists one provider readably, without colours when not a terminal', async () => {
    const { code, out } = await run(['events', '--provider', 'automatenexus'])
    expect(code).toBe(0)
    expect(out).toMatch(/^automatenexus AutomateNexus CRM, 32 events\n {2}contact\.created\n/)
    expect(out).not.toMatch(/\u001b\[/)
  })
})

describe('schema', () => {
  it("prints the event's JSON Schema with its typed fields", async () => {
    const { code, out } = await run(['schema', 'automatenexus', 'deal.stage_changed'])
    expect(code).toBe(0)
    const schema = JSON.parse(out) as { type: string; properties: Record<string, unknown>; required: string[] }
    expect(schema.type).toBe('object')
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['previous_stage', 'new_stage', 'pipeline', 'value', 'currency', 'owner']))
  })
})

describe('verify (offline)', () => {
  const headerFlags = (headers: Record<string, string>) => Object.entries(headers).flatMap(([name, value]) => ['--header', `${name}: ${value}`])

  it('exits 0 for a genuine delivery, naming the event and the secret that matched', async () => {
    const delivery = await buildSampleDelivery('automatenexus', 'deal.won', { secret: 'current' })
    const { code, out } = await run(
      ['verify', '--provider', 'automatenexus', '--secret', 'older', '--secret', 'current', ...headerFlags(delivery.headers)],
      delivery.body,
    )
    expect(code).toBe(0)
    expect(out).toBe('valid: deal.won (secret #1)\n')
  })

  it('takes the secret from CRM_WEBHOOKS_SECRET when no --secret is given (a flag wins), and refuses neither', async () => {
    const delivery = await buildSampleDelivery('automatenexus', 'deal.won', { secret: 'current' })
    const verify = async (secretFlags: string[], env: Record<string, string>) => {
      const io = createMemoryIo({ stdin: delivery.body, env })
      const code = await runCli(['verify', '--provider', 'automatenexus', ...secretFlags, ...headerFlags(delivery.headers)], io)
      return { code, out: io.out(), err: io.err() }
    }
    expect(await verify([], { CRM_WEBHOOKS_SECRET: 'current' })).toMatchObject({ code: 0, out: 'valid: deal.won (secret #0)\n' })
    expect((await verify(['--secret', 'other'], { CRM_WEBHOOKS_SECRET: 'current' })).err).toMatch(/^invalid: invalid_signature/)
    for (const env of [{}, { CRM_WEBHOOKS_SECRET: '' }] as Record<string, string>[]) {
      const neither = await verify([], env)
      expect(neither.code).toBe(2)
      expect(neither.err).toMatch(/--secret \(or CRM_WEBHOOKS_SECRET in the environment\) is required/)
    }
  })

  it('exits 1 with the error code for a tampered body, a wrong secret or a missing signature', async () => {
    const delivery = await buildSampleDelivery('automatenexus', 'deal.won', { secret: 'current' })
    const flags = ['verify', '--provider', 'automatenexus', '--secret', 'current']
    const tampered = await run([...flags, ...headerFlags(delivery.headers)], delivery.body.replace('deal.won', 'deal.lost'))
    expect(tampered).toMatchObject({ code: 1, out: '' })
    expect(tampered.err).toMatch(/^invalid: invalid_signature: /)
    const wrongSecret = await run(['verify', '--provider', 'automatenexus', '--secret', 'other', ...headerFlags(delivery.headers)], delivery.body)
    expect(wrongSecret.err).toMatch(/^invalid: invalid_signature/)
    const unsigned = await run([...flags, '--header', 'content-type: application/json'], delivery.body)
    expect(unsigned).toMatchObject({ code: 1 })
    expect(unsigned.err).toMatch(/^invalid: missing_signature: missing X-AutomateNexus-Signature header/)
  })

  it('checks a captured GET or DELETE over its query with --method and --url, no body piped', async () => {
    const delivery = await buildSampleDelivery('workflow-platform', 'contact.updated', { secret: 'current', method: 'GET' })
    expect(delivery.search).toMatch(/^\?./)
    const flags = ['verify', '--provider', 'workflow-platform', '--secret', 'current', ...headerFlags(delivery.headers)]
    const valid = await run([...flags, '--method', 'get', '--url', `/hooks${delivery.search}`])
    expect(valid).toMatchObject({ code: 0, out: 'valid: contact.updated (secret #0)\n' })
    const absolute = await run([...flags, '--method', 'GET', '--url', `https://example.com/hooks${delivery.search}`])
    expect(absolute).toMatchObject({ code: 0 })
    // The signature covers the query: another value, or the query left out, is refused.
    const altered = await run([...flags, '--method', 'GET', '--url', `/hooks${delivery.search}x`])
    expect(altered).toMatchObject({ code: 1 })
    expect(altered.err).toMatch(/^invalid: invalid_signature/)
    const withoutQuery = await run([...flags, '--method', 'GET'])
    expect(withoutQuery).toMatchObject({ code: 1 })
  })

  it('never reads stdin for a GET or DELETE: an open stdin cannot hold it, piped bytes cannot spoil it', async () => {
    for (const method of ['GET', 'DELETE']) {
      const delivery = await buildSampleDelivery('workflow-platform', 'contact.updated', { secret: 'current', method })
      const io = createMemoryIo({ stdin: 'junk a script left on stdin' })
      let read = false
      const argv = ['verify', '--provider', 'workflow-platform', '--secret', 'current', ...headerFlags(delivery.headers), '--method', method, '--url', `/hooks${delivery.search}`]
      const code = await runCli(argv, { ...io, readStdin: () => ((read = true), new Promise<Uint8Array>(() => {})) })
      expect([code, io.out(), read]).toEqual([0, 'valid: contact.updated (secret #0)\n', false])
    }
  })

  it('reads the body piped in for a GET or DELETE whose headers declare one, and verifies over it, as the receiver does', async () => {
    for (const method of ['GET', 'DELETE']) {
      const delivery = await buildSampleDelivery('workflow-platform', 'contact.updated', { secret: 'current' })
      const headers = { ...delivery.headers, 'content-length': String(Buffer.byteLength(delivery.body)) }
      const argv = ['verify', '--provider', 'workflow-platform', '--secret', 'current', ...headerFlags(headers), '--method', method]
      expect(await run(argv, delivery.body)).toMatchObject({ code: 0, out: 'valid: contact.updated (secret #0)\n' })
      expect(await run(argv, delivery.body.replace('contact.updated', 'contact.created'))).toMatchObject({ code: 1 })
    }
  })

  it('prints an invalid delivery on one line, naming the fault without quoting a body that holds a newline', async () => {
    const body = 'not json\n{"event":"deal.won"}\n'
    const signature = await automatenexus.scheme.sign({ body }, 's')
    const { code, err } = await run(['verify', '--provider', 'automatenexus', '--secret', 's', ...headerFlags({ ...signature, 'content-type': 'application/json' })], body)
    expect(code).toBe(1)
    expect(err).toBe("invalid: invalid_body: request body is not valid JSON: Unexpected token 'o'\n")
  })

  it('refuses a method the provider does not accept, with its code', async () => {
    const delivery = await buildSampleDelivery('automatenexus', 'deal.won', { secret: 's' })
    const { code, err } = await run(
      ['verify', '--provider', 'automatenexus', '--secret', 's', '--method', 'DELETE', ...headerFlags(delivery.headers)],
      delivery.body,
    )
    expect(code).toBe(1)
    expect(err).toMatch(/^invalid: method_not_allowed/)
  })
})
