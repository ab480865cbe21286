// The Postgres run's database: created with a random name before any test file, dropped after
// the last. Test servers each get a schema of their own in it (helpers/postgres.ts): a database
// each would cost a CREATE and a DROP DATABASE (a checkpoint) per server.
import { randomBytes } from 'node:crypto'
import { adminQuery, queryOn } from '../helpers/postgres.js'

export async function setup() {
  const name = `parley_test_${randomBytes(8).toString('hex')}`
  await adminQuery(`create database ${name}`)
  // citext (usernames): in public, which every test schema's search_path ends with.
  await queryOn(name, 'create extension if not exists citext')
  process.env.TEST_POSTGRES_DATABASE = name
  return async () => {
    await adminQuery(`drop database if exists ${name} with (force)`)
  }
}
