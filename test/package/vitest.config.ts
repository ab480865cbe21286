// npm run test:package: the tests of dist/parley alone (kept out of `npm test`, which must not
// wait minutes for a build; .ci/run runs both).
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/package/**/*.e2e.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
