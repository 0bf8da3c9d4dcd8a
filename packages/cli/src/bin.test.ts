/**
 * The real executable, spawned as a user runs it: `listen --json --port 0` driven by `send`, `verify`
 * with a piped body, and bad arguments.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { buildSampleDelivery } from '@crm-webhooks/core/providers'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const SPAWN_TIMEOUT_MS = 60_000

interface Finished {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/**
 * The environment with NO_COLOR and without FORCE_COLOR. Removed, not emptied: Node 22 and later (22.23, 24.22, 26.12 checked) print
 * "The 'NO_COLOR' env is ignored due to the 'FORCE_COLOR' env being set" on stderr when both are present,
 * an empty FORCE_COLOR included, as soon as the process imports node:util.
 */
function plainOutputEnv(): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _inherited, ...env } = process.env
  return { ...env, NO_COLOR: '1' }
}

function startCli(args: string[], stdin?: string): { child: ChildProcessWithoutNullStreams; done: Promise<Finished> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/cli/src/bin.ts', ...args], {
    cwd: root,
    env: plainOutputEnv(),
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
  child.stdin.end(stdin)
  const done = new Promise<Finished>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })))
  return { child, done }
}

const runCliProcess = (args: string[], stdin?: string) => startCli(args, stdin).done

describe('crm-webhooks listen --json, driven by crm-webhooks send', () => {
  const listener = startCli(['listen', '--provider', 'automatenexus', '--secret', 'cli-secret', '--port', '0', '--json'])
  const lines: Array<Record<string, unknown>> = []
  const waiters: Array<() => void> = []
  createInterface({ input: listener.child.stdout }).on('line', (line) => {
    lines.push(JSON.parse(line) as Record<string, unknown>)
    waiters.splice(0).forEach((wake) => wake())
  })
  async function line(index: number): Promise<Record<string, unknown>> {
    while (lines.length <= index) {
      const exited = await Promise.race([listener.done, new Promise<undefined>((resolve) => waiters.push(() => resolve(undefined)))])
      if (exited) throw new Error(`listen exited (${exited.code}): ${exited.stderr}`)
    }
    return lines[index]!
  }
  afterAll(() => {
    if (listener.child.exitCode === null) listener.child.kill('SIGKILL')
  })

  it(
    'prints the listening line, one line per delivery, and exits 0 on SIGTERM',
    async () => {
      const { listening } = await line(0)
      expect(listening).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webhooks$/)
      const url = String(listening)

      const [delivered, rejected] = await Promise.all([
        runCliProcess(['send', '--provider', 'automatenexus', '--secret', 'cli-secret', '--url', url, '--event', 'contact.created']),
        runCliProcess([
          'send', '--provider', 'automatenexus', '--secret', 'not-the-secret', '--url', url, '--event', 'deal.won',
          '--retries', '1', '--schedule', '10ms',
        ]),
      ])
      expect(delivered).toMatchObject({ code: 0, stderr: '' })
      expect(delivered.stdout).toMatch(/attempt 1 {2}200 .* delivered/)
      expect(rejected.code).toBe(1)
      // The schedule counts from the first failure, so what remains of the 10 ms can be a little less.
      expect(rejected.stdout).toMatch(/attempt 1 {2}401 .*retry 1 in (10|\d)ms/)
      expect(rejected.stdout).toMatch(/attempt 2 {2}401 .*no retries left/)
      expect(rejected.stdout).toMatch(/failed after 2 attempts/)

      // The same signed bytes twice: the second is a duplicate and is not handled again.
      const replay = await buildSampleDelivery('automatenexus', 'task.completed', { secret: 'cli-secret', id: 'evt_replay' })
      for (let copy = 0; copy < 2; copy++) {
        const response = await fetch(url, { method: replay.method, headers: replay.headers, body: replay.body })
        expect(response.status).toBe(200)
      }

      const reports = await Promise.all([1, 2, 3, 4, 5].map(line))
      const byEvent = (event: string) => reports.filter((report) => report.event === event)
      expect(byEvent('contact.created')).toEqual([expect.objectContaining({ status: 200, event: 'contact.created', duplicate: false })])
      expect(reports.filter((report) => report.error)).toEqual([
        expect.objectContaining({ status: 401, error: 'invalid_signature' }),
        expect.objectContaining({ status: 401, error: 'invalid_signature' }),
      ])
      expect(byEvent('task.completed')).toEqual([
        expect.objectContaining({ status: 200, duplicate: false }),
        expect.objectContaining({ status: 200, duplicate: true }),
      ])

      listener.child.kill('SIGTERM')
      const finished = await listener.done
      expect(finished).toMatchObject({ code: 0, signal: null })
      expect(lines).toHaveLength(6)
    },
    SPAWN_TIMEOUT_MS,
  )
})

