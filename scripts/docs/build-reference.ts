/**
 * Builds the whole event reference in memory, from the provider registry: JSON Schemas, one page per
 * provider, the event index and the landing page. Fails when an event lacks a schema, a fixture or a
 * section, so no event can go undocumented.
 *
 * @module
 */
import type { Provider } from '@crm-webhooks/core'
import { type ProviderId, eventJsonSchema } from '@crm-webhooks/core/providers'
import { eventSchemaPath } from './event-schema-path.js'
import { markdownAnchors } from './heading-slug.js'
import { EVENT_INDEX_PATH, REFERENCE_INDEX_PATH, renderEventIndex, renderReferenceIndex } from './render-indexes.js'
import { eventAnchor, providerPagePath, renderProviderPage } from './render-provider-page.js'

/** What the reference of one provider is built from. */
export interface ProviderSource {
  readonly provider: Provider
  readonly exportName: string
  readonly readme: string
  readonly fixtures: Readonly<Record<string, unknown>>
}

/** The directories the generator owns entirely (besides `docs/index.md`). */
export const GENERATED_DIRECTORIES = ['docs/schemas', 'docs/providers', 'docs/events'] as const

function jsonFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`
}

/**
 * Every generated file, content by repository path.
 *
 * @example
 * ```ts
 * const files = buildReference(sources)
 * files.get('docs/schemas/automatenexus/deal.won.json')
 * ```
 */
export function buildReference(sources: readonly ProviderSource[]): Map<string, string> {
  const files = new Map<string, string>()
  const indexEntries = []
  for (const source of sources) {
    const { provider } = source
    const schemas: Record<string, Record<string, unknown>> = {}
    for (const type of Object.keys(provider.events)) {
      // The sources are the registry's providers (see provider-sources.ts); eventJsonSchema checks the id.
      schemas[type] = eventJsonSchema(provider.id as ProviderId, type)
      files.set(eventSchemaPath(provider.id, type), jsonFile(schemas[type]))
    }
    files.set(providerPagePath(provider.id), renderProviderPage({ ...source, schemas }))
    indexEntries.push({ provider, schemas })
  }
  files.set(EVENT_INDEX_PATH, renderEventIndex(indexEntries))
  files.set(REFERENCE_INDEX_PATH, renderReferenceIndex(sources.map((source) => source.provider)))
  return files
}

/**
 * What is missing for each event: a fixture, a JSON Schema file, a section on the provider page, an entry
 * in the event index. Empty when every event is documented.
 *
 * @example
 * ```ts
 * const gaps = undocumentedEvents(sources, buildReference(sources)) // []
 * ```
 */
export function undocumentedEvents(sources: readonly ProviderSource[], files: ReadonlyMap<string, string>): string[] {
  const gaps: string[] = []
  const eventIndex = files.get(EVENT_INDEX_PATH) ?? ''
  for (const { provider, fixtures } of sources) {
    const anchors = markdownAnchors(files.get(providerPagePath(provider.id)) ?? '')
    for (const type of Object.keys(provider.events)) {
      const anchor = eventAnchor(type)
      if (!Object.hasOwn(fixtures, type)) gaps.push(`${provider.id} ${type}: no fixture`)
      if (!files.has(eventSchemaPath(provider.id, type))) gaps.push(`${provider.id} ${type}: no JSON Schema`)
      if (!anchors.has(anchor)) gaps.push(`${provider.id} ${type}: no section on ${providerPagePath(provider.id)}`)
      // A second heading with the same slug would make the event's link land on the wrong section.
      if (anchors.has(`${anchor}-1`)) gaps.push(`${provider.id} ${type}: anchor #${anchor} is not unique`)
      if (!eventIndex.includes(`${provider.id}.md#${anchor})`)) gaps.push(`${provider.id} ${type}: not in ${EVENT_INDEX_PATH}`)
    }
  }
  return gaps
}
