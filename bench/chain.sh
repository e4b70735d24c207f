#!/usr/bin/env bash
# bench/chain.sh: whole CSUA150 chains a second. 32 concurrent clients (wrk, one connection a thread, running
# bench/lib/chain.lua), each doing chain after chain: Tom Baxter asks to view Karen Holloway on an SR, then his
# team leader countersigns, the SCR manager approves and provisioning grants (four audited writes, each answered
# with the request as the API shows it). Release build, demo organisation, on SQLite (WAL, synchronous=FULL) and
# PostgreSQL 15 (fsync and synchronous commit on). It prints chains/s, writes/s, the latency of one step, failed
# steps, checks that every chain made exactly one grant, and verifies the audit chain. With PROFILE=1 it records the
# server with perf during the run and writes the heaviest call paths to test-output/bench/chain-<db>-profile.txt.
#
#   bench/chain.sh                  both databases
#   bench/chain.sh --sqlite         one of them (or --postgres)
#   DURATION=20s CLIENTS=32 bench/chain.sh
# The binary is CASEWORK_BIN, else .build/release/casework, built here when missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DURATION="${DURATION:-15s}"
CLIENTS="${CLIENTS:-32}"
DATABASES=()
for arg in "$@"; do
  case "$arg" in
    --sqlite) DATABASES+=(sqlite) ;;
    --postgres|--pg) DATABASES+=(postgres) ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/chain.sh: unknown argument $arg (use --sqlite or --postgres)" >&2; exit 2 ;;
  esac
done
[ ${#DATABASES[@]} -gt 0 ] || DATABASES=(sqlite postgres)
[ -n "${CASEWORK_BIN:-}" ] || { swift build -c release --product casework >/dev/null; export CASEWORK_BIN=.build/release/casework; }
. bench/lib/server.sh
OUT=test-output/bench
mkdir -p "$OUT"

run() {
  local db="$1" tokens line grants verify
  if [ "$db" = postgres ]; then
    . scripts/lib/postgres.sh
    CASEWORK_PG_EXTRA_OPTS="-c fsync=on -c synchronous_commit=on -c full_page_writes=on" pg_start >/dev/null
    start_server DATABASE_URL="$CASEWORK_PG_URL" LOG_LEVEL=notice
  else
    start_server LOG_LEVEL=notice
  fi
  tokens=$(BASE="$BASE" PYTHONPATH=bench/lib python3 - <<'PY'
from casework_api import call, sign_in
tom, sarah, robert, marcus = sign_in("20010002"), sign_in("20010001", "teamLeader"), sign_in("30000002", "scrManager"), sign_in("40000002")
sr = call("POST", "/api/v1/service-requests", tom, {"type": "generalEnquiry", "description": "bench/chain.sh"})
print(tom, sarah, robert, marcus, sr["id"], "AB123456C")
PY
)
  if [ "${PROFILE:-0}" = 1 ]; then
    command -v perf >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends linux-perf >/dev/null; }
    perf record -F 499 -g -p "$PID" -o "$OUT/chain-$db.perf" -- sleep "${DURATION%s}" >/dev/null 2>&1 &
    PERF_PID=$!
  fi
  # shellcheck disable=SC2086
  line=$(wrk -t"$CLIENTS" -c"$CLIENTS" -d"$DURATION" --timeout 20s -s bench/lib/chain.lua "$BASE" -- $tokens | grep '^CHAIN_RESULT')
  if [ "${PROFILE:-0}" = 1 ]; then
    wait "$PERF_PID" || true
    perf report -i "$OUT/chain-$db.perf" --children --sort symbol --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | cut -c1-220 | head -120 \
      > "$OUT/chain-$db-profile.txt" || true
    echo "profile of the chains: $OUT/chain-$db-profile.txt"
  fi
  grants=$(BASE="$BASE" PYTHONPATH=bench/lib python3 - <<'PY'
from casework_api import call, sign_in
robert = sign_in("30000002", "scrManager")
print(len(call("GET", "/api/v1/grants?staffId=20010002", robert)["items"]))
PY
)
  if [ "$db" = postgres ]; then
    verify=$(DATABASE_URL="$CASEWORK_PG_URL" "$BIN" verify-audit 2>&1 | tail -1)
  else
    verify=$(env -u DATABASE_URL CASEWORK_DATA_DIR="$DATA" "$BIN" verify-audit 2>&1 | tail -1)
  fi
  stop_server
  [ "$db" = postgres ] && pg_stop >/dev/null 2>&1
  python3 - "$db" "$line" "$grants" "$CLIENTS" "$DURATION" "$verify" <<'PY' | tee -a "$OUT/chain.md"
import sys
db, line, grants, clients, duration, verify = sys.argv[1:]
f = dict(kv.split("=") for kv in line.split()[1:])
seconds = int(f["duration_us"]) / 1e6
chains, steps, failures = int(f["chains"]), int(f["steps"]), int(f["failures"])
print(f"\n### {db}: {clients} clients, {duration}\n")
print("| chains/s | writes/s | step p50 ms | step p99 ms | chains | failed steps | grants made |")
print("|---:|---:|---:|---:|---:|---:|---:|")
print(f"| {chains / seconds:,.1f} | {steps / seconds:,.0f} | {int(f['p50_us']) / 1000:.1f} | {int(f['p99_us']) / 1000:.1f} | {chains:,} | {failures} | {int(grants):,} |")
# A chain still running when wrk stopped may have been granted after its last answer was counted, hence >=.
ok = int(grants) >= chains and int(grants) <= chains + int(clients)
print(f"\nOne grant per chain: {'yes' if ok else 'NO'}. Audit chain afterwards: {verify}")
PY
}

echo "# bench/chain.sh $(date -u +%FT%TZ) $(git rev-parse --short HEAD 2>/dev/null || true)" >> "$OUT/chain.md"
for db in "${DATABASES[@]}"; do run "$db"; done
