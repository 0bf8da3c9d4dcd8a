import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { readNodeRequest, readWebStream } from './raw-body.js'

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

describe('readWebStream', () => {
  afterEach(() => vi.restoreAllMocks())
  const encode = (text: string) => new TextEncoder().encode(text)

  /** A stream that sends `parts` and then stays open (no more data, never closed) unless `close`. */
  function webStream(parts: string[], close: boolean) {
    let cancelled = false
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(encode(part))
        if (close) controller.close()
      },
      cancel() {
        cancelled = true
      },
    })
    return { stream, wasCancelled: () => cancelled }
  }

  it('reads every chunk, in order', async () => {
    const { stream } = webStream(['{"a":', '1,', '"b":2}'], true)
    expect(new TextDecoder().decode(await readWebStream(stream))).toBe('{"a":1,"b":2}')
  })

  it('times out a body that stops arriving, and cancels the stream', async () => {
    const { stream, wasCancelled } = webStream(['{"event":'], false)
    const startedAt = Date.now()
    await expect(readWebStream(stream, { timeoutMs: 60 })).rejects.toMatchObject({ code: 'request_timeout' })
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(55)
    expect(wasCancelled()).toBe(true)
  })

  it('times out even when the source fails as it is cancelled', async () => {
    const stream = new ReadableStream<Uint8Array>({
      cancel() {
        throw new Error('source cannot be cancelled')
      },
    })
    await expect(readWebStream(stream, { timeoutMs: 30 })).rejects.toMatchObject({ code: 'request_timeout' })
  })

  it('cuts a body off at the limit, cancelling the rest', async () => {
    const { stream, wasCancelled } = webStream(['12345', '67890'], false)
    await expect(readWebStream(stream, { maxBytes: 8 })).rejects.toMatchObject({ code: 'payload_too_large' })
    expect(wasCancelled()).toBe(true)
  })

  it('passes on the error of a stream that fails, and refuses one another reader holds', async () => {
    const failure = new Error('connection reset')
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(failure)
      },
    })
    await expect(readWebStream(failing)).rejects.toBe(failure)
    const { stream } = webStream(['{}'], true)
    stream.getReader()
    await expect(readWebStream(stream)).rejects.toMatchObject({ code: 'body_already_parsed' })
  })

  it('leaves no timer behind once the body is read', async () => {
    const setSpy = vi.spyOn(globalThis, 'setTimeout')
    const clearSpy = vi.spyOn(globalThis, 'clearTimeout')
    const { stream } = webStream(['{}'], true)
    await readWebStream(stream, { timeoutMs: 12_345 })
    const armed = setSpy.mock.results.filter((_, index) => setSpy.mock.calls[index]![1] === 12_345).map((result) => result.value)
    expect(armed).toHaveLength(1)
    expect(clearSpy).toHaveBeenCalledWith(armed[0])
  })
})
