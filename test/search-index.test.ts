// The SQLite search index's pieces: hasWord (how a word longer than the index's prefixes is checked,
// store/sqlite-search.ts) agrees with highlight, and migrations 0012 and 0014 rebuild the index both ways.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Migrator, sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { migrations } from '../migrations/index.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { openDatabase } from '../src/db/open.js'
import { hasWord, highlight, highlightWords } from '../src/search/terms.js'
import { FLUSH_SEARCH_INDEX, FLUSH_SEARCH_INDEX_DUE, INDEX_EVERY, ROWID_BASE } from '../src/store/sqlite-search.js'

describe('hasWord', () => {
  it('finds a word starting with the term (one letter: the whole word) exactly where highlight marks one', () => {
    const texts = ['Deployment failed, redeploy!', 'le déploiement a réussi', 'x-ray of X', 'ÉCOLE 42ème', 'mid deploy…deployed', 'ab12cd 12ab']
    const terms = ['deplo', 'deploiement', 'redep', 'x', 'ray', 'ecole', '42', 'eme', 'ab', '12', 'cd', 'ploy', 'a']
    for (const text of texts) {
      for (const term of terms) expect(hasWord(text, term), `${term} in ${text}`).toBe(highlight(text, [term]).includes('<mark>'))
    }
  })
})

describe('highlight', () => {
  it('marks words in any case, with or without diacritics, and escapes the rest', () => {
    expect(highlight('DEPLOY <now>, Deployed & redeploy', ['deploy'])).toBe('<mark>DEPLOY</mark> &lt;now&gt;, <mark>Deployed</mark> &amp; redeploy')
    expect(highlight('Le DÉPLOIEMENT, déployé', ['deploi', 'deploy'])).toBe('Le <mark>DÉPLOIEMENT</mark>, <mark>déployé</mark>')
    expect(highlight('A a ab', ['a'])).toBe('<mark>A</mark> <mark>a</mark> ab')
  })

  it('marks ASCII text (read by character codes) exactly as it marks words found by the regular expression', () => {
    const texts = ['DEPLOY <now>, Deployed & redeploy', 'a b ab ba A', 'x1 1x x-1 "q" \'s\'', 'Deplo', 'deplo.', 'tail deplo', '', '  ', '<>&"\'', 'serv9 9serv server9s', 'end a']
    const terms = [['deploy'], ['deplo', 'redep'], ['a'], ['b', 'ab'], ['x', '1'], ['q', 's'], ['deplo'], ['serv', '9'], ['ploy'], ['é'], ['deploymentlong']]
    for (const text of texts) {
      for (const t of terms) expect(highlight(text, t), `${t.join(' ')} in ${text}`).toBe(highlightWords(text, t))
    }
  })
})

describe('migration 0012 (SQLite)', () => {
  let dir = ''
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('rebuilds the index with the messages already there without the pending table, and its down brings back the index and table it replaced', async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-search-index-'))
    const { db, close } = openDatabase(join(dir, 'parley.db'))
    try {
      // The migrations up to 0011, then 0012 alone (later ones are not this test's).
      const upTo = (last: string) => Object.fromEntries(Object.entries(migrations).filter(([name]) => name <= last))
      const with0012 = upTo('0012_search_index')
      await migrateToLatest(db, upTo('0011_search_pending'))
      await sql`insert into users (kind, guest_name, created_at) values ('guest', 'a', 0)`.execute(db)
      await sql`insert into messages (author_id, recipient_id, peer_lo, peer_hi, text, kind, created_at) values (1, 1, 1, 1, 'Deployment done', 'user', 0), (1, 1, 1, 1, 'Deploy later', 'user', 0)`.execute(db)
      // The store indexes what the triggers noted at the end of its group (0011); these wait.
      await sql`insert into messages_fts (rowid, text) select id, text from messages`.execute(db)
      await sql`delete from messages_fts_pending`.execute(db)
      const hits = async (q: string) => (await sql<{ id: number }>`select rowid as id from messages_fts where messages_fts match ${q} order by rowid`.execute(db)).rows.map((r) => r.id)
      const tables = async () => (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)).rows.map((r) => r.name)
      const prefixes = async () => (await sql<{ v: string }>`select sql as v from sqlite_master where name = 'messages_fts'`.execute(db)).rows[0]!.v.match(/prefix='([^']*)'/)![1]

      expect(await migrateToLatest(db, with0012)).toEqual(['0012_search_index'])
      expect(await prefixes()).toBe('2 3 4 5')
      expect(await hits('"deplo"*')).toEqual([1, 2])
      expect(await hits('"deploym"*')).toEqual([1])
      // Nothing noted per message any more (store/sqlite-search.ts FLUSH_SEARCH_INDEX).
      expect(await tables()).not.toContain('messages_fts_pending')

      const down = await new Migrator({ db, provider: { getMigrations: async () => with0012 } }).migrateDown()
      expect(down.error).toBeUndefined()
      expect(await prefixes()).toBe('2 3')
      expect(await hits('"deplo"*')).toEqual([1, 2])
      expect(await hits('"later"')).toEqual([2])
      expect(await tables()).toContain('messages_fts_pending')
      await sql`insert into messages (author_id, recipient_id, peer_lo, peer_hi, text, kind, created_at) values (1, 1, 1, 1, 'noted', 'user', 0)`.execute(db)
      expect((await sql<{ id: number }>`select id from messages_fts_pending`.execute(db)).rows).toEqual([{ id: 3 }])
    } finally {
      await close()
    }
  })
})

