// Every migration, in order. Append a new numbered file and list it here; never edit a shipped one.
import type { Migration } from 'kysely'
import * as m0001 from './0001_accounts.js'
import * as m0002 from './0002_events.js'
import * as m0003 from './0003_rooms_messages.js'
import * as m0004 from './0004_dialogs_moderation.js'
import * as m0005 from './0005_coins_uploads_calls.js'
import * as m0006 from './0006_edits_reactions_search.js'
import * as m0007 from './0007_event_positions.js'
import * as m0008 from './0008_sessions_revoked.js'
import * as m0009 from './0009_files.js'
import * as m0010 from './0010_gift_catalogue.js'
import * as m0011 from './0011_search_pending.js'
import * as m0012 from './0012_search_index.js'
import * as m0013 from './0013_direct_indexes_partial.js'
import * as m0014 from './0014_search_newest_first.js'
import * as m0015 from './0015_search_indexed_through.js'
import * as m0016 from './0016_room_members_version.js'

export const migrations: Record<string, Migration> = {
  '0001_accounts': m0001,
  '0002_events': m0002,
  '0003_rooms_messages': m0003,
  '0004_dialogs_moderation': m0004,
  '0005_coins_uploads_calls': m0005,
  '0006_edits_reactions_search': m0006,
  '0007_event_positions': m0007,
  '0008_sessions_revoked': m0008,
  '0009_files': m0009,
  '0010_gift_catalogue': m0010,
  '0011_search_pending': m0011,
  '0012_search_index': m0012,
  '0013_direct_indexes_partial': m0013,
  '0014_search_newest_first': m0014,
  '0015_search_indexed_through': m0015,
  '0016_room_members_version': m0016,
}
