import { smokeTestExample } from '../../smoke-test/src/smoke-test-example.js'

smokeTestExample(new URL('..', import.meta.url))
