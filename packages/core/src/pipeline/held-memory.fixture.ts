/**
 * What a body reader still holds, for the readers' tests (read-node-request.test.ts, read-web-stream.test.ts):
 * a body sent in tiny chunks must cost about its own size, not a kept chunk (and its read buffer) per byte.
 *
 * @module
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** The engine's garbage collector, exposed on demand, to measure what a reader still holds. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
}

/** Bytes of live ArrayBuffers (Buffer memory included) once garbage is collected. */
export function liveArrayBufferBytes(): number {
  // Twice: V8 frees the memory of the ArrayBuffers a collection found dead on a background thread, and the
  // count drops only once it has; the next collection first waits for that. On a loaded machine one
  // collection read 32 MiB of freed chunk buffers as still held (a failed CI run).
  collectGarbage()
  collectGarbage()
  return process.memoryUsage().arrayBuffers
}

// node:http hands a chunked body over as one slice per chunk of the socket read it arrived in: a body sent
// in 1-byte chunks came as a million Buffers, each keeping its read buffer alive while it is kept.
export const TINY_CHUNKS = 512
export const tinyChunk = () => new Uint8Array(new ArrayBuffer(64 * 1024), 0, 1).fill(0x61)
