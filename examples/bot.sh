#!/usr/bin/env bash
# A Parley bot in bash with curl and jq. It signs in, joins a room, and answers every message
# there that mentions it (@name), following the poll protocol of docs/events.md: the cursor is
# kept in a file across restarts of the bot, 410 → start again from a fresh cursor, 401 → sign in
# again, backoff on errors, Retry-After on 429. Each answer is sent with a client_id made from
# the message it answers, so an answer sent again is never posted twice.
#
#   PARLEY_URL=http://localhost:8080 BOT_LOGIN=echo BOT_PASSWORD='…' BOT_ROOM=Lobby bash examples/bot.sh
#
# Settings (environment), as examples/bot.mjs: PARLEY_URL, BOT_LOGIN + BOT_PASSWORD (or BOT_NAME
# for a guest), BOT_ROOM, BOT_STATE (the cursor file; the cookie jar is "$BOT_STATE.cookies"),
# POLL_TIMEOUT.
set -uo pipefail

BASE="${PARLEY_URL:-http://localhost:8080}"
BASE="${BASE%/}"
ROOM="${BOT_ROOM:-Lobby}"
STATE="${BOT_STATE:-./parley-bot.state}"
JAR="$STATE.cookies"
POLL_TIMEOUT="${POLL_TIMEOUT:-25}"
MAX_BACKOFF=30
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
trap 'log "stopping"; exit 0' INT TERM

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $*"; }

# call METHOD PATH [JSON] [MAX_SECONDS]: sets STATUS (000 when the request failed), BODY (the
# answer) and RETRY_AFTER; the cookie jar keeps the session.
call() {
  local method="$1" path="$2" json="${3:-}" max="${4:-30}"
  local args=(-sS -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' -b "$JAR" -c "$JAR" --max-time "$max" -X "$method" -H 'accept: application/json')
  if [ -n "$json" ]; then args+=(-H 'content-type: application/json' --data-binary "$json"); fi
  : >"$WORK/body"
  : >"$WORK/headers"
  STATUS="$(curl "${args[@]}" "$BASE$path" 2>"$WORK/curl-error")" || STATUS=000
  BODY="$(cat "$WORK/body")"
  RETRY_AFTER="$(tr -d '\r' <"$WORK/headers" | awk -F': ' 'tolower($1) == "retry-after" { print $2 }' | tail -1)"
  RETRY_AFTER="${RETRY_AFTER:-1}"
}

# request METHOD PATH [JSON] [MAX_SECONDS]: call until it is answered; 401 → sign in again,
# 429/503 → wait Retry-After, network errors and 5xx → back off. Returns 1 for another 4xx.
request() {
  local backoff=1
  while :; do
    call "$@"
    case "$STATUS" in
      2??) return 0 ;;
      401) log "session ended: signing in again"; sign_in ;;
      429 | 503) log "$STATUS: waiting ${RETRY_AFTER}s"; sleep "$RETRY_AFTER" ;;
      000 | 408 | 5??)
        log "request failed ($STATUS): retrying in ${backoff}s"
        sleep "$backoff"
        backoff=$((backoff * 2 > MAX_BACKOFF ? MAX_BACKOFF : backoff * 2))
        ;;
      *) return 1 ;;
    esac
  done
}

sign_in() {
  local backoff=1 json
  if [ -n "${BOT_PASSWORD:-}" ]; then
    json="$(jq -nc --arg login "${BOT_LOGIN:?BOT_LOGIN is needed with BOT_PASSWORD}" --arg password "$BOT_PASSWORD" '{login: $login, password: $password}')"
    path=/api/auth/login
  else
    json="$(jq -nc --arg name "${BOT_NAME:-echo-bot}" '{name: $name}')"
    path=/api/auth/guest
  fi
  while :; do
    call POST "$path" "$json"
    case "$STATUS" in
      2??) break ;;
      429 | 503) sleep "$RETRY_AFTER" ;;
      000 | 5??) sleep "$backoff"; backoff=$((backoff * 2 > MAX_BACKOFF ? MAX_BACKOFF : backoff * 2)) ;;
      *) log "cannot sign in: $STATUS $BODY"; exit 1 ;;
    esac
  done
  ME_ID="$(jq -r '.data.user.id' <<<"$BODY")"
  ME_NAME="$(jq -r '.data.user.username // .data.user.name' <<<"$BODY")"
  log "signed in as $ME_NAME (#$ME_ID)"
}

