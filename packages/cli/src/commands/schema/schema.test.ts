import { describe, expect, it } from 'vitest'
import { type Provider } from '@crm-webhooks/core'
import { providers } from '@crm-webhooks/core/providers'
import { eventJsonSchema } from '../../../../../scripts/docs/event-json-schema.js'
import { createMemoryIo } from '../../memory-io.fixture.js'
import { runCli } from '../../run-cli.js'

const events = (Object.values(providers) as Provider[]).flatMap((provider) => Object.keys(provider.events).map((event) => [provider, event] as const))

describe('crm-webhooks schema prints what pnpm docs publishes in docs/schemas/', () => {
  it.each(events.map(([provider, event]) => [provider.id, event, provider] as const))('%s %s', async (id, event, provider) => {
    const io = createMemoryIo()
    expect(await runCli(['schema', id, event], io)).toBe(0)
    const { $comment: _comment, title: _title, ...published } = eventJsonSchema(provider, event)
    expect(JSON.parse(io.out())).toEqual(published)
  })
})
