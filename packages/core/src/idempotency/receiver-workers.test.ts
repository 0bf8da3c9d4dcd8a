import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { startReceiverWorkers, workerExecArgv } from './receiver-workers.js'

describe('workerExecArgv', () => {
  it('runs a TypeScript script through tsx, a JavaScript one as is, and the caller’s options when given', () => {
    for (const script of ['/w/worker.ts', '/w/worker.mts', '/w/worker.cts']) expect(workerExecArgv({ script })).toEqual(['--import', 'tsx'])
    for (const script of ['/w/worker.js', '/w/worker.mjs', '/w/worker.cjs']) expect(workerExecArgv({ script })).toEqual([])
    expect(workerExecArgv({ script: '/w/worker.ts', execArgv: ['--import', 'jiti/register'] })).toEqual(['--import', 'jiti/register'])
  })
})

describe('startReceiverWorkers with a JavaScript worker', () => {
  it('forks it without tsx, and stops it', async () => {
    const script = fileURLToPath(new URL('./plain-js-worker.fixture.mjs', import.meta.url))
    const workers = await startReceiverWorkers({ script, count: 2, startTimeoutMs: 10_000 })
    try {
      const answers = await Promise.all([0, 1].map((index) => workers.deliver(index, { headers: {}, rawBody: '{}' })))
      for (const answer of answers) expect(answer).toEqual({ status: 200, body: { ok: true, execArgv: [] } })
    } finally {
      await workers.stop()
    }
  })
})

describe('serveReceiverWorker', () => {
  it('exits when its parent goes away, also with a store that has no close()', async () => {
    const script = fileURLToPath(new URL('./no-close-store-worker.fixture.ts', import.meta.url))
    const child = fork(script, [], { execArgv: workerExecArgv({ script }), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    try {
      await new Promise((resolve, reject) => {
        child.once('message', resolve)
        child.once('exit', (code) => reject(new Error(`worker exited with ${code} before listening`)))
      })
      const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
      child.disconnect()
      // Without the fix it never exits: the test times out.
      expect(await exited).toEqual({ code: 0, signal: null })
    } finally {
      child.kill('SIGKILL')
    }
  }, 30_000)
})
