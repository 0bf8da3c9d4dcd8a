import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The committed vectors must be what the script produces today (octokit's generated types rotted without
// such a check). The script needs python3, which a Node-only machine may lack: then the check is skipped
// visibly, and the committed vectors still drive the scheme tests.
const script = fileURLToPath(new URL('./generate-vectors.py', import.meta.url))
const python = spawnSync('python3', ['--version'], { encoding: 'utf8' })
const hasPython = python.status === 0
if (!hasPython) console.warn('scripts/generate-vectors.test.ts: python3 not found; skipping the vectors drift check')

describe.skipIf(!hasPython)('scripts/generate-vectors.py', () => {
  it('reproduces the committed python-vectors.json exactly', () => {
    const check = spawnSync('python3', [script, '--check'], { encoding: 'utf8' })
    expect(check.stderr).toBe('')
    expect(check.status).toBe(0)
  })
})
