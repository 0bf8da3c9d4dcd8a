/**
 * The adapters' READMEs repeat the code -> status table for their readers; this keeps each copy equal to
 * the one table that decides (STATUS_BY_CODE), so a status change cannot leave a README behind.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { STATUS_BY_CODE } from '../errors.js'

describe.each(['express', 'hono', 'fastify'])('packages/%s/README.md', (name) => {
  const readme = readFileSync(new URL(`../../../${name}/README.md`, import.meta.url), 'utf8')

  it('has the Install, Usage, Options and Errors sections', () => {
    for (const section of ['Install', 'Usage', 'Options', 'Errors']) expect(readme).toMatch(new RegExp(`^## ${section}`, 'm'))
  })

  it('lists every error code with the status STATUS_BY_CODE gives it', () => {
    const rows = [...readme.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map(([, code, status]) => [code, Number(status)])
    expect(Object.fromEntries(rows)).toEqual(STATUS_BY_CODE)
  })
})
