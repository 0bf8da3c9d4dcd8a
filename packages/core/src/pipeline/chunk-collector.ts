/**
 * Collecting a body's chunks, for both body readers (read-node-request.ts, read-web-stream.ts), in about
 * the body's own size however its sender cut it.
 *
 * @module
 */
import { concatBytes } from '../schemes/encoding.js'

/** Chunks shorter than this are copied into a shared block rather than kept (see createChunkCollector). */
const SMALL_CHUNK_BYTES = 2 * 1024
/** The size of each block small chunks are copied into. */
const SMALL_CHUNK_BLOCK_BYTES = 16 * 1024
/** Chunks kept as they are, whatever their size, before small ones are copied: a delivery comes in a few. */
const CHUNKS_KEPT_UNCOPIED = 16

/**
 * Collects a body's chunks in order. node:http hands a chunked body over as one Buffer per chunk, each a
 * slice that keeps its socket read alive: an unsigned 1 MiB body sent in 1-byte chunks was a million kept
 * Buffers, 214 MiB of heap in one request (a few such requests at once exhaust the process). Past the
 * first 16 chunks, chunks under 2 KiB are therefore copied into 16 KiB blocks and dropped, so a body held
 * costs about its own size however it was cut. A delivery's few chunks (often one, returned as it is) and
 * chunks of 2 KiB or more are kept as they are, uncopied, as before.
 */
export function createChunkCollector(): { push(bytes: Uint8Array): void; bytes(): Uint8Array } {
  const chunks: Uint8Array[] = []
  let block: Uint8Array | undefined
  let blockStart = 0
  let blockEnd = 0
  // The block's bytes not kept yet become one chunk; the rest of the block stays for the next small chunks.
  const keepBlock = () => {
    if (blockEnd === blockStart) return
    chunks.push(block!.subarray(blockStart, blockEnd))
    blockStart = blockEnd
  }
  return {
    push(bytes) {
      if (bytes.length >= SMALL_CHUNK_BYTES || (block === undefined && chunks.length < CHUNKS_KEPT_UNCOPIED)) {
        keepBlock()
        chunks.push(bytes)
        return
      }
      if (block === undefined || blockEnd + bytes.length > block.length) {
        keepBlock()
        block = new Uint8Array(SMALL_CHUNK_BLOCK_BYTES)
        blockStart = blockEnd = 0
      }
      block.set(bytes, blockEnd)
      blockEnd += bytes.length
    },
    bytes() {
      keepBlock()
      return concatBytes(chunks)
    },
  }
}
