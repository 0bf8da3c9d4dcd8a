/**
 * The store's hold on Redis: a client it created from a URL (and closes) or one the application passed
 * (and closes itself), and the bound on every call, so an unreachable or frozen server turns into a
 * prompt `store_unavailable` rejection instead of a hung delivery.
 *
 * @module
 */
import { createInFlightCalls, monotonicNow, storeUnavailableError, withStoreDeadline } from '@crm-webhooks/core'
import { createClient } from 'redis'
import type { ScriptClient } from './redis-scripts.js'

/** What the store needs of a node-redis 5 or 6 client: `createClient()` from `redis` or `@redis/client`. */
export interface RedisStoreClient extends ScriptClient {
  readonly isOpen: boolean
  readonly isReady: boolean
  connect(): Promise<unknown>
  close(): Promise<unknown>
  destroy(): void
  once(event: 'ready' | 'error', listener: () => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
}

/** How the store reaches Redis. */
export interface RedisConnectionOptions {
  client?: RedisStoreClient | undefined
  url?: string | undefined
  commandTimeoutMs: number
  connectTimeoutMs: number
  /** Called from event listeners and background work, so it must never throw or reject (the store's contains the user's). */
  onError?: ((error: Error) => void) | undefined
}

/** A bounded way to run commands, and the way to let go of the client. */
export interface RedisConnection {
  /** The client commands go to now: read it for each command, since a silent connection's client is replaced. */
  readonly client: RedisStoreClient
  /**
   * Runs `operation` once the client is ready, rejecting with `store_unavailable` past the deadline or on
   * any failure. `onAbandoned` gets a result that arrived after the deadline, when nobody awaits it; a
   * promise it returns (a late claim's release) is waited for by `close()` as the late command itself is.
   */
  run<T>(what: string, operation: () => Promise<T>, onAbandoned?: (value: T) => unknown): Promise<T>
  /** Refuses a new call of the store's once `close()` was called (throws `store_unavailable`). */
  admit(what: string): void
  /** Refuses new calls at once, lets every earlier one finish (batched or not), then lets go of the client. */
  close(): Promise<void>
}

/** Resolves once the client is ready or has failed to connect, or `ms` have passed, whichever comes first. */
function connectSettled(client: RedisStoreClient, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
    client.once('ready', () => resolve())
    client.once('error', () => resolve())
  }).finally(() => clearTimeout(timer))
}

/**
 * Opens (or adopts) the client and returns the bounded runner.
 *
 * @example
 * ```ts
 * const connection = openRedisConnection({ url: 'redis://127.0.0.1:6379', commandTimeoutMs: 2000, connectTimeoutMs: 2000 })
 * await connection.run('claim', () => runScript(connection.client, CLAIM_BATCH, keys, args))
 * ```
 */
