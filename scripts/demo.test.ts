import { describe, expect, it } from 'vitest'
import { providers } from '@crm-webhooks/core/providers'
import { runDemo } from './demo.js'

describe('pnpm demo', () => {
  it('handles every event of every provider, rejects every forgery, suppresses every duplicate', async () => {
    let output = ''
    const result = await runDemo({ write: (text) => void (output += text), colors: false })
    expect(result.unexpected).toEqual([])
    expect(result.tallies.map((tally) => tally.id)).toEqual(Object.keys(providers))
    for (const tally of result.tallies) {
      expect(tally.events).toBe(Object.keys(providers[tally.id as keyof typeof providers].events).length)
      expect(tally.handled).toBe(tally.events)
      expect(tally.forgedSent).toBeGreaterThan(0)
      expect(tally.forgedRejected).toBe(tally.forgedSent)
      expect(tally.duplicatesSent).toBeGreaterThan(0)
      expect(tally.duplicatesSuppressed).toBe(tally.duplicatesSent)
    }
    const handled = result.tallies.reduce((sum, tally) => sum + tally.handled, 0)
    expect(output).toMatch(new RegExp(`${result.tallies.length} providers: ${handled}/${handled} events handled`))
    expect(output).toMatch(/^automatenexus +32 +32 +2\/2 +2\/2$/m)
    expect(output).toMatch(/deal\.stage_changed +id=deal_67890 .*previous_stage=Proposal new_stage=Negotiation/)
    expect(output).toMatch(/subscription confirmation +token ct_\w+ echoed/)
    expect(output.trimEnd().split('\n').at(-1)).toBe('demo passed')
    expect(output).not.toMatch(/\u001b\[/)
  })
})
