// vitest's setupFiles: after each test file, the answers its Clients received are checked
// against the API description (helpers/answers.ts). Imported only then: a setup file's static
// imports load before the test file's vi.mock applies, so importing the app here would hand every
// test the real modules it means to mock (test/passwords.test.ts mocks accounts/crypto.js).
import { afterAll } from 'vitest'

// 120 s: building the document and compiling its schemas, on a loaded box.
afterAll(async () => (await import('./answers.js')).checkRecordedAnswers(), 120_000)
