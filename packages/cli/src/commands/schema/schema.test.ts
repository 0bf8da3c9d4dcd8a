import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { type Provider } from '@crm-webhooks/core'
import { eventJsonSchema, providers } from '@crm-webhooks/core/providers'
import { eventSchemaPath } from '../../../../../scripts/docs/event-schema-path.js'
import { createMemoryIo } from '../../memory-io.fixture.js'
import { runCli } from '../../run-cli.js'

const root = new URL('../../../../../', import.meta.url)
const events = (Object.values(providers) as Provider[]).flatMap((provider) => Object.keys(provider.events).map((event) => [provider.id, event] as const))

describe('crm-webhooks schema prints exactly what pnpm run docs publishes in docs/schemas/', () => {
  it.each(events)('%s %s', async (id, event) => {
    const io = createMemoryIo()
    expect(await runCli(['schema', id, event], io)).toBe(0)
    // Byte for byte, title and DO-NOT-EDIT $comment included: both come from eventJsonSchema.
    expect(io.out()).toBe(readFileSync(new URL(eventSchemaPath(id, event), root), 'utf8'))
    expect(JSON.parse(io.out())).toMatchObject({ $comment: expect.stringMatching(/DO NOT EDIT/), title: expect.stringContaining(event) })
  })

  it('eventJsonSchema refuses what is not a built-in event', () => {
    expect(() => eventJsonSchema('automatenexus', 'no.such_event')).toThrow(TypeError)
    expect(() => eventJsonSchema('nope' as 'automatenexus', 'deal.won')).toThrow(TypeError)
  })
})
