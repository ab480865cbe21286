// The Postgres run of the suite (`npm run test:postgres`): each test server gets a schema of its
// own in the run's database (test/postgres/setup.ts) on the local PostgreSQL (trust auth, user
// postgres), dropped when the server is closed.
import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** True in the Postgres run. */
export const onPostgres = process.env.TEST_DATABASE === 'postgres'

// The server and role the run's database lives on.
const SERVER = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432'

/** Runs one statement on the given database of the test server. */
export async function queryOn(database: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: `${SERVER}/${database}` })
  await client.connect()
  try {
    return await client.query(text)
  } finally {
    await client.end()
  }
}

/** Runs one statement on the maintenance database. */
export const adminQuery = (text: string) => queryOn('postgres', text)

export type TestDatabase = { name: string; url: string; drop: () => Promise<void> }

/** A new, empty schema with a random name, and a DATABASE_URL whose connections use it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const database = process.env.TEST_POSTGRES_DATABASE
  if (!database) throw new Error('the Postgres run makes its database in test/postgres/setup.ts: run it with npm run test:postgres')
  const name = `s_${randomBytes(8).toString('hex')}`
  await queryOn(database, `create schema ${name}`)
  const options = encodeURIComponent(`-c search_path=${name},public`)
  return { name, url: `${SERVER}/${database}?options=${options}`, drop: () => queryOn(database, `drop schema if exists ${name} cascade`).then(() => undefined) }
}
