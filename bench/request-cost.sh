#!/usr/bin/env bash
# bench/request-cost.sh: what one request costs. wrk at 64 connections (2 threads, on the same 2 cores as the
# server) against a release build seeded with the demo organisation, on SQLite (WAL, synchronous=FULL) and on
# PostgreSQL 15 (a scratch cluster with fsync and synchronous commit on, so both keep what they acknowledge):
#   - GET /health                                   one SELECT 1, no session
#   - GET /api/v1/staff/{id}, signed in             a plain read: the session, then one row
#   - GET /api/v1/contacts/{sensitive}              the audited read, as an SCR caseworker: one audit event each
#   - the same read by a caseworker under a grant   the audited read plus the grant coverage it must read
# It prints req/s, p50 and p99 for each, the CPU time the server (and PostgreSQL) spent a request, the audited read
# as a share of the plain read, and checks the audit chain afterwards. With PROFILE=1 it also records the server
# with perf during the audited read and writes the hottest symbols to test-output/bench/request-cost-<db>-profile.txt.
#
#   bench/request-cost.sh                 both databases
#   bench/request-cost.sh --sqlite        one of them (or --postgres)
#   DURATION=20s CONNECTIONS=64 THREADS=2 PROFILE=1 bench/request-cost.sh
# The binary is CASEWORK_BIN, else .build/release/casework, built here when missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DURATION="${DURATION:-15s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
DATABASES=()
for arg in "$@"; do
  case "$arg" in
    --sqlite) DATABASES+=(sqlite) ;;
    --postgres|--pg) DATABASES+=(postgres) ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/request-cost.sh: unknown argument $arg (use --sqlite or --postgres)" >&2; exit 2 ;;
  esac
