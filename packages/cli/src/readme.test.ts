/** The README stays true to the code: every command's usage line, every error code with its status. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { STATUS_BY_CODE } from '@crm-webhooks/core'
import { providers } from '@crm-webhooks/core/providers'
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
})
