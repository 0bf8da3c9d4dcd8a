import pg from 'pg'
import { afterAll, beforeAll, describe } from 'vitest'
import { OVERRIDDEN_OIDS, parserOverrideCases, rawText } from './__fixtures__/parser-override-cases.js'
import { DATABASE_URL, postgresAvailable } from './__fixtures__/postgres-test-env.js'

const available = await postgresAvailable()

// pg.types.setTypeParser changes the parsers of every pool of the process that has no `types` of its own.
// vitest runs each test file in a module graph of its own, and the parsers are put back after the file.
describe.skipIf(!available)('postgres store in a process whose pg type parsers are overridden globally', () => {
  const builtIn = new Map(OVERRIDDEN_OIDS.map((oid) => [oid, pg.types.getTypeParser(oid, 'text')]))
  beforeAll(() => {
    for (const oid of OVERRIDDEN_OIDS) pg.types.setTypeParser(oid, rawText(oid))
  })
  afterAll(() => {
    for (const [oid, parse] of builtIn) pg.types.setTypeParser(oid, parse)
  })
  parserOverrideCases('every parser answering the raw text', () => new pg.Pool({ connectionString: DATABASE_URL }), { preparedOnly: true })
})
