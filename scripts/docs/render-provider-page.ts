/**
 * The reference page of one provider: a summary, the event list, the provider's README (how it signs,
 * headers, envelope, the choices made), then every event with its fields, an example body and a link to
 * its JSON Schema.
 *
 * @module
 */
import { posix } from 'node:path'
import type { Provider } from '@crm-webhooks/core'
import { eventSchemaPath } from './event-schema-path.js'
import { fieldRows } from './field-rows.js'
import { headingSlug } from './heading-slug.js'
import { markdownTable } from './markdown-table.js'

/** Everything a provider page is made from. */
export interface ProviderPageInput {
  readonly provider: Provider
  /** The export name in `@crm-webhooks/core/providers`, e.g. `workflowPlatform`. */
  readonly exportName: string
  /** The provider folder's README.md. */
  readonly readme: string
  /** The JSON Schema of each event's data, by event name. */
  readonly schemas: Readonly<Record<string, Record<string, unknown>>>
  /** A fixture per event, by event name. */
  readonly fixtures: Readonly<Record<string, unknown>>
}

/** Fixed inputs so the example bodies, and hence the committed pages, are reproducible. */
const EXAMPLE_ID = 'evt_01HZX4Q8J0K3M5N7P9R1S3T5V7'
const EXAMPLE_TIME = new Date('2026-03-21T15:00:00.000Z')

/**
 * The page's path relative to the repository root.
 *
 * @example
 * ```ts
 * providerPagePath('autorespond') // 'docs/providers/autorespond.md'
 * ```
 */
export function providerPagePath(providerId: string): string {
  return `docs/providers/${providerId}.md`
}

/**
 * A link from one repository file to another, relative to the first one's folder.
 *
 * @example
 * ```ts
 * relativeLink('docs/providers/connectgain.md', 'docs/schemas/connectgain/deal.updated.json') // '../schemas/connectgain/deal.updated.json'
 * ```
 */
export function relativeLink(fromFile: string, toFile: string): string {
  return posix.relative(posix.dirname(fromFile), toFile)
}

/**
 * The anchor of an event's section on its provider page.
 *
 * @example
 * ```ts
 * eventAnchor('deal.stage_changed') // 'dealstage_changed'
 * ```
 */
export function eventAnchor(eventType: string): string {
  return headingSlug(eventType)
}

/**
 * What the tables check and what they only describe: a format named in a description is the provider's,
 * and checking it would turn a field sent another way into a lost delivery.
 */
const EVENT_REFERENCE_NOTE =
  'The type column is what the receiver checks. A format named in a description (ISO 8601, a numeric string) is what the ' +
  'provider sends and is not checked: a field written another way passes as its type allows, rather than cost the delivery.'

/** The README split into its opening `Source: ...` line and the rest, without the title the page replaces. */
function readmeParts(readme: string): { source: string; body: string } {
  const withoutTitle = readme.replace(/^# .*\n+/, '').trim()
  const source = /^Source: [^\n]*/.exec(withoutTitle)?.[0] ?? ''
  return { source, body: withoutTitle.slice(source.length).trim() }
}

function eventDescription(schema: Record<string, unknown>): string {
  return typeof schema.description === 'string' ? schema.description : ''
}

function exampleBody(provider: Provider, eventType: string, data: unknown): string {
  const composed = provider.compose?.({ type: eventType, data, id: EXAMPLE_ID, occurredAt: EXAMPLE_TIME })
  return JSON.stringify(composed ? composed.payload : data, null, 2)
}

function eventSection(input: ProviderPageInput, eventType: string): string {
  const schema = input.schemas[eventType]!
  const rows = fieldRows(schema).map((row) => [`\`${row.path}\``, row.type, row.required ? 'yes' : '', row.description])
  return [
    `### ${eventType}`,
    eventDescription(schema),
    `JSON Schema of \`data\`: [${eventType}.json](${relativeLink(providerPagePath(input.provider.id), eventSchemaPath(input.provider.id, eventType))})`,
    markdownTable(['Field', 'Type', 'Required', 'Description'], rows),
    `Example body (as posted, envelope included):`,
    '```json\n' + exampleBody(input.provider, eventType, input.fixtures[eventType]) + '\n```',
  ].join('\n\n')
}

/**
 * Renders the markdown page of one provider.
 *
 * @example
 * ```ts
 * const page = renderProviderPage({ provider: automatenexus, exportName: 'automatenexus', readme, schemas, fixtures })
 * ```
 */
export function renderProviderPage(input: ProviderPageInput): string {
  const { provider } = input
  const eventTypes = Object.keys(provider.events)
  const summary = markdownTable(
    ['', ''],
    [
      ['Provider id', `\`${provider.id}\``],
      ['Import', `\`import { ${input.exportName} } from '@crm-webhooks/core/providers'\``],
      ['Signature header', `\`${provider.scheme.signatureHeader}\` (${provider.scheme.kind})`],
      ['Signed timestamp checked', provider.scheme.checksTimestamp ? 'yes' : 'no'],
      ['Methods', (provider.methods ?? ['POST']).join(', ')],
      ['Bodies', (provider.contentTypes ?? ['json']).map((type) => (type === 'json' ? 'JSON' : 'form-urlencoded')).join(', ')],
      ['Events', String(eventTypes.length)],
    ],
  )
  const eventList = markdownTable(
    ['Event', 'Description'],
    eventTypes.map((type) => [`[${type}](#${eventAnchor(type)})`, eventDescription(input.schemas[type]!)]),
  )
  const readme = readmeParts(input.readme)
  return [
    `---\ntitle: ${provider.name}\ngroup: Providers\n---`,
    `<!-- Generated by scripts/generate-docs.ts from packages/core/src/providers/${provider.id}/ (README.md, events.ts, fixtures.ts). DO NOT EDIT: edit those and run \`pnpm run docs\`. -->`,
    `# ${provider.name}`,
    `[Reference index](../index.md) · [Event index](../events/index.md)`,
    ...(readme.source ? [readme.source] : []),
    summary,
    `## Events`,
    eventList,
    readme.body,
    `## Event reference`,
    EVENT_REFERENCE_NOTE,
    ...eventTypes.map((type) => eventSection(input, type)),
  ].join('\n\n') + '\n'
}
