import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url))

// Workspace packages resolve to their TypeScript sources, so tests never need a build first.
const alias = [
  { find: /^@crm-webhooks\/core\/testing\/stores$/, replacement: `${packagesDir}core/src/testing/stores.ts` },
  { find: /^@crm-webhooks\/core\/(testing|providers)$/, replacement: `${packagesDir}core/src/$1/index.ts` },
  { find: /^@crm-webhooks\/([a-z-]+)$/, replacement: `${packagesDir}$1/src/index.ts` },
]

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'packages',
          include: ['packages/*/src/**/*.test.ts', 'examples/*/**/*.test.ts', 'scripts/**/*.test.ts'],
          typecheck: { enabled: true, include: ['packages/*/src/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
})
