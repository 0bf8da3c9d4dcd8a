// A worker for receiver-workers.test.ts whose store has no close() (it is optional) and whose event loop is
// kept alive, as a store's client keeps it: it must still exit when its parent goes away.
import { createMemoryStore } from './memory-store.js'
import { serveReceiverWorker } from './receiver-workers.js'

const memory = createMemoryStore()
setInterval(() => {}, 60_000)
await serveReceiverWorker({
  store: { claim: memory.claim, complete: memory.complete, release: memory.release },
  handle: async () => {},
})