done
[ ${#DATABASES[@]} -gt 0 ] || DATABASES=(sqlite postgres)
[ -n "${CASEWORK_BIN:-}" ] || { swift build -c release --product casework >/dev/null; export CASEWORK_BIN=.build/release/casework; }
. bench/lib/server.sh
OUT=test-output/bench
mkdir -p "$OUT"

# CPU time (clock ticks) used so far by the server, and by PostgreSQL's processes (0 on SQLite).
server_ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat" 2>/dev/null || echo 0; }
postgres_ticks() {
  local total=0 pid
  for pid in $(pgrep -x postgres 2>/dev/null); do
    total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# wrk's figures for one URL as "req/s p50_ms p99_ms non2xx errors server_cpu_us postgres_cpu_us": the last two are
# the CPU time the server and PostgreSQL spent a request, which moves far less than req/s from run to run on a
# shared machine, so a change's effect shows in fewer runs.
measure() {
  local token="$1" url="$2" line server0 pg0
  server0=$(server_ticks); pg0=$(postgres_ticks)
  line=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s bench/lib/figures.lua \
           ${token:+-H "Authorization: Bearer $token"} "$url" | grep '^WRK_RESULT')
  python3 - "$line" $(( $(server_ticks) - server0 )) $(( $(postgres_ticks) - pg0 )) "$(getconf CLK_TCK)" <<'PY'
import sys
f = dict(kv.split("=") for kv in sys.argv[1].split()[1:])
server, pg, hz = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
n = max(1, int(f["requests"]))
print(f"{int(f['requests']) / (int(f['duration_us']) / 1e6):.0f} {int(f['p50_us']) / 1000:.1f} {int(f['p99_us']) / 1000:.1f} {f['non2xx']} {f['errors']}"
      f" {server / hz / n * 1e6:.0f} {pg / hz / n * 1e6:.0f}")
PY
}

run() {
  local db="$1" token staff contact health plain audited granted tom
  if [ "$db" = postgres ]; then
    . scripts/lib/postgres.sh
    CASEWORK_PG_EXTRA_OPTS="-c fsync=on -c synchronous_commit=on -c full_page_writes=on" pg_start >/dev/null
    start_server DATABASE_URL="$CASEWORK_PG_URL" LOG_LEVEL=notice
  else
    start_server LOG_LEVEL=notice
  fi
  token=$(curl -sf -X POST "$BASE/api/v1/auth/tokens" -H 'Content-Type: application/json' \
    -d '{"staffId":"30000003","password":"Casework-Demo-2026"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  contact=$(curl -sf "$BASE/api/v1/contacts?q=AB123456C" -H "Authorization: Bearer $token" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
  curl -sf "$BASE/api/v1/staff/20010002" -H "Authorization: Bearer $token" >/dev/null
  health=$(measure "" "$BASE/health")
  plain=$(measure "$token" "$BASE/api/v1/staff/20010002")
  if [ "${PROFILE:-0}" = 1 ]; then
    command -v perf >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends linux-perf >/dev/null; }
    perf record -F 499 -g -p "$PID" -o "$OUT/request-cost-$db.perf" -- sleep "${DURATION%s}" >/dev/null 2>&1 &
    PERF_PID=$!
  fi
  audited=$(measure "$token" "$BASE/api/v1/contacts/$contact")
  # Tom (a caseworker) is granted the same contact through the whole CSUA150 chain, then reads it under the grant.
  tom=$(BASE="$BASE" python3 - <<'PY'
import sys
sys.path.insert(0, "bench/lib")
from casework_api import sign_in, grant_access
tom = sign_in("20010002")
grant_access(tom, sign_in("20010001", "teamLeader"), sign_in("30000002", "scrManager"), sign_in("40000002", "provisioning"), 480, "bench: read under a grant")
print(tom)
PY
)
  granted=$(measure "$tom" "$BASE/api/v1/contacts/$contact")
  if [ "${PROFILE:-0}" = 1 ]; then
    wait "$PERF_PID" || true
    perf report -i "$OUT/request-cost-$db.perf" --children --sort symbol --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | cut -c1-220 | head -120 \
      > "$OUT/request-cost-$db-profile.txt" || true
    echo "profile of the audited read: $OUT/request-cost-$db-profile.txt"
  fi
  local verify
  if [ "$db" = postgres ]; then
    verify=$(DATABASE_URL="$CASEWORK_PG_URL" "$BIN" verify-audit 2>&1 | tail -1)
  else
    verify=$(env -u DATABASE_URL CASEWORK_DATA_DIR="$DATA" "$BIN" verify-audit 2>&1 | tail -1)
  fi
  stop_server
  [ "$db" = postgres ] && pg_stop >/dev/null 2>&1
  python3 - "$db" "$health" "$plain" "$audited" "$granted" "$CONNECTIONS" "$DURATION" "$verify" <<'PY' | tee -a "$OUT/request-cost.md"
import sys
db, health, plain, audited, granted, connections, duration, verify = sys.argv[1:]
rows = [("`GET /health` (one `SELECT 1`)", health), ("`GET /api/v1/staff/{id}`, signed in (plain read)", plain),
        ("`GET /api/v1/contacts/{sensitive}`, SCR caseworker (audited read)", audited),
        ("the same, a caseworker under a grant (audited read + grant coverage)", granted)]
print(f"\n### {db}: wrk {connections} connections, {duration} each\n")
print("| endpoint | req/s | p50 ms | p99 ms | non-2xx | socket errors | server CPU µs a request | PostgreSQL CPU µs a request |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for name, figures in rows:
    rate, p50, p99, bad, errors, server_us, pg_us = figures.split()
    pg_cell = pg_us if db == "postgres" else "–"
    print(f"| {name} | {int(rate):,} | {p50} | {p99} | {bad} | {errors} | {server_us} | {pg_cell} |")
share = float(audited.split()[0]) / max(1.0, float(plain.split()[0]))
print(f"\nThe audited read is {share:.0%} of the plain read. Audit chain afterwards: {verify}")
PY
}

echo "# bench/request-cost.sh $(date -u +%FT%TZ) $(git rev-parse --short HEAD 2>/dev/null || true)" >> "$OUT/request-cost.md"
for db in "${DATABASES[@]}"; do run "$db"; done
