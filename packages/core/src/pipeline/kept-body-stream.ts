/**
 * A body that a framework kept once something read it (Hono's `c.req.bodyCache`: `arrayBuffer()`, `blob()`,
 * `parseBody()`, `text()`, `json()`), handed to `receiver.fetch` as a Fetch body stream, so the core bounds the
 * wait for a read still under way (its deadline and size limit) as it bounds any other, and checks the bytes
 * against the Content-Length. The Fetch counterpart of `keptNodeBody`.
 *
 * @module
 */
import { bodyStreamAlreadyRead } from './raw-body.js'

/**
 * The stream of what Hono kept: its bytes, once the read ends. A read as text only (`text()`, `json()`) kept no
 * bytes (decoding drops a BOM and replaces bad bytes), so its stream fails as a body already parsed, unless the
 * text is empty: no bytes, or a lone BOM (whose declared length the core then finds short; without one, it
 * fails the signature, never a false accept). A read that failed (the sender left mid-body) fails it as the
 * read did (400).
 *
 * @example
 * ```ts
 * // Promises, whatever Hono's types say (as in crmWebhooks).
 * const { arrayBuffer, text } = c.req.bodyCache as { arrayBuffer?: Promise<ArrayBuffer>; text?: Promise<string> }
 * const body = keptBodyStream(arrayBuffer, text)
 * ```
 */
export function keptBodyStream(bytes: Promise<ArrayBuffer> | undefined, text: Promise<string> | undefined): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const [kept, keptText] = await Promise.all([bytes, text])
        // An empty body read as text (a bodiless DELETE sent chunked, over HTTP/2, or through app.request with an
        // empty body) lost nothing a sender signed: as a 500 it would be retried for ever.
        if (kept === undefined && keptText !== '') return controller.error(bodyStreamAlreadyRead())
        if (kept !== undefined) controller.enqueue(new Uint8Array(kept))
        controller.close()
      } catch (error) {
        controller.error(error)
      }
    },
  })
}
