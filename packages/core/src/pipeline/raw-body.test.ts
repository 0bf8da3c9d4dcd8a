import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { readNodeRequest } from './raw-body.js'

function requestStream(headers: Record<string, string> = {}) {
  return Object.assign(new PassThrough(), { headers })
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

describe('readNodeRequest', () => {
  afterEach(() => vi.restoreAllMocks())

  it('reads a body that came with its headers and arms no deadline timer for it', async () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout')
    const request = requestStream({ 'content-length': '9' })
    request.end('{"a":"b"}')
    const bytes = await readNodeRequest(request, { timeoutMs: 12_345 })
    await nextTurn()
    expect(new TextDecoder().decode(bytes)).toBe('{"a":"b"}')
    expect(setTimeoutSpy.mock.calls.filter(([, delay]) => delay !== undefined && delay > 12_000)).toEqual([])
  })

  it('times a body still arriving after its first turn out at its deadline, counted from the start', async () => {
    const request = requestStream()
    request.write('{"event":')
    const startedAt = Date.now()
    const reading = readNodeRequest(request, { timeoutMs: 80 })
    await expect(reading).rejects.toMatchObject({ code: 'request_timeout' })
    const elapsed = Date.now() - startedAt
    expect(elapsed).toBeGreaterThanOrEqual(75)
    expect(elapsed).toBeLessThan(2_000)
  })

  it('reads a body that arrives over several turns within its deadline', async () => {
    const request = requestStream()
    const reading = readNodeRequest(request, { timeoutMs: 5_000 })
    request.write('{"a":')
    await nextTurn()
    await new Promise((resolve) => setTimeout(resolve, 20))
    request.end('1}')
    expect(new TextDecoder().decode(await reading)).toBe('{"a":1}')
  })

  it('refuses a stream someone started reading: what is left is not what was signed', async () => {
    const request = requestStream()
    request.write('{"event":"deal.won"}')
    request.read(1)
    await expect(readNodeRequest(request)).rejects.toMatchObject({ code: 'body_already_parsed' })
  })

  it('cuts a body off at the limit while reading, without a declared length', async () => {
    const request = requestStream()
    const reading = readNodeRequest(request, { maxBytes: 8 })
    request.write('12345')
    request.write('67890')
    await expect(reading).rejects.toMatchObject({ code: 'payload_too_large' })
  })
})
