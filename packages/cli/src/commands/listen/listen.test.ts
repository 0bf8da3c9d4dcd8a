import { describe, expect, it } from 'vitest'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { providerFixtures } from '@crm-webhooks/core/providers'
import { createSender } from '@crm-webhooks/sender'
import { createMemoryIo } from '../../memory-io.fixture.js'
import { runCli } from '../../run-cli.js'
import { FRAMEWORKS } from './start-server.js'

/** Polls `read` until it gives a value; fails at once with stderr if the command already exited. */
async function waitFor<T>(read: () => T | undefined, what: string, exit?: Promise<number>, io?: { err(): string }): Promise<T> {
  let exited: number | undefined
  void exit?.then((code) => (exited = code))
  for (let tries = 0; tries < 200; tries++) {
    if (exited !== undefined) throw new Error(`listen exited with ${exited} before ${what}: ${io?.err()}`)
    const value = read()
    if (value !== undefined) return value
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe.each(FRAMEWORKS)('listen --json in-process (%s)', (framework) => {
  it('reports handled, duplicate and rejected deliveries as JSON lines, and stops on a signal', async () => {
    const io = createMemoryIo()
    const flags = ['--provider', 'automatenexus', '--secret', 'new', '--secret', 'old', '--port', '0', '--json']
    const exit = runCli(['listen', ...flags, ...(framework === 'node' ? [] : ['--framework', framework])], io)
    const lines = () => io.out().trimEnd().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>)
    const { listening } = await waitFor(() => (io.out().includes('\n') ? lines()[0] : undefined), 'the listening line', exit, io)
    expect(listening).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webhooks$/)
    const url = String(listening)

    const sender = createSender({ provider: (await import('@crm-webhooks/core/providers')).providers.automatenexus, secret: 'old', url, retry: { maxRetries: 0 } })
    const data = providerFixtures.automatenexus['deal.stage_changed']
    const first = await sender.send({ type: 'deal.stage_changed', data })
    expect(first.ok).toBe(true)
    await sender.resend(first.deliveryId)
    const forger = createSender({ provider: sender.provider, secret: 'guess', url, retry: { maxRetries: 0 } })
    expect((await forger.send({ type: 'deal.won', data: providerFixtures.automatenexus['deal.won'] })).status).toBe(401)
    const wrongMethod = await fetch(url, { method: 'DELETE' }) // AutomateNexus sends POST, PUT or PATCH
    expect(wrongMethod.status).toBe(405)
    await waitFor(() => (lines().length >= 5 ? true : undefined), 'five lines')

    const [, handled, duplicate, forged, patched] = lines()
    expect(handled).toMatchObject({ status: 200, event: 'deal.stage_changed', duplicate: false, secret: 1, data })
    expect(duplicate).toMatchObject({ status: 200, event: 'deal.stage_changed', duplicate: true })
    expect(forged).toMatchObject({ status: 401, error: 'invalid_signature' })
    expect(patched).toMatchObject({ status: 405, error: 'method_not_allowed' })
    expect(lines()).toHaveLength(5)

    io.stop()
    expect(await exit).toBe(0)
    await expect(fetch(url, { method: 'POST', body: '{}' })).rejects.toThrow()
  })
})

describe('listen without --json', () => {
  it('prints a readable line per delivery with the key fields, coloured only when asked', async () => {
    const io = createMemoryIo({ env: { FORCE_COLOR: '1' } })
    const exit = runCli(['listen', '--provider', 'automatenexus', '--secret', 's', '--port', '0'], io)
    const plain = () => io.out().replace(/\u001b\[\d+m/g, '')
    const url = await waitFor(() => /listening on (http:\/\/\S+)/.exec(plain())?.[1], 'the banner', exit, io)
    const { providers } = await import('@crm-webhooks/core/providers')
    const sender = createSender({ provider: providers.automatenexus, secret: 's', url, retry: { maxRetries: 0 } })
    await sender.send({ type: 'deal.stage_changed', data: providerFixtures.automatenexus['deal.stage_changed'] })
    io.stop()
    expect(await exit).toBe(0)
    const line = io.out().trimEnd().split('\n').at(-1)!
    expect(line).toContain('\u001b[32m200\u001b[39m')
    expect(line.replace(/\u001b\[\d+m/g, '')).toMatch(/^\d\d:\d\d:\d\d {2}200 {2}deal\.stage_changed {2}id=deal_67890 .*previous_stage=Proposal new_stage=Negotiation/)
  })
})

/** Sends a request whose target is written as is (fetch would normalise it) and resolves with the status. */
function statusForTarget(url: string, target: string): Promise<number> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: hostname, port, method: 'POST', path: target, headers: { 'content-type': 'application/json' } }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    request.on('error', reject)
    request.end('{}')
  })
}

/** The raw answer to `bytes` written on a fresh connection to `url`'s host, read until the server ends it. */
function rawAnswer(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    let received = ''
    const socket = connect(Number(port), hostname, () => socket.write(bytes))
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (received += chunk)).on('error', reject).on('close', () => resolve(received))
  })
}

describe.each(FRAMEWORKS)('listen with a request target that is no URL, or HTTP Node cannot parse (%s)', (framework) => {
  it('answers it with a 4xx (HTTP Node refuses: the JSON malformed_request) and keeps serving', async () => {
    const io = createMemoryIo()
    const flags = ['--provider', 'automatenexus', '--secret', 's', '--port', '0', '--json']
    const exit = runCli(['listen', ...flags, ...(framework === 'node' ? [] : ['--framework', framework])], io)
    const url = await waitFor(() => (io.out().includes('\n') ? String(JSON.parse(io.out().split('\n')[0]!).listening) : undefined), 'the listening line', exit, io)

    for (const target of ['http://a:99999/webhooks', '//[x', '/webhooks/%']) {
      const status = await statusForTarget(url, target)
      expect(status, target).toBeGreaterThanOrEqual(400)
      expect(status, target).toBeLessThan(500)
    }
    const malformed = await rawAnswer(url, 'POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}')
    expect(malformed.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request')
    expect(JSON.parse(malformed.slice(malformed.indexOf('\r\n\r\n') + 4))).toMatchObject({ ok: false, error: { code: 'malformed_request' } })
    const { providers } = await import('@crm-webhooks/core/providers')
    const sender = createSender({ provider: providers.automatenexus, secret: 's', url, retry: { maxRetries: 0 } })
    expect((await sender.send({ type: 'deal.won', data: providerFixtures.automatenexus['deal.won'] })).status).toBe(200)

    io.stop()
    expect(await exit).toBe(0)
  })
})

describe('listen stopped by a signal', () => {
  it('leaves no stop-signal handler behind once it returns: a later SIGINT or SIGTERM is not swallowed', async () => {
    // With the process's io, a handler left registered keeps Ctrl-C and a supervisor's SIGTERM from ending
    // the process for good: anything still holding the event loop after listen returned could not be stopped.
    const io = createMemoryIo()
    const registered = new Set<() => void>()
    const counted = {
      ...io,
      onStopSignal(handler: () => void) {
        registered.add(handler)
        const off = io.onStopSignal(handler)
        return () => {
          registered.delete(handler)
          return off()
        }
      },
    }
    const exit = runCli(['listen', '--provider', 'automatenexus', '--secret', 's', '--port', '0', '--json'], counted)
    await waitFor(() => (io.out().includes('\n') ? true : undefined), 'the listening line', exit, io)
    io.stop()
    expect(await exit).toBe(0)
    expect(registered.size).toBe(0)
  })
})