join_room() {
  request GET "/api/rooms?per_page=100&q=$(jq -rn --arg q "$ROOM" '$q | @uri')" || { log "cannot list rooms: $STATUS $BODY"; exit 1; }
  ROOM_ID="$(jq -r --arg name "$ROOM" '[.data.rooms[] | select(.name == $name)][0].id // empty' <<<"$BODY")"
  if [ -z "$ROOM_ID" ]; then
    request POST /api/rooms "$(jq -nc --arg name "$ROOM" '{name: $name}')" || { log "cannot create the room: $STATUS $BODY"; exit 1; }
    ROOM_ID="$(jq -r '.data.room.id' <<<"$BODY")"
  fi
  request POST "/api/rooms/$ROOM_ID/join" || { log "cannot join: $STATUS $BODY"; exit 1; }
  log "in room $ROOM (#$ROOM_ID)"
}

# Written aside, then renamed: a crash leaves the old cursor or the new, never half a file.
save_cursor() {
  jq -nc --arg cursor "$CURSOR" '{cursor: $cursor}' >"$STATE.tmp" && mv "$STATE.tmp" "$STATE"
}

fresh_cursor() {
  request GET /api/poll || { log "cannot take a cursor: $STATUS $BODY"; exit 1; }
  CURSOR="$(jq -r '.data.cursor' <<<"$BODY")"
  save_cursor
}

# Answers each message of the room, by someone else, that mentions @ME_NAME.
handle() {
  jq -c --argjson room "$ROOM_ID" --argjson me "$ME_ID" --arg name "$ME_NAME" '
    .data.events[]
    | select(.type == "message.created") | .data.message
    | select(.room_id == $room and .kind == "user" and .author_id != $me and (.text // "" | test("(^|[^\\w.-])@" + ($name | gsub("(?<c>[^A-Za-z0-9_])"; "\\\(.c)")) + "(?![\\w-])"; "i")))
    | {id, text}' <<<"$1" | while read -r message; do
    local id text reply
    id="$(jq -r '.id' <<<"$message")"
    text="$(jq -r '.text | gsub("\\s+"; " ") | .[0:200]' <<<"$message")"
    reply="$(jq -nc --arg text "heard you: $text" --argjson id "$id" '{text: $text, reply_to_id: $id, client_id: "reply-\($id)"}')"
    if request POST "/api/rooms/$ROOM_ID/messages" "$reply"; then log "answered message $id"; else log "could not answer $id: $STATUS $BODY"; fi
  done
}

sign_in
# The cursor first, then the room: nothing said in the room after joining is missed.
CURSOR="$(jq -r '.cursor // empty' "$STATE" 2>/dev/null || true)"
if [ -z "$CURSOR" ]; then fresh_cursor; fi
join_room
# A poll that failed after being held a second or more was cut while waiting (a proxy's idle
# limit, a restart): it is asked again at once, without the backoff of other failures.
poll() {
  local path="/api/poll?cursor=$(jq -rn --arg c "$CURSOR" '$c | @uri')&timeout=$POLL_TIMEOUT" started
  while :; do
    started="$(date +%s%3N)"
    call GET "$path" "" "$((POLL_TIMEOUT + 15))"
    case "$STATUS" in
      000 | 502 | 504) if [ $(($(date +%s%3N) - started)) -ge 1000 ]; then log "poll cut: asking again"; continue; fi ;;
    esac
    case "$STATUS" in
      2??) return 0 ;;
      000 | 401 | 408 | 429 | 5??) request GET "$path" "" "$((POLL_TIMEOUT + 15))"; return ;;
      *) return 1 ;;
    esac
  done
}

log "polling"
while :; do
  if ! poll; then
    code="$(jq -r '.error.code // empty' <<<"$BODY" 2>/dev/null)"
    if [ "$STATUS" = 410 ] || [ "$code" = invalid_cursor ]; then
      log "$code: starting again from a fresh cursor"
      fresh_cursor
      join_room
      continue
    fi
    log "poll refused: $STATUS $BODY"
    exit 1
  fi
  handle "$BODY"
  CURSOR="$(jq -r '.data.cursor' <<<"$BODY")"
  save_cursor
done