export function openRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const owned = options.client === undefined
  const createOwnClient = () =>
    createClient({
      url: options.url,
      // Commands fail at once while disconnected instead of queueing for a server that may not return.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: options.connectTimeoutMs,
        // Keep trying in the background so the store recovers by itself when the server comes back.
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000),
      },
    }) as unknown as RedisStoreClient
  // Replaced only when a silent connection is dropped (dropIfStillSilent), and only a client the store created.
  let client: RedisStoreClient = options.client ?? createOwnClient()
  // Why the client is not connected, named in the 503s while it is not: a wrong password or database
  // number otherwise shows only as a call that got no answer.
  let connectionError: Error | undefined
  // An 'error' event without a listener would crash the process; failures surface through each call. A
  // client dropped for its silence keeps its listener, for the errors its last attempts may still emit, but
  // they no longer describe the store's connection.
  const listenForErrors = (own: RedisStoreClient) =>
    own.on('error', (error) => {
      if (own !== client) return
      connectionError = error
      options.onError?.(error)
    })
  if (owned) listenForErrors(client)
  const notConnected = (message: string) =>
    storeUnavailableError(connectionError && !client.isReady ? `${message} (connection: ${connectionError.message})` : message)
  let connecting: Promise<unknown> | undefined
  // A client you passed is connected by the store only while nobody has opened it yet (the store connects it
  // at most once): one you opened and later closed (on SIGTERM, say) stays closed, or a completion retried
  // in the background afterwards would open it again, and its socket would keep the process from exiting.
  let mayConnect = owned || !client.isOpen
  if (!owned && mayConnect) client.once('ready', () => (mayConnect = false))
  let readiness: Promise<void> | undefined
  // closing: close() was called, so the store takes no new call; closed: the earlier calls have finished.
  let closing: Promise<void> | undefined
  let closed = false
  const inFlight = createInFlightCalls()
  // Commands sent but still unanswered when their call's deadline passed (a frozen server), and what their
  // late answers set off: close() waits for them, within a bound, before it lets go of the client.
  const late = createInFlightCalls()
  // When a call first found the client not ready, while it still is not. A call waits for a reconnect
  // only within one deadline of that moment: a blip (the client reconnects within tens of ms) costs a
  // delivery nothing, but once the server has been gone a whole deadline, waiting another one per delivery
  // would only hold every sender's connection open for the same 503.
  let notReadySince: number | undefined
  // A connection gone silent (a frozen server, a route that black-holes) while its socket stays open: node-redis
  // keeps every command written to it until its reply comes, and the client still reads as ready, so each
  // delivery's claim was written there and held (~0.9 KB each, with the store's own late-call entry) for as
  // long as the silence lasted, which the kernel may never end. As the PostgreSQL store's read timeout does,
  // a client the store created drops a connection on which a command went a whole second deadline unanswered
  // (close() waits that long for such a command too): that rejects what it held, and the client reconnects.
  // A client you passed is left as it is: the store neither destroys nor reopens it.
  // (The check: the commands past their deadline still unanswered one more deadline later. Under sustained
  // slowness, every call past its deadline, the set may never empty: every call is a 503 then anyway.)
  let checkingSilence = false
  function dropIfStillSilent(): void {
    if (!owned || checkingSilence) return
    checkingSilence = true
    void late.drained(options.commandTimeoutMs).then((answered) => {
      checkingSilence = false
      if (answered || closing || !client.isOpen) return
      // A new client, never the same one connected again: node-redis 5's reconnect loop, asleep between
      // attempts or waiting on a connection the silence holds, ends only when it finds the client closed, and
      // connect() opens it again at once, so the old loop went on beside the new one and left a socket that
      // close() never reached (the process could not exit).
      const silent = client
      client = createOwnClient()
      listenForErrors(client)
      // The calls waiting for a connection wait for the new client's: the dropped one will never be ready, and
      // they would never settle (each past its deadline held in `late` for good, one more per outage).
      if (readiness !== undefined) settleReadinessWhenReady(client)
      connectionError = undefined
      clusterCheck = undefined
      silent.destroy()
      connecting = client.connect().catch((error: Error) => options.onError?.(error))
    })
  }

  // A Redis Cluster node takes a plain client's commands but refuses a script whose keys hash to different
  // slots (CROSSSLOT): a lone claim went through and a burst, or a claim with a version, failed, so a smoke
  // test passed where production failed. Each client asks once, before its first command; an answer that
  // never came (the connection failed) is asked for again by the next call, and a server that refuses INFO
  // (a managed service may rename it) is taken for no cluster rather than asked on every call.
  let clusterCheck: Promise<void> | 'passed' | undefined
  function unlessCluster<T>(operation: () => Promise<T>): Promise<T> {
    if (clusterCheck === 'passed') return operation()
    const asked = client
    clusterCheck ??= asked.sendCommand(['INFO', 'cluster']).then(
      (info) => {
        if (/cluster_enabled:1/.test(String(info))) {
          throw storeUnavailableError(
            'redis store: the server is a Redis Cluster node, which refuses the store\'s scripts (their keys hash to several slots): use a single Redis, or the primary of a primary with replicas',
          )
        }
        clusterCheck = 'passed'
      },
      () => {
        clusterCheck = asked.isReady ? 'passed' : undefined
      },
    )
    return clusterCheck.then(operation)
  }

  let becameReady: (() => void) | undefined
  function whenReady(): Promise<void> {
    if (!client.isOpen && mayConnect) connecting ??= client.connect().catch((error: Error) => options.onError?.(error))
    if (readiness === undefined) {
      readiness = new Promise<void>((resolve) => (becameReady = resolve))
      settleReadinessWhenReady(client)
    }
    return readiness
  }
  function settleReadinessWhenReady(own: RedisStoreClient): void {
    own.once('ready', () => {
      // A client since replaced says nothing of the connection the store uses now.
      if (own !== client || readiness === undefined) return
      readiness = undefined
      notReadySince = undefined
      connectionError = undefined
      becameReady?.()
    })
  }
  if (owned) whenReady()

  return {
    get client() {
      return client
    },
    run<T>(what: string, operation: () => Promise<T>, onAbandoned?: (value: T) => unknown): Promise<T> {
      if (closed) {
        return Promise.reject(storeUnavailableError('redis store: closed'))
      }
      if (!client.isReady) {
        const now = monotonicNow()
        notReadySince ??= now
        if (now - notReadySince >= options.commandTimeoutMs) {
          void whenReady() // still listening for the reconnect, which ends this
          return Promise.reject(notConnected(`redis store: ${what}: not connected for ${Math.round(now - notReadySince)} ms`))
        }
      }
      // A command past its deadline may still be answered (a claim that lands late is then given back, by the
      // promise onAbandoned returns): close() waits for both, through `late`.
      const deadline = { what: `redis store: ${what}`, timeoutMs: options.commandTimeoutMs, onAbandoned, lateCalls: late }
      // Whether this call waited for a connection that never came within its deadline.
      let waitedInVain = false
      // Waits for the connection, within this call's deadline, then sends the command.
      const sendWhenReady = (isAbandoned: () => boolean) => {
        notReadySince ??= monotonicNow()
        waitedInVain = true
        return whenReady().then(() => {
          waitedInVain = false
          // The caller has its answer already: running the command now would leave a claim nobody awaits.
          if (isAbandoned()) throw new Error('abandoned after the deadline')
          return unlessCluster(operation)
        })
      }
      return inFlight.track(
        withStoreDeadline(deadline, (isAbandoned) => {
          if (!client.isReady) return sendWhenReady(isAbandoned)
          // A command written to a connection the server had already closed (its `timeout`, a proxy's or a load
          // balancer's idle cut) fails with the close when the process had not read it yet: the loop was busy, or
          // a Lambda environment thawed with its next event and the close at once. It is sent once more on the
          // reconnected client, within the same deadline. Every call may be repeated: completions and releases
          // are owner-checked, and a claim that did land the first time answers in_progress (409) until its
          // lease ends.
          return unlessCluster(operation).catch((error: unknown) => {
            if (client.isReady || closing || isAbandoned()) throw error
            return sendWhenReady(isAbandoned)
          })
        }).catch((error: unknown) => {
          // A call that waited its whole deadline for a connection still missing: the server has been gone that
          // long, whatever the clocks say. Node starts a timer from the event loop's cached time, which under
          // load lags this clock, so the deadline could pass a few ms short of `notReadySince` + the deadline,
          // and the next call would wait a whole deadline more. (One whose connection came, then dropped again
          // under its command, says nothing of how long this outage has lasted.)
          if (waitedInVain && !client.isReady && notReadySince !== undefined) {
            notReadySince = Math.min(notReadySince, monotonicNow() - options.commandTimeoutMs)
          }
          dropIfStillSilent()
          // Waited out the deadline for a connection that failed: say why it failed.
          throw connectionError && !client.isReady ? notConnected((error as Error).message) : error
        }),
      )
    },
    admit(what) {
      if (closing) throw storeUnavailableError(`redis store: ${what}: closed`)
    },
    close() {
      // One ending for every call, a second SIGTERM handler's included.
      closing ??= inFlight.drained().then(async () => {
        // Commands that outlived their deadline: a claim among them is given back when its answer comes, so
        // wait for them and those releases before closing the client, but one more deadline at most. A
        // frozen server never answers, and node-redis's close() would wait for it as long (keeping the
        // process from exiting): past the bound the client is destroyed instead.
        const answered = await late.drained(options.commandTimeoutMs)
        closed = true
        if (!owned) return
        // A first connect still under way: node-redis 5 completes it even after destroy(), and the socket it
        // leaves open keeps the process alive. Let it succeed or fail (within the connect timeout), then close;
        // once it has failed the client is retrying, and destroy() stops that.
        if (connecting !== undefined && connectionError === undefined && client.isOpen && !client.isReady) {
          await connectSettled(client, options.connectTimeoutMs)
        }
        if (client.isReady && answered) await client.close().catch(() => client.destroy())
        else if (client.isOpen) client.destroy()
      })
      return closing
    },
  }
}
