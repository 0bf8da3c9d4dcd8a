/**
 * Links the `signal` a caller passes to a send to that delivery's own controllers, for as long as the
 * delivery is under way and no longer.
 *
 * Not `AbortSignal.any([signal, own])`: on Node 20 a source keeps an entry for every composite made from it
 * for as long as the source lives, never pruned even once the composite is collected
 * (https://github.com/nodejs/node/issues/55351). A caller who passes one app-wide shutdown signal to every
 * send would grow it by an entry a send, for good. Nor one listener per delivery on that signal: listeners
 * on a shared signal add up with the deliveries in flight, and Node warns past 10
 * (MaxListenersExceededWarning). So each distinct caller signal gets one listener, shared by the deliveries
 * under it, and loses it when the last of them settles.
 *
 * @module
 */

/** Links caller signals to deliveries; sender.ts keeps a single one, shared by all the senders it creates. */
export interface CallerSignalLinks {
  /**
   * Calls `onAbort` once `signal` aborts (at once if it has), until the returned `unlink` is called. Call
   * `unlink` when the delivery settles, however it settles: it is what frees the signal.
   */
  link(signal: AbortSignal, onAbort: () => void): () => void
}

interface Link {
  /** The deliveries under the signal: one callback object per `link` call, so a repeat is its own entry. */
  readonly deliveries: Set<{ readonly onAbort: () => void }>
  readonly listener: () => void
}

/**
 * Creates a set of links (the sender module makes one, shared by every sender, so that one app-wide signal
 * gets one listener however many senders use it).
 *
 * @example
 * ```ts
 * const links = createCallerSignalLinks()
 * const unlink = links.link(options.signal, () => controller.abort())
 * try {
 *   await deliver(controller.signal)
 * } finally {
 *   unlink()
 * }
 * ```
 */
export function createCallerSignalLinks(): CallerSignalLinks {
  // Holds a caller's signal only while a delivery under it is under way.
  const links = new Map<AbortSignal, Link>()

  function forget(signal: AbortSignal, link: Link): void {
    if (links.get(signal) !== link) return
    links.delete(signal)
    signal.removeEventListener('abort', link.listener)
  }

  return {
    link(signal, onAbort) {
      if (signal.aborted) {
        onAbort()
        return () => {}
      }
      let link = links.get(signal)
      if (link === undefined) {
        const deliveries: Link['deliveries'] = new Set()
        const created: Link = {
          deliveries,
          listener: () => {
            forget(signal, created)
            for (const delivery of deliveries) delivery.onAbort()
          },
        }
        link = created
        links.set(signal, created)
        signal.addEventListener('abort', created.listener, { once: true })
      }
      const owner = link
      const delivery = { onAbort }
      owner.deliveries.add(delivery)
      return () => {
        owner.deliveries.delete(delivery)
        if (owner.deliveries.size === 0) forget(signal, owner)
      }
    },
  }
}