describe('crm-webhooks listen stopped while a delivery is in progress', () => {
  it(
    'SIGTERM lets the delivery in progress finish and answer before the process exits 0',
    async () => {
      const listener = startCli(['listen', '--provider', 'automatenexus', '--secret', 'cli-secret', '--port', '0', '--json'])
      try {
        const reader = createInterface({ input: listener.child.stdout })
        const lines: string[] = []
        const listening = await new Promise<string>((resolve) =>
          reader.on('line', (line) => {
            lines.push(line)
            if (lines.length === 1) resolve(String((JSON.parse(line) as { listening: string }).listening))
          }),
        )
        const delivery = await buildSampleDelivery('automatenexus', 'contact.created', { secret: 'cli-secret', id: 'evt_stopping' })
        const { hostname, port, pathname } = new URL(listening)
        const socket = connect(Number(port), hostname)
        const answer = new Promise<string>((resolve) => {
          let received = ''
          socket.on('data', (chunk) => (received += chunk))
          socket.on('close', () => resolve(received))
          socket.on('error', () => resolve(received))
        })
        const head = [`POST ${pathname} HTTP/1.1`, `Host: ${hostname}`, `Content-Length: ${Buffer.byteLength(delivery.body)}`]
        for (const [name, value] of Object.entries(delivery.headers)) head.push(`${name}: ${value}`)
        const half = Math.floor(delivery.body.length / 2)
        socket.write(`${head.join('\r\n')}\r\n\r\n${delivery.body.slice(0, half)}`)
        await new Promise((resolve) => setTimeout(resolve, 200))
        // Stopped with the body half sent: the rest still arrives, and the delivery is handled and answered.
        listener.child.kill('SIGTERM')
        await new Promise((resolve) => setTimeout(resolve, 300))
        socket.write(delivery.body.slice(half))
        expect(await answer).toMatch(/^HTTP\/1\.1 200 [\s\S]*"duplicate":false/)
        expect(await listener.done).toMatchObject({ code: 0, signal: null })
        expect(lines.slice(1).map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
          expect.objectContaining({ status: 200, event: 'contact.created', duplicate: false }),
        ])
      } finally {
        if (listener.child.exitCode === null) listener.child.kill('SIGKILL')
      }
    },
    SPAWN_TIMEOUT_MS,
  )
})

describe('crm-webhooks send whose output pipe closes early', () => {
  it(
    'exits 141, as a tool killed by SIGPIPE, not 0 for retries it never ran',
    async () => {
      // Port 2 refuses at once (not port 1: a Fetch "bad port", refused at creation); the retry 2 s later is what the closed pipe cuts off.
      const sender = startCli(['send', '--provider', 'automatenexus', '--secret', 's', '--url', 'http://127.0.0.1:2/', '--event', 'deal.won', '--retries', '2', '--schedule', '2s,4s'])
      sender.child.stdout.once('data', () => sender.child.stdout.destroy())
      expect((await sender.done).code).toBe(141)
    },
    SPAWN_TIMEOUT_MS,
  )
})

describe('crm-webhooks whose stderr closes', () => {
  // As `crm-webhooks bogus 2>&1 | true`: a note or an error with no reader left is lost, not a crash.
  it(
    'still exits 2 for bad arguments, and 0 for a send delivered after a note',
    async () => {
      const server = createServer((_request, response) => response.end('ok')).listen(0, '127.0.0.1')
      await new Promise((resolve) => server.once('listening', resolve))
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
        const bad = startCli(['bogus'])
        // connectgain makes one attempt: --schedule alone gets a note on stderr.
        const send = startCli(['send', '--provider', 'connectgain', '--secret', 's', '--url', url, '--event', 'deal.created', '--schedule', '1s'])
        for (const { child } of [bad, send]) child.stderr.destroy()
        const [badDone, sendDone] = await Promise.all([bad.done, send.done])
        expect(badDone).toMatchObject({ code: 2, signal: null })
        expect(sendDone).toMatchObject({ code: 0, signal: null })
        expect(sendDone.stdout).toMatch(/attempt 1 {2}200 .* delivered/)
      } finally {
        server.close()
      }
    },
    SPAWN_TIMEOUT_MS,
  )
})

describe('crm-webhooks verify and bad arguments, spawned', () => {
  it(
    'verify exits 0 for a genuine body on stdin and 1 with the code for a tampered one; bad arguments exit 2',
    async () => {
      const delivery = await buildSampleDelivery('automatenexus', 'form.submitted', { secret: 'v-secret' })
      const headers = Object.entries(delivery.headers).flatMap(([name, value]) => ['--header', `${name}: ${value}`])
      const verify = ['verify', '--provider', 'automatenexus', '--secret', 'v-secret', ...headers]
      const [valid, tampered, bad] = await Promise.all([
        runCliProcess(verify, delivery.body),
        runCliProcess(verify, `${delivery.body} `),
        runCliProcess(['listen', '--provider', 'automatenexus', '--secret', 's', '--port', '-1']),
      ])
      expect(valid).toMatchObject({ code: 0, stdout: 'valid: form.submitted (secret #0)\n' })
      expect(tampered.code).toBe(1)
      expect(tampered.stderr).toMatch(/^invalid: invalid_signature: /)
      expect(bad.code).toBe(2)
      expect(bad.stderr.split('\n')[0]).toMatch(/^crm-webhooks listen: /)
      expect(bad.stderr).toMatch(/\nusage: crm-webhooks listen --provider <id>/)
    },
    SPAWN_TIMEOUT_MS,
  )
})
