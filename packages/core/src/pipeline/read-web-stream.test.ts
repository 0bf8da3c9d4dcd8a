import { afterEach, describe, expect, it, vi } from 'vitest'
import { TINY_CHUNKS, liveArrayBufferBytes, tinyChunk } from './held-memory.fixture.js'
import { DISCARD_MAX_MS } from './raw-body.js'
import { readWebStream } from './read-web-stream.js'

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

  it('holds a body sent in tiny chunks in about its own size, not one kept chunk (and its buffer) per byte', async () => {
    let sent = 0
    let held = Number.NaN
    let before = Number.NaN
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) before = liveArrayBufferBytes()
        if (sent === TINY_CHUNKS) {
          held = liveArrayBufferBytes() - before
          return controller.close()
        }
        sent++
        controller.enqueue(tinyChunk())
      },
    })
    const bytes = await readWebStream(stream, { timeoutMs: 5_000 })
    expect(new TextDecoder().decode(bytes)).toBe('a'.repeat(TINY_CHUNKS))
    expect(held).toBeLessThan(4 * 1024 * 1024)
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

  it('times out a source with a chunk always ready (empty chunks, no end), which never lets the timer run', async () => {
    let pulls = 0
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++
        controller.enqueue(new Uint8Array(0))
      },
    })
    const startedAt = Date.now()
    // Timers run meanwhile: the rest of the process is not frozen until the deadline.
    let timerRan = false
    setTimeout(() => (timerRan = true), 0)
    const timerRanBeforeTheAnswer = readWebStream(endless, { timeoutMs: 50 }).catch((error: unknown) => [timerRan, error])
    expect(await timerRanBeforeTheAnswer).toEqual([true, expect.objectContaining({ code: 'request_timeout' })])
    expect(Date.now() - startedAt).toBeLessThan(2_000)
    expect(pulls).toBeGreaterThan(0)
  })

  it.each([
    ['a string', 'text', 'string'],
    ['an ArrayBuffer', new ArrayBuffer(4), 'ArrayBuffer'],
    ['a Uint16Array', new Uint16Array(2), 'Uint16Array'],
    ['a number', 7, 'number'],
  ])('refuses a chunk that is not bytes (%s) as internal_error (500, retried): no length to count, no bytes the sender signed, and the fault is in process', async (_, chunk, name) => {
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(encode('{"a":'))
        controller.enqueue(chunk)
        controller.close()
      },
    })
    const refusal = readWebStream(stream as ReadableStream<Uint8Array>)
    await expect(refusal).rejects.toMatchObject({ code: 'internal_error', status: 500 })
    await expect(refusal).rejects.toThrow(`(${name})`)
  })

  it('refuses a body at the limit at once, then reads the rest off, for DISCARD_MAX_MS at most, before it cancels it', async () => {
    const parts = ['12345', '67890', 'more', 'and more']
    let pulled = 0
    let cancelled = false
    const ending = new ReadableStream<Uint8Array>({
      pull: (controller) => (pulled < parts.length ? controller.enqueue(encode(parts[pulled++]!)) : controller.close()),
      cancel: () => void (cancelled = true),
    })
    await expect(readWebStream(ending, { maxBytes: 8 })).rejects.toMatchObject({ code: 'payload_too_large' })
    // Read to its end, so the runtime can keep the connection for the next request.
    await vi.waitFor(() => expect([pulled, cancelled]).toEqual([parts.length, false]))
    const stalled = webStream(['12345', '67890'], false)
    await expect(readWebStream(stalled.stream, { maxBytes: 8 })).rejects.toMatchObject({ code: 'payload_too_large' })
    expect(stalled.wasCancelled()).toBe(false)
    await vi.waitFor(() => expect(stalled.wasCancelled()).toBe(true), { timeout: DISCARD_MAX_MS + 1_000 })
  })

  it('reads off a source with a chunk always ready without freezing the event loop, and cuts it after DISCARD_MAX_MS', async () => {
    let cancelled = false
    let first = true
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(first ? encode('x'.repeat(16)) : new Uint8Array(0))
        first = false
      },
      cancel: () => void (cancelled = true),
    })
    const startedAt = performance.now()
    await expect(readWebStream(endless, { maxBytes: 8 })).rejects.toMatchObject({ code: 'payload_too_large' })
    // A timer still gets its turn while the rest is read off.
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(cancelled).toBe(false)
    await vi.waitFor(() => expect(cancelled).toBe(true), { timeout: DISCARD_MAX_MS + 2_000 })
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(DISCARD_MAX_MS - 50)
  })

  it('answers a stream that fails mid-body as invalid_body, as the Node reader does, and refuses one another reader holds', async () => {
    const failure = new Error('connection reset')
    let sent = false
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(failure)
        sent = true
        controller.enqueue(encode('{"event":'))
      },
    })
    await expect(readWebStream(failing)).rejects.toMatchObject({ code: 'invalid_body', status: 400, cause: failure })
    const { stream } = webStream(['{}'], true)
    stream.getReader()
    await expect(readWebStream(stream)).rejects.toMatchObject({ code: 'body_already_parsed' })
  })

  it("ends the read at the request signal's abort as invalid_body, cancelling the stream, not at the deadline as a 408", async () => {
    const { stream, wasCancelled } = webStream(['{"event":'], false)
    const client = new AbortController()
    const reading = readWebStream(stream, { timeoutMs: 60_000, signal: client.signal })
    setTimeout(() => client.abort(), 10)
    await expect(reading).rejects.toMatchObject({ code: 'invalid_body', status: 400, message: expect.stringMatching(/closed before the body was complete/) })
    expect(wasCancelled()).toBe(true)
    await expect(readWebStream(webStream(['{"event":'], false).stream, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'invalid_body' })
  })

  it('keeps a body that had all arrived when the signal aborted (srvx before 0.9 aborts it on Node\'s request close, after the end)', async () => {
    const encode = (text: string) => new TextEncoder().encode(text)
    for (const abortFirst of [true, false]) {
      const client = new AbortController()
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          // The last chunk and the end arrive, then the close that aborts, all before the reader gets its turn.
          setTimeout(() => {
            controller.enqueue(encode('{"event":"x"}'))
            if (abortFirst) client.abort()
            controller.close()
            if (!abortFirst) client.abort()
          }, 5)
        },
      })
      const bytes = await readWebStream(stream, { signal: client.signal })
      expect(new TextDecoder().decode(bytes)).toBe('{"event":"x"}')
    }
    expect(new TextDecoder().decode(await readWebStream(webStream(['{}'], true).stream, { signal: AbortSignal.abort() }))).toBe('{}')
  })

  it('lets go of the signal once the body is read: a later abort changes nothing', async () => {
    const client = new AbortController()
    const removed = vi.spyOn(client.signal, 'removeEventListener')
    const bytes = await readWebStream(webStream(['{}'], true).stream, { signal: client.signal })
    client.abort()
    expect(new TextDecoder().decode(bytes)).toBe('{}')
    expect(removed).toHaveBeenCalledWith('abort', expect.any(Function))
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

