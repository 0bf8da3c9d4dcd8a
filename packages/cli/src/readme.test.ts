/**
 * The README stays true to the code: every command's usage line, every error code with its status, every
 * provider's retry defaults.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { STATUS_BY_CODE } from '@crm-webhooks/core'
import { providers } from '@crm-webhooks/core/providers'
import { mostRetriesWithinRetention, parseDuration, providerRetryPolicy } from '@crm-webhooks/sender'
import { commands } from './run-cli.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('packages/cli/README.md', () => {
  it.each(commands.map((command) => [command.name, command.usage]))('documents `%s` with its exact usage', (_, usage) => {
    expect(readme).toContain(`### \`${usage}\``)
  })

  it.each(Object.entries(STATUS_BY_CODE))('lists %s with status %i', (code, status) => {
    const errors = readme.slice(readme.indexOf('## Errors'))
    const after = errors.slice(errors.indexOf(`\`${code}\``))
    expect(after.length).toBeLessThan(errors.length)
    expect(/\((\d{3})/.exec(after)?.[1]).toBe(String(status))
  })

  it('names every provider id', () => {
    for (const id of Object.keys(providers)) expect(readme).toContain(`\`${id}\``)
  })

  it('gives the most --retries each provider allows, as the sender allows them', () => {
    const most = (id: string) => mostRetriesWithinRetention(providerRetryPolicy(id, { maxRetries: 10 }), providers[id as keyof typeof providers])
    const stated = /allows (\d+) retries for `automatenexus`, (\d+) for `standard-webhooks` and (\d+) for the others/.exec(readme.replace(/\s+/g, ' '))
    expect(stated, 'the sentence naming the most retries').not.toBeNull()
    expect(stated!.slice(1).map(Number)).toEqual([most('automatenexus'), most('standard-webhooks'), most('workflow-platform')])
    for (const id of ['connectgain', 'customermates', 'autorespond']) expect(most(id)).toBe(most('workflow-platform'))
  })

  describe("send's retry table", () => {
    const send = readme.slice(readme.indexOf('### `send'), readme.indexOf('### `events'))
    const rows = send.split('\n').filter((line) => line.startsWith('| `')).map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()))
    /** `5 s, 5 m 5 s, ... (a note)` as ms offsets; `-` as none. */
    const offsets = (cell: string) =>
      cell === '-' ? [] : cell.replace(/ \(.*\)$/, '').split(', ').map((offset) => [...offset.matchAll(/(\d+) (ms|s|m|h|d)\b/g)].reduce((sum, [, n, unit]) => sum + parseDuration(`${n}${unit}`)!, 0))

    it.each(Object.keys(providers))("gives %s the retries, schedule and timeout of the sender's policy", (id) => {
      const row = rows.find(([names]) => names!.includes(`\`${id}\``))
      expect(row, `a row naming ${id}`).toBeDefined()
      const [, retries, schedule, timeout] = row!
      const policy = providerRetryPolicy(id)
      expect(Number(/^\d+/.exec(retries!)?.[0])).toBe(policy.maxRetries)
      expect(retries!.includes('`410 Gone`')).toBe(policy.disableOnGone)
      expect(offsets(schedule!)).toEqual(policy.schedule.slice(0, policy.maxRetries))
      expect(parseDuration(timeout!.replace(' ', ''))).toBe(policy.timeoutMs)
    })
  })
})
