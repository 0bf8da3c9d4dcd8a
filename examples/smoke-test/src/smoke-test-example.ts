/**
 * The smoke test every example shares: run its `start` script as a user would (port 0), then send it
 * AutomateNexus deliveries signed by the provider's own sender code and check the answers and the logs.
 *
 * @module
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { type SampleDelivery, automatenexusFixtures, buildSampleDelivery } from '@crm-webhooks/core/providers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const SECRET = 'smoke-test-secret'

/**
 * Registers the smoke tests of the example in `exampleDir` (the folder holding its package.json).
 *
 * @example
 * ```ts
 * smokeTestExample(new URL('..', import.meta.url))
 * ```
 */
export function smokeTestExample(exampleDir: URL): void {
  const manifest = JSON.parse(readFileSync(new URL('package.json', exampleDir), 'utf8')) as {
    name: string
    scripts: { start: string }
  }
  describe(`${manifest.name}: ${manifest.scripts.start}`, () => {
    let child: ChildProcessByStdio<null, Readable, Readable>
    let output = ''
    let url = ''

    /** Resolves with the first match of `pattern` in the example's output so far or to come. */
    function waitForOutput(pattern: RegExp): Promise<RegExpExecArray> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output)
          if (!match) return
          child.stdout.off('data', check)
          child.off('exit', exited)
          resolve(match)
        }
        const exited = (code: number | null) => reject(new Error(`the example exited (${code}) before printing ${pattern}:\n${output}`))
        child.stdout.on('data', check)
        child.once('exit', exited)
        check()
      })
    }

    /** A contact.created delivery about contact `contactId`, signed as AutomateNexus signs it. */
    function delivery(contactId: string, options: { contentType?: 'json' | 'form'; secret?: string; method?: string; notes?: string } = {}) {
      const { notes, ...sampleOptions } = options
      const fixture = automatenexusFixtures['contact.created']
      const data = { ...fixture, id: contactId, ...(notes === undefined ? {} : { custom_fields: { ...fixture.custom_fields, notes } }) }
      return buildSampleDelivery('automatenexus', 'contact.created', { secret: SECRET, data, ...sampleOptions })
    }

    async function send(request: SampleDelivery) {
      const response = await fetch(url, { method: request.method, headers: request.headers, body: request.body })
      return { status: response.status, body: (await response.json()) as Record<string, unknown> }
    }

    beforeAll(async () => {
      // The start script itself, run without a shell: `node --import tsx src/server.ts`.
      const [command, ...args] = manifest.scripts.start.split(' ')
      child = spawn(command === 'node' ? process.execPath : command!, args, {
        cwd: fileURLToPath(exampleDir),
        env: { ...process.env, PORT: '0', AUTOMATENEXUS_SECRET: SECRET },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
      url = (await waitForOutput(/listening on (http:\/\/\S+)/))[1]!
    })

    afterAll(async () => {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    })

    let firstDelivery: SampleDelivery

    it('handles a signed JSON event and runs the handler', async () => {
      firstDelivery = await delivery('con_smoke_json')
      expect(await send(firstDelivery)).toMatchObject({ status: 200, body: { ok: true, event: 'contact.created' } })
      await waitForOutput(/contact con_smoke_json/)
    })

    it('handles the same event sent as a signed form body', async () => {
      const form = await delivery('con_smoke_form', { contentType: 'form' })
      expect(await send(form)).toMatchObject({ status: 200, body: { ok: true, duplicate: false } })
      await waitForOutput(/contact con_smoke_form/)
    })

    it("handles genuine deliveries up to the receiver's 1 MiB limit, JSON and form alike (a body parser's smaller default would refuse them on every retry)", async () => {
      for (const contentType of ['json', 'form'] as const) {
        const contactId = `con_smoke_large_${contentType}`
        const large = await delivery(contactId, { contentType, notes: 'n'.repeat(600_000) })
        expect(large.body.length).toBeGreaterThan(600_000)
        expect(await send(large)).toMatchObject({ status: 200, body: { ok: true, duplicate: false } })
        await waitForOutput(new RegExp(`contact ${contactId}`))
      }
    })

    it("answers the sender's retry of a handled delivery as a duplicate, and refuses a forged one", async () => {
      expect(await send(firstDelivery)).toMatchObject({ status: 200, body: { ok: true, duplicate: true } })
      const forged = await send(await delivery('con_smoke_forged', { secret: 'not-the-secret' }))
      expect(forged).toMatchObject({ status: 401, body: { ok: false, error: { code: 'invalid_signature' } } })
      expect(output).not.toMatch(/con_smoke_forged/)
    })

    it('routes a request whose target is in absolute form (POST http://host/webhooks), which HTTP/1.1 servers must accept', async () => {
      const signed = await delivery('con_smoke_absolute')
      const { hostname, port } = new URL(url)
      const head = [`POST ${url} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close', `Content-Length: ${Buffer.byteLength(signed.body)}`]
      for (const [name, value] of Object.entries(signed.headers)) head.push(`${name}: ${value}`)
      const answer = await new Promise<string>((resolve, reject) => {
        let received = ''
        const socket = connect(Number(port), hostname, () => socket.end(`${head.join('\r\n')}\r\n\r\n${signed.body}`))
        socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk))
        socket.once('error', reject).once('close', () => resolve(received))
      })
      expect(answer).toMatch(/^HTTP\/1\.1 200 /)
      await waitForOutput(/contact con_smoke_absolute/)
    })

    it('handles the PUT and PATCH deliveries AutomateNexus also sends, and answers 405 with Allow for a method it never uses', async () => {
      for (const method of ['PUT', 'PATCH']) {
        const contactId = `con_smoke_${method.toLowerCase()}`
        expect(await send(await delivery(contactId, { method }))).toMatchObject({ status: 200, body: { ok: true, duplicate: false } })
        await waitForOutput(new RegExp(`contact ${contactId}`))
      }
      const response = await fetch(url, { method: 'DELETE' })
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('POST, PUT, PATCH')
      expect(await response.json()).toMatchObject({ ok: false, error: { code: 'method_not_allowed' } })
    })
  })
}
