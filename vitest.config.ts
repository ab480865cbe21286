// npm test: every test file's answers are checked against /api/openapi.json after it runs.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    setupFiles: ['test/helpers/answers-setup.ts'],
  },
})
