import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { GENERATED_DIRECTORIES, buildReference, undocumentedEvents } from './build-reference.js'
import { fieldRows } from './field-rows.js'
import { findBrokenLinks } from './find-broken-links.js'
import { headingSlug, markdownAnchors } from './heading-slug.js'
import { createRepositoryReader, loadProviderSources } from './provider-sources.js'
import { providerPagePath } from './render-provider-page.js'
import { compareOutput, writeOutput } from './sync-output.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const readRepositoryFile = createRepositoryReader(root)
const sources = loadProviderSources(readRepositoryFile)
const files = buildReference(sources)

describe('the generated reference', () => {
  it('is what is committed (what `pnpm run docs --check` verifies in CI)', async () => {
    expect(await compareOutput(root, files, GENERATED_DIRECTORIES)).toEqual({ outdated: [], stale: [] })
  })

  it('documents every event and has no broken internal link', () => {
    expect(undocumentedEvents(sources, files)).toEqual([])
    expect(findBrokenLinks(files, readRepositoryFile)).toEqual([])
  })

  it('names what is missing when an event has no fixture or no section', () => {
    const [first] = sources
    const withoutFixture = { ...first!, fixtures: {} }
    const gaps = undocumentedEvents([withoutFixture], files)
    expect(gaps).toContain('automatenexus deal.won: no fixture')
    const withoutPage = new Map(files)
    withoutPage.set(providerPagePath('automatenexus'), '# AutomateNexus CRM\n\n### deal.won\n')
    expect(undocumentedEvents([first!], withoutPage)).toContain(
      'automatenexus deal.stage_changed: no section on docs/providers/automatenexus.md',
    )
  })

  it('links each provider page to its JSON Schemas and back to the indexes', () => {
    const page = files.get('docs/providers/connectgain.md')!
    expect(page).toContain('(../schemas/connectgain/deal.stage.changed.json)')
    expect(page).toContain('[Event index](../events/index.md)')
    expect(page).toMatch(/^---\ntitle: ConnectGain\n/)
    expect(page).toContain('DO NOT EDIT')
  })
})

describe('findBrokenLinks', () => {
  const pages = new Map([
    ['docs/a.md', '# A\n\n## Deal events\n\n[ok](b.md#dealwon) [self](#deal-events) [web](https://example.com/x)\n'],
    ['docs/b.md', '# B\n\n### deal.won\n\n[gone](missing.md) [no anchor](a.md#nope)\n\n```md\n[in code](nowhere.md)\n```\n`[inline](nowhere.md)`\n'],
  ])

  it('reports missing files and missing anchors, and nothing in code or external', () => {
    expect(findBrokenLinks(pages, () => undefined)).toEqual([
      { file: 'docs/b.md', link: 'missing.md', reason: 'no such file' },
      { file: 'docs/b.md', link: 'a.md#nope', reason: 'no heading #nope in docs/a.md' },
    ])
  })
})

describe('headings and fields', () => {
  it('slugs headings as GitHub and TypeDoc do, de-duplicating repeats', () => {
    expect(headingSlug('deal.stage.changed')).toBe('dealstagechanged')
    expect(headingSlug('Choices made where the seed is vague')).toBe('choices-made-where-the-seed-is-vague')
    expect([...markdownAnchors('# Events\n## Events\n```\n# not a heading\n```\n<a id="x.y"></a>\n')]).toEqual(['events', 'events-1', 'x.y'])
  })

  it('flattens nested objects and arrays of objects into dotted rows', () => {
    const rows = fieldRows({
      type: 'object',
      required: ['lead_id'],
      properties: {
        lead_id: { type: 'string', description: 'Lead' },
        messages: { type: 'array', items: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } } },
        owner: { anyOf: [{ type: 'object', properties: { id: { type: 'string' } } }, { type: 'null' }] },
        // A user object or its id, or null; and an array of them.
        assigned_to: { anyOf: [{ anyOf: [{ type: 'object', properties: { name: { type: 'string' } } }, { type: 'string' }] }, { type: 'null' }] },
        users: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'object', properties: { email: { type: 'string' } } }] } },
        custom_fields: { anyOf: [{ type: 'object', additionalProperties: {} }, { type: 'array', items: false, maxItems: 0 }] },
      },
    })
    expect(rows.map((row) => [row.path, row.type, row.required])).toEqual([
      ['lead_id', 'string', true],
      ['messages', 'array of object', false],
      ['messages[].text', 'string', true],
      ['owner', 'object | null', false],
      ['owner.id', 'string', false],
      ['assigned_to', 'object | string | null', false],
      ['assigned_to.name', 'string', false],
      ['users', 'array of (string | object)', false],
      ['users[].email', 'string', false],
      ['custom_fields', 'record of any | empty array', false],
    ])
  })
})

describe('compareOutput and writeOutput', () => {
  let directory: string | undefined
  afterEach(async () => {
    if (directory) await rm(directory, { recursive: true, force: true })
  })

  it('finds outdated and stale files, and writing makes the tree match', async () => {
    directory = await mkdtemp(join(tmpdir(), 'crm-webhooks-docs-'))
    const generated = new Map([
      ['docs/schemas/p/a.json', '{"a":1}\n'],
      ['docs/index.md', '# Index\n'],
    ])
    await mkdir(join(directory, 'docs/schemas/p'), { recursive: true })
    await writeFile(join(directory, 'docs/schemas/p/a.json'), '{"a":0}\n')
    await writeFile(join(directory, 'docs/schemas/p/removed-event.json'), '{}\n')
    const difference = await compareOutput(directory, generated, ['docs/schemas'])
    expect(difference).toEqual({ outdated: ['docs/index.md', 'docs/schemas/p/a.json'], stale: ['docs/schemas/p/removed-event.json'] })
    await writeOutput(directory, generated, difference)
    expect(await compareOutput(directory, generated, ['docs/schemas'])).toEqual({ outdated: [], stale: [] })
    expect(await readFile(join(directory, 'docs/index.md'), 'utf8')).toBe('# Index\n')
  })
})
