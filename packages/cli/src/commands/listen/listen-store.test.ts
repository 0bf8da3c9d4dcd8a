/**
 * `listen --store redis://... | postgres://...`: two listeners sharing one store see each other's
 * deliveries (the second copy is a duplicate), and an unreachable store fails at start, not per delivery.
 */
import pg from 'pg'
import { createClient } from 'redis'
import { describe, expect, it } from 'vitest'
import { buildSampleDelivery } from '@crm-webhooks/core/providers'
import { requireService } from '@crm-webhooks/core/testing'
import { createMemoryIo } from '../../memory-io.fixture.js'
import { runCli } from '../../run-cli.js'
import { openStore, storeFlag } from './open-store.js'

// This run's own namespace in the shared servers, removed afterwards: nothing is left under the defaults.
const run = `${process.pid}_${Date.now().toString(36)}`
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

const stores = [
  {
    name: 'Redis',
    envVar: 'REDIS_URL',
    url: redisUrl,
    unreachable: 'redis://127.0.0.1:1',
    namespace: ['--key-prefix', `crm-webhooks-test:listen_${run}:`],
    async removeNamespace() {
      const client = createClient({ url: redisUrl })
      await client.connect()
      const keys = await client.keys(`crm-webhooks-test:listen_${run}:*`)
      if (keys.length > 0) await client.del(keys)
      client.destroy()
      return keys.filter((key) => key.includes(':claim:'))
    },
  },
  {
    name: 'PostgreSQL',
    envVar: 'DATABASE_URL',
    url: databaseUrl,
    unreachable: 'postgres://postgres@127.0.0.1:1/test',
    namespace: ['--table', `cwt_listen_${run}`],
    async removeNamespace() {
      const client = new pg.Client({ connectionString: databaseUrl })
      await client.connect()
      const { rows } = await client.query<{ key: string }>(`SELECT key FROM "cwt_listen_${run}"`)
      await client.query(`DROP TABLE "cwt_listen_${run}", "cwt_listen_${run}_versions"`)
      await client.end()
      return rows.map((row) => row.key)
    },
  },
]

async function startListen(store: string, namespace: string[]) {
  const io = createMemoryIo()
  const exit = runCli(['listen', '--provider', 'automatenexus', '--secret', 'shared', '--port', '0', '--json', '--store', store, ...namespace], io)
  const lines = () => io.out().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>)
  for (let tries = 0; tries < 200 && lines().length === 0; tries++) {
    const exited = await Promise.race([exit, new Promise((resolve) => setTimeout(resolve, 25))])
    if (typeof exited === 'number') throw new Error(`listen exited ${exited}: ${io.err()}`)
  }
  return { io, exit, lines, url: String(lines()[0]?.listening) }
}

/** Whether the store's server answers (under CI=true a missing one fails the run, elsewhere a notice). */
function storeAvailable(store: (typeof stores)[number]): Promise<boolean> {
  return requireService({
    name: store.name,
    url: store.url,
    envVar: store.envVar,
    probe: async () => (await openStore(storeFlag(store.url))).close?.(),
  })
}

describe.each(stores)('listen --store ($name)', (store) => {
  it('shares claims between two listeners: a copy sent to the second is a duplicate', async () => {
    if (!(await storeAvailable(store))) return
    const [first, second] = [await startListen(store.url, store.namespace), await startListen(store.url, store.namespace)]
    try {
      const delivery = await buildSampleDelivery('automatenexus', 'deal.won', { secret: 'shared' })
      for (const listener of [first, second]) {
        const response = await fetch(listener.url, { method: delivery.method, headers: delivery.headers, body: delivery.body })
        expect(response.status).toBe(200)
      }
      expect(first.lines()[1]).toMatchObject({ status: 200, event: 'deal.won', duplicate: false })
      expect(second.lines()[1]).toMatchObject({ status: 200, event: 'deal.won', duplicate: true })
    } finally {
      first.io.stop()
      second.io.stop()
      expect([await first.exit, await second.exit]).toEqual([0, 0])
    }
    // The claim was made under --key-prefix / --table, and only there.
    expect(await store.removeNamespace()).toHaveLength(1)
  })

  it('keeps listeners of two --namespace values apart on one store: each handles the same delivery once', async () => {
    if (!(await storeAvailable(store))) return
    const [first, second, firstAgain] = [
      await startListen(store.url, [...store.namespace, '--namespace', 'account-a']),
      await startListen(store.url, [...store.namespace, '--namespace', 'account-b']),
      await startListen(store.url, [...store.namespace, '--namespace', 'account-a']),
    ]
    try {
      const delivery = await buildSampleDelivery('automatenexus', 'deal.won', { secret: 'shared' })
      for (const listener of [first, second, firstAgain]) {
        const response = await fetch(listener.url, { method: delivery.method, headers: delivery.headers, body: delivery.body })
        expect(response.status).toBe(200)
      }
      expect(first.lines()[1]).toMatchObject({ status: 200, event: 'deal.won', duplicate: false })
      expect(second.lines()[1]).toMatchObject({ status: 200, event: 'deal.won', duplicate: false })
      // The same namespace is the same receiver: its other instance sees the delivery as a duplicate.
      expect(firstAgain.lines()[1]).toMatchObject({ status: 200, event: 'deal.won', duplicate: true })
    } finally {
      for (const listener of [first, second, firstAgain]) listener.io.stop()
      expect([await first.exit, await second.exit, await firstAgain.exit]).toEqual([0, 0, 0])
    }
    const claims = await store.removeNamespace()
    expect(claims).toHaveLength(2)
    expect(claims.some((key) => key.includes('automatenexus/account-a:'))).toBe(true)
    expect(claims.some((key) => key.includes('automatenexus/account-b:'))).toBe(true)
  })

  it('exits 1 at start when the store cannot be reached', async () => {
    const io = createMemoryIo()
    const code = await runCli(['listen', '--provider', 'automatenexus', '--secret', 's', '--port', '0', '--store', store.unreachable], io)
    expect(code).toBe(1)
    expect(io.err()).toMatch(/^crm-webhooks listen: cannot reach the (redis|postgres) \(127\.0\.0\.1:1\) store: /)
    expect(io.out()).toBe('')
  })
})
