/**
 * The README stays true to the code: the limit of a manual clock against a real receiver, and the most
 * retries each provider's receiver still recognises.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { providers } from '@crm-webhooks/core/providers'
import { mostRetriesWithinRetention, providerRetryPolicy } from './retry-policy.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

/** The text of a `###` section, up to the next heading. */
function section(title: string): string {
  const start = readme.indexOf(`### ${title}`)
  expect(start, `a "### ${title}" section`).toBeGreaterThanOrEqual(0)
  const end = readme.slice(start + 4).search(/\n#{2,3} /)
  return end < 0 ? readme.slice(start) : readme.slice(start, start + 4 + end)
}

describe('packages/sender/README.md', () => {
  // It said the manual clock drives "real attempts at a real receiver": a Standard Webhooks receiver refused each.
  it('says a manual clock signs timestamps a real receiver refuses', () => {
    const time = section('Time is injected')
    expect(time).toContain('401 timestamp_out_of_tolerance')
    expect(time).toContain('createManualClock(Date.now())')
  })

  it("gives each provider's retention and the most retries the sender allows on its schedule", () => {
    const rows = section('Retry policy')
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()))
    const UNIT_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000 }
    for (const [id, provider] of Object.entries(providers)) {
      const row = rows.find(([names, remembers]) => names!.includes(`\`${id}\``) && /^\d+ [hd]$/.test(remembers!))
      expect(row, `a retention row naming ${id}`).toBeDefined()
      const [, remembers, most] = row!
      const [amount, unit] = remembers!.split(' ')
      expect(Number(amount) * UNIT_MS[unit!]!).toBe(provider.retentionMs ?? 72 * UNIT_MS.h!)
      expect(Number(/^\d+/.exec(most!)?.[0])).toBe(mostRetriesWithinRetention(providerRetryPolicy(id, { maxRetries: 10 }), provider))
    }
  })
})
