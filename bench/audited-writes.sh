#!/usr/bin/env bash
# bench/audited-writes.sh: throughput of audited writes, with and without group commit.
#
# Every view of a sensitive contact is an audit event committed with the answer, so GET
# /api/v1/contacts/{id} as an SCR caseworker is one write-lane job per request. wrk drives it from
# 64 connections on loopback, against the real server on SQLite (WAL, synchronous=FULL) in a scratch
# folder, first with CASEWORK_WRITE_BATCH=1 (one commit and fsync per request) and then with the
# default 64 (requests queued together share one commit). It prints requests per second and latency
# for each, and checks the audit chain afterwards.
#
#   bench/audited-writes.sh            (DURATION=20s CONNECTIONS=64 THREADS=2 to change the load)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
. bench/lib/server.sh

run() {
  local batch="$1" token id
  start_server CASEWORK_WRITE_BATCH="$batch"
  token=$(curl -sf -X POST "$BASE/api/v1/auth/tokens" -H 'Content-Type: application/json' \
    -d '{"staffId":"30000003","password":"Casework-Demo-2026"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  id=$(curl -sf "$BASE/api/v1/contacts?q=AB123456C" -H "Authorization: Bearer $token" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
  echo "== CASEWORK_WRITE_BATCH=$batch: $CONNECTIONS connections, $DURATION, GET /api/v1/contacts/{sensitive} (one audit event each)"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $token" \
    "$BASE/api/v1/contacts/$id" | grep -E "Requests/sec|Latency |50%|99%|requests in|Non-2xx"
  kill "$PID"; wait "$PID" 2>/dev/null || true
  echo "audit: $(env -u DATABASE_URL CASEWORK_DATA_DIR="$DATA" "$BIN" verify-audit 2>&1 | tail -1)"
  stop_server
}

run 1
run 64