describe('migration 0014 (SQLite)', () => {
  let dir = ''
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('keys the index newest first (rowid 2^32 - id) with edits and deletes kept in step, and its down brings back rowid = id', async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-search-index-'))
    const { db, close } = openDatabase(join(dir, 'parley.db'))
    try {
      const upTo = (last: string) => Object.fromEntries(Object.entries(migrations).filter(([name]) => name <= last))
      const with0014 = upTo('0014_search_newest_first')
      await migrateToLatest(db, upTo('0013_direct_indexes_partial'))
      await sql`insert into users (kind, guest_name, created_at) values ('guest', 'a', 0)`.execute(db)
      const insert = (text: string) => sql`insert into messages (author_id, recipient_id, peer_lo, peer_hi, text, kind, created_at) values (1, 1, 1, 1, ${text}, 'user', 0)`.execute(db)
      for (const text of ['Deployment done', 'Deploy later', 'Deploy gone']) await insert(text)
      await sql`insert into messages_fts (rowid, text) select id, text from messages`.execute(db)
      const rowids = async (q: string) => (await sql<{ id: number }>`select rowid as id from messages_fts where messages_fts match ${q} order by rowid`.execute(db)).rows.map((r) => r.id)
      const base = 2 ** 32

      expect(await migrateToLatest(db, with0014)).toEqual(['0014_search_newest_first'])
      expect(base).toBe(ROWID_BASE)
      // Newest first in FTS5's own order.
      expect(await rowids('"deplo"*')).toEqual([base - 3, base - 2, base - 1])
      await sql`update messages set text = 'Rollout later' where id = 2`.execute(db)
      await sql`delete from messages where id = 3`.execute(db)
      expect(await rowids('"deplo"*')).toEqual([base - 1])
      expect(await rowids('"rollo"*')).toEqual([base - 2])
      // A message above the index's newest waits for the store's flush, edited or not.
      await insert('Deploy pending')
      await sql`update messages set text = 'Deploy edited' where id = 4`.execute(db)
      expect(await rowids('"deplo"*')).toEqual([base - 1])
      // 0014's flush: everything above the index's newest message.
      await sql`insert into messages_fts (rowid, text) select ${base} - id, text from messages
        where id > ${base} - (select coalesce(min(id), ${base}) from messages_fts_docsize) and kind = 'user' and text is not null and deleted_at is null order by id desc`.execute(db)
      expect(await rowids('"deplo"*')).toEqual([base - 4, base - 1])
      expect(await rowids('"edited"')).toEqual([base - 4])

      const down = await new Migrator({ db, provider: { getMigrations: async () => with0014 } }).migrateDown()
      expect(down.error).toBeUndefined()
      expect(await rowids('"deplo"*')).toEqual([1, 4])
      await sql`update messages set text = 'Rollout again' where id = 1`.execute(db)
      expect(await rowids('"rollo"*')).toEqual([1, 2])
    } finally {
      await close()
    }
  })
})

