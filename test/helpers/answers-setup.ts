// vitest's setupFiles: after each test file, the answers its Clients received are checked
// against the API description (helpers/answers.ts).
import { afterAll } from 'vitest'
import { checkRecordedAnswers } from './answers.js'

// 120 s: building the document and compiling its schemas, on a loaded box.
afterAll(() => checkRecordedAnswers(), 120_000)
