// API.md §16: a fresh site has a small gift catalogue, its pictures served by the site itself
// (public/img/gifts/, inside dist/parley too). Added here, and only when the catalogue is empty:
// a migration runs once per database, so gifts an admin retires are never put back. Gifts are
// retired (deleted_at), not deleted: the gifts people received keep pointing at them.
import type { Kysely } from 'kysely'

// Prices in coins: the first within one free claim (3), the dearest a few days of claims.
const DEFAULT_GIFTS = [
  { name: 'Heart', image_url: '/img/gifts/heart.svg', price: 1 },
  { name: 'Coffee', image_url: '/img/gifts/coffee.svg', price: 2 },
  { name: 'Flower', image_url: '/img/gifts/flower.svg', price: 3 },
  { name: 'Cake', image_url: '/img/gifts/cake.svg', price: 5 },
  { name: 'Trophy', image_url: '/img/gifts/trophy.svg', price: 10 },
]

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('gifts').addColumn('deleted_at', 'integer').execute()
  const any = await db.selectFrom('gifts').select('id').limit(1).executeTakeFirst()
  if (any) return
  const now = Date.now()
  await db.insertInto('gifts').values(DEFAULT_GIFTS.map((g) => ({ ...g, created_at: now }))).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('gifts').dropColumn('deleted_at').execute()
}