describe('migration 0015 (SQLite)', () => {
  let dir = ''
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it("records how far the index has read; the store's flush moves it past service messages too, and only when due; its down goes back to 0014's trigger", async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-search-index-'))
    const { db, close } = openDatabase(join(dir, 'parley.db'))
    try {
      const upTo = (last: string) => Object.fromEntries(Object.entries(migrations).filter(([name]) => name <= last))
      const with0015 = upTo('0015_search_indexed_through')
      await migrateToLatest(db, upTo('0014_search_newest_first'))
      await sql`insert into users (kind, guest_name, created_at) values ('guest', 'a', 0)`.execute(db)
      const insert = (text: string | null, kind = 'user') =>
        sql`insert into messages (author_id, recipient_id, peer_lo, peer_hi, text, kind, created_at) values (1, 1, 1, 1, ${text}, ${kind}, 0)`.execute(db)
      for (const text of ['Deploy one', 'Deploy two']) await insert(text)
      await insert('joined', 'service')
      await sql`insert into messages_fts (rowid, text) select ${ROWID_BASE} - id, text from messages where kind = 'user' order by id desc`.execute(db)
      // Newest first.
      const ids = async (q: string) => (await sql<{ id: number }>`select ${ROWID_BASE} - rowid as id from messages_fts where messages_fts match ${q} order by rowid`.execute(db)).rows.map((r) => r.id)
      const through = async () => (await sql<{ through: number }>`select through from search_index_state`.execute(db)).rows[0]!.through
      const flush = async (queries: typeof FLUSH_SEARCH_INDEX) => {
        for (const q of queries) await db.executeQuery(q)
      }

      expect(await migrateToLatest(db, with0015)).toEqual(['0015_search_indexed_through'])
      // The index's newest message: the service message after it is read again by the next flush.
      expect(await through()).toBe(2)
      await sql`update messages set text = 'Rollout two' where id = 2`.execute(db)
      expect(await ids('"rollo"*')).toEqual([2])
      // Above `through`: written as it is when the flush comes, not by the trigger.
      await insert(null)
      await insert('Deploy four')
      await sql`update messages set text = 'Deploy three' where id = 4`.execute(db)
      await sql`update messages set text = 'Rollout four' where id = 5`.execute(db)
      for (let i = 0; i < 3; i++) await insert('left', 'service')
      expect(await ids('"deplo"*')).toEqual([1])
      // Not due: fewer than INDEX_EVERY ids above `through`.
      await flush(FLUSH_SEARCH_INDEX_DUE)
      expect(await through()).toBe(2)
      expect(await ids('"rollo"*')).toEqual([2])
      await flush(FLUSH_SEARCH_INDEX)
      expect(await ids('"rollo"*')).toEqual([5, 2])
      expect(await ids('"deplo"*')).toEqual([4, 1])
      expect(await through()).toBe(8)
      // Due once INDEX_EVERY ids lie above `through`, service messages among them.
      for (let i = 0; i < INDEX_EVERY - 1; i++) await insert('left', 'service')
      await insert('Deploy last')
      await flush(FLUSH_SEARCH_INDEX_DUE)
      expect(await through()).toBe(8 + INDEX_EVERY)
      expect(await ids('"deplo"*')).toEqual([8 + INDEX_EVERY, 4, 1])
      // A message the flush read without text (an attachment) and that gets one later: below `through`, so indexed at once.
      const bare = 8 + INDEX_EVERY + 1
      await insert(null)
      for (let i = 0; i < INDEX_EVERY - 1; i++) await insert('left', 'service')
      await flush(FLUSH_SEARCH_INDEX_DUE)
      expect(await through()).toBe(bare + INDEX_EVERY - 1)
      await sql`update messages set text = 'Rollout late' where id = ${bare}`.execute(db)
      expect(await ids('"rollo"*')).toEqual([bare, 5, 2])

      const down = await new Migrator({ db, provider: { getMigrations: async () => with0015 } }).migrateDown()
      expect(down.error).toBeUndefined()
      expect((await sql<{ name: string }>`select name from sqlite_master where name = 'search_index_state'`.execute(db)).rows).toEqual([])
      // 0014's trigger: at or below the index's newest message, an edit changes the index at once.
      await sql`update messages set text = 'Rollout one' where id = 1`.execute(db)
      expect(await ids('"rollo"*')).toEqual([bare, 5, 2, 1])
    } finally {
      await close()
    }
  })
})
