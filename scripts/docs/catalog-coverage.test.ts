import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { type ProviderId, providerFixtures, providers } from '@crm-webhooks/core/providers'
import { eventSchemaPath } from './event-schema-path.js'
import { markdownAnchors } from './heading-slug.js'
import { EVENT_INDEX_PATH } from './render-indexes.js'
import { eventAnchor, providerPagePath } from './render-provider-page.js'
import { SEED_EVENTS } from './seed-event-names.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8')

const seedCases = Object.entries(SEED_EVENTS).flatMap(([id, { names }]) => names.map((name) => [id, name] as const))

describe('every event a seed document lists', () => {
  it.each(Object.entries(SEED_EVENTS))('%s: the list has the count the document states, without repeats', (_, seed) => {
    expect(new Set(seed.names).size).toBe(seed.names.length)
    if (seed.statedCount !== undefined) expect(seed.names).toHaveLength(seed.statedCount)
  })

  it.each(seedCases)('%s %s has a schema, a fixture, a JSON Schema file and a docs entry', (id, name) => {
    const provider = providers[id as ProviderId]
    expect(Object.keys(provider.events)).toContain(name)
    expect(Object.hasOwn(providerFixtures[id as ProviderId], name)).toBe(true)
    expect(existsSync(`${root}${eventSchemaPath(id, name)}`)).toBe(true)
    expect(markdownAnchors(read(providerPagePath(id))).has(eventAnchor(name))).toBe(true)
    expect(read(EVENT_INDEX_PATH)).toContain(`${id}.md#${eventAnchor(name)})`)
  })

  it.each(['automatenexus', 'connectgain', 'customermates', 'workflow-platform', 'autorespond'])(
    '%s catalogs exactly what its seed lists, nothing invented',
    (id) => {
      expect(Object.keys(providers[id as ProviderId].events).sort()).toEqual([...SEED_EVENTS[id]!.names].sort())
    },
  )
})
