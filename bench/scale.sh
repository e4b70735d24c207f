#!/usr/bin/env bash
# bench/scale.sh: Casework at national scale. The pages and API twins people use all day, read by many people at
# once over a national data set, then 10,000 grants ending at the same instant.
#
# It serves the real server (test clock on, CASEWORK_BCRYPT_COST=4, LOG_LEVEL=notice as in production) on the data
# set `casework seed --scale FACTOR` makes (FACTOR 1: 50,000 staff, 1,000,000 contacts, 5,000,000 SRs, 100,000
# live grants, 200,000 past requests, 10,000,000 audit events), on SQLite or on PostgreSQL 15, and for each target
# runs wrk (2 threads, 16 connections, DURATION) with bench/lib/rotate.lua cycling over many people and records:
# every hopper (first and a deep page), the audited sensitive read under a grant, own grants, "awaiting me" for
# team leaders, SCR managers and provisioning, contact search by name and NINO, the SR list, monitoring and its
# CSVs, the audit trail by subject and by person, the evidence page, and every role's home page, each as the API
# and as the page where both exist. Before wrk, every distinct URL of a target is fetched once, for its status and
# body size. The table shows req/s, p50, p99, non-2xx answers, the largest body, and whether p99 <= 20 ms.
# Then it moves the test clock one second past the instant the grants end together and polls the database until
# each is processed (giving up after EXPIRY_TIMEOUT s), and reads the server's peak RSS (VmHWM).
#
# The data set is seeded once per database and factor (demo organisation first, then the scale set) and kept
# pristine under bench/.data/<db>-<factor>/ (git-ignored; at factor 1 about 10 GB and minutes of seeding) with its
# manifest; every run copies it to a scratch folder, which the run writes to, so reruns skip seeding. Delete that
# folder to seed again; the run does so itself when ScaleSeeder.swift or a migration has changed since the copy
# was made (SCALE_REUSE=1 keeps the old copy anyway). A reused copy was dated when it was seeded, so the
# run moves the live grants' dates on (bench/lib/scale_db.py shift) so that those ending together end half an hour
# after the server starts, as they did just after seeding, and records those as already reminded (SCALE_REMINDERS=1
# keeps their reminders, which otherwise fall due in the middle of the read targets).
#
# The markdown table is printed at the end and written to test-output/bench/scale-<db>-<factor>.md, with the raw
# wrk output, the target list and the server log in test-output/bench/scale-<db>-<factor>/.
#
#   bench/scale.sh                       SQLite, factor 1, 10 s a target
#   bench/scale.sh --postgres            PostgreSQL 15 (or DB=postgres); a scratch cluster, as scripts/test starts
#   FACTOR=0.01 DURATION=2s CASEWORK_BIN=.build/debug/casework bench/scale.sh     a smoke test
#
# Between targets it waits until the server has answered what the last run left queued ("server busy after"), so
# a slow target does not slow the next one; a target busy for long after its run was overloaded.
#
# Settings: FACTOR (1), DURATION (10s), CONNECTIONS (16), THREADS (2), PEOPLE (100: people of each kind signed
# in), HOPPER_DEPTH (10 pages), PREFETCH_PEOPLE (10: a target whose people share a few URLs is also fetched as up
# to that many people), EXPIRY_TIMEOUT (300 s), P99_TARGET_MS (20), WRK_TIMEOUT (30s), SETTLE_TIMEOUT (600 s),
# PROFILE=1 (a perf profile of the server during each target: <id>.profile.txt, each function with what it calls, and <id>.self.txt, the time spent in each function itself, beside the raw output), ONLY (an extended regex: measure only the targets whose names match, e.g. ONLY='Monitoring|hopper'), SKIP_EXPIRY=1
# (do not time the grants ending together), EXPIRY_CACHE (as-left: what the page cache holds of the database when the
# grants end; warm reads its files first; cold drops the page cache), SCALE_DATA (bench/.data), SCALE_SCRATCH (the temporary folder), KEEP_RUN=1 keeps the scratch copy, SCALE_PG_OPTS
# adds PostgreSQL server options, STATEMENTS=1 (PostgreSQL: the statements a request sends, from pg_stat_statements,
# printed under each target and listed in <id>.statements.txt), LOG_LEVEL (notice). The binary is CASEWORK_BIN, else .build/release/casework
# (swift build -c release), else the debug build; this script never builds.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DB="${DB:-sqlite}"
for arg in "$@"; do
  case "$arg" in
    --postgres|--pg) DB=postgres ;;
    --sqlite) DB=sqlite ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/scale.sh: unknown argument $arg (use --postgres or --sqlite)" >&2; exit 2 ;;
  esac
done
case "$DB" in postgres|postgresql|pg) DB=postgres ;; sqlite) ;; *) echo "DB must be sqlite or postgres, not $DB" >&2; exit 2 ;; esac
FACTOR="${FACTOR:-1}"
[[ "$FACTOR" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "FACTOR must be a number like 1 or 0.01, not $FACTOR" >&2; exit 2; }
export DURATION="${DURATION:-10s}" CONNECTIONS="${CONNECTIONS:-16}" THREADS="${THREADS:-2}"
export PEOPLE="${PEOPLE:-100}" HOPPER_DEPTH="${HOPPER_DEPTH:-10}" P99_TARGET_MS="${P99_TARGET_MS:-20}"
EXPIRY_TIMEOUT="${EXPIRY_TIMEOUT:-300}"
WRK_TIMEOUT="${WRK_TIMEOUT:-30s}"
SCALE_DATA="${SCALE_DATA:-bench/.data}"
PASSWORD="${CASEWORK_DEMO_PASSWORD:-Casework-Demo-2026}"
export CASEWORK_DEMO_PASSWORD="$PASSWORD"

# The binary: asked for, else the release build, else the debug build. This script never builds.
if [ -n "${CASEWORK_BIN:-}" ]; then BIN="$CASEWORK_BIN"
elif [ -x .build/release/casework ]; then BIN=.build/release/casework
else BIN=.build/debug/casework; fi
[ -x "$BIN" ] || { echo "no casework binary at $BIN: build it with swift build -c release (or set CASEWORK_BIN)" >&2; exit 1; }
case "$BIN" in *release*) BUILD="release build" ;; *debug*) BUILD="debug build (not a release figure)" ;; *) BUILD="$BIN" ;; esac
# (seed --help migrates a database first, so it gets a throwaway folder rather than the working directory)
probe="$(mktemp -d)"
help="$(env -u DATABASE_URL CASEWORK_DATA_DIR="$probe" "$BIN" seed --help 2>/dev/null || true)"
case "$help" in *scale*) ;; *) rm -rf "$probe"; echo "$BIN seed has no --scale: build a newer casework" >&2; exit 1 ;; esac
rm -rf "$probe"

need_apt() {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
command -v wrk >/dev/null || need_apt wrk
if [ "${PROFILE:-0}" = 1 ]; then command -v perf >/dev/null || need_apt linux-perf; fi
# STATEMENTS=1 (PostgreSQL): the statements each target's requests sent, counted by pg_stat_statements, which is
# reset before the target; <id>.statements.txt lists them by calls: calls, how many of them were planned, then the
# microseconds a call spent executing and planning. On PostgreSQL each statement costs a request its wire round trip,
# whatever the query, and a statement planned at every call (plans = calls) pays for its planning each time.
pg_superuser_sql() { _pg_as_owner "$PG_BIN/psql" -h "$PG_SCRATCH" -p "$PG_PORT" -d casework -XAtq -c "$1"; }
statements_reset() { [ "$DB" = postgres ] && [ "${STATEMENTS:-0}" = 1 ] && pg_superuser_sql "SELECT pg_stat_statements_reset()" >/dev/null || true; }
statements_report() {
  [ "$DB" = postgres ] && [ "${STATEMENTS:-0}" = 1 ] || return 0
  pg_superuser_sql "SELECT calls, plans, round(total_exec_time::numeric / calls * 1000) AS exec_us,
      round(total_plan_time::numeric / calls * 1000) AS plan_us, left(regexp_replace(query, '\s+', ' ', 'g'), 200)
    FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY calls DESC" >"$1"
}

if [ "$DB" = postgres ]; then
  [ -x /usr/lib/postgresql/15/bin/initdb ] || need_apt postgresql-15
  . bench/lib/scale_pg.sh
fi

echo "== bench/scale.sh: $DB, factor $FACTOR, $BUILD ($BIN)"

PRISTINE="$SCALE_DATA/$DB-$FACTOR"
MANIFEST="$PRISTINE/manifest.json"
RUN="$(mktemp -d "${SCALE_SCRATCH:-${TMPDIR:-/tmp}}/casework-scale.XXXXXX")"
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  # What the last server left listening (its crash reporter, if it crashed): see restart_after_crash.
  if [ -n "${PORT:-}" ]; then
    for stale in $(ss -Htlnp "sport = :$PORT" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do kill "$stale" 2>/dev/null || true; done
  fi
  if [ "$DB" = postgres ]; then pg_stop; fi
  if [ "${KEEP_RUN:-0}" = 1 ]; then echo "kept the run in $RUN"; else rm -rf "$RUN"; fi
}
trap cleanup EXIT

# MARK: the pristine data set

seed_into() {  # seed_into ENV...: the demo organisation, then the scale set; the manifest to $PARTIAL/manifest.json
  local started=$SECONDS
  env "$@" "$BIN" migrate >"$PARTIAL/migrate.log" 2>&1 || { cat "$PARTIAL/migrate.log" >&2; return 1; }
  env "$@" CASEWORK_BCRYPT_COST=4 "$BIN" seed --demo >"$PARTIAL/seed-demo.log" 2>&1 || { cat "$PARTIAL/seed-demo.log" >&2; return 1; }
  env "$@" CASEWORK_BCRYPT_COST=4 "$BIN" seed --scale "$FACTOR" --json >"$PARTIAL/manifest.json" 2> >(tee "$PARTIAL/seed.log" >&2)
  python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$PARTIAL/manifest.json" \
    || { echo "the seeder printed no manifest" >&2; return 1; }
  echo $((SECONDS - started)) >"$PARTIAL/seed-seconds"
  date -u +%Y-%m-%dT%H:%M:%SZ >"$PARTIAL/seeded-at"
}

# Which seeder and schema made the copy: when either has changed since, the copy is seeded again. (The sources
# stand for the binary here, so a binary older than them is worth a warning.)
SEED_SOURCES=(Sources/Casework/Commands/ScaleSeeder.swift Sources/Casework/Persistence/Migrations/*.swift)
FINGERPRINT="$(cat "${SEED_SOURCES[@]}" 2>/dev/null | sha256sum | cut -c1-16)"
for source in "${SEED_SOURCES[@]}"; do
  if [ "$source" -nt "$BIN" ]; then
    echo "== warning: $source is newer than $BIN: rebuild, or the data set and the schema may not be what the sources say"
    break
  fi
done
if [ -f "$MANIFEST" ] && [ "$(cat "$PRISTINE/fingerprint" 2>/dev/null)" != "$FINGERPRINT" ]; then
  if [ "${SCALE_REUSE:-0}" = 1 ]; then
    echo "== warning: the seeder or the migrations changed since $PRISTINE was seeded; reusing it as SCALE_REUSE=1 asks"
  else
    echo "== the seeder or the migrations changed since $PRISTINE was seeded: seeding again (SCALE_REUSE=1 keeps the old copy)"
    rm -rf "$PRISTINE"
  fi
fi
if [ ! -f "$MANIFEST" ]; then
  echo "== seeding $PRISTINE (once; later runs copy it)"
  PARTIAL="$PRISTINE.partial"
  rm -rf "$PARTIAL"; mkdir -p "$PARTIAL"
  if [ "$DB" = sqlite ]; then
    seed_into -u DATABASE_URL CASEWORK_DATA_DIR="$PARTIAL"
  else
    pg_start
    seed_into DATABASE_URL="$CASEWORK_PG_URL"
    pg_keep_pristine "$PARTIAL"
  fi
  echo "$FINGERPRINT" >"$PARTIAL/fingerprint"
  rm -rf "$PRISTINE"; mv "$PARTIAL" "$PRISTINE"
  echo "== seeded in $(cat "$PRISTINE/seed-seconds") s ($(du -sh "$PRISTINE" | cut -f1))"
else
  echo "== reusing $PRISTINE, seeded $(cat "$PRISTINE/seeded-at" 2>/dev/null || echo earlier) in $(cat "$PRISTINE/seed-seconds" 2>/dev/null || echo '?') s"
fi

# MARK: the scratch copy and the server

# Reads every file of the run's database once, bringing into the page cache what it does not hold.
read_database_into_cache() { find "${DATABASE_FOLDERS[@]}" -type f -print0 | xargs -0 cat >/dev/null; }

# How much of the database's files the page cache holds ("cached total", bytes), by fincore (util-linux).
database_cached_bytes() {
  find "${DATABASE_FOLDERS[@]}" -type f -size +0 -print0 2>/dev/null | xargs -0 -r fincore -b -n -o RES,SIZE 2>/dev/null \
    | awk '{ cached += $1; total += $2 } END { printf "%.0f %.0f\n", cached, total }'
}

# The run's copy of the data set is read into the page cache whole once it is made, as a server in service holds
# the database it reads all day. Copying it read the pristine data set through the cache as well, and the two do not
# fit in it together (11-12 GB each, 24 GB of memory): until session 37 a full run's 10,000 grants ending together
# began with half of PostgreSQL's copy and 70% of SQLite's cached and read 250 MB from the disk as they were
# processed. So the pristine data sets (this database's and the other's), which the run never reads again, are
# dropped from the cache first, and what the copy pushed out of it is read back. (This machine's kernel also pages
# out what has gone unread for a minute, up to 128 MB a second: DAMON's pageout scheme, kdamond. By the grants
# ending together at the end of a full run, 30-45% of the database is out of the cache again, as it would be on a
# server whose work had not touched it lately; EXPIRY_CACHE=warm reads it back first.)
cache_the_runs_copy() {
  python3 - "$SCALE_DATA" <<'PY'
import os, sys
for folder, _, names in os.walk(sys.argv[1]):
    for name in names:
        fd = os.open(os.path.join(folder, name), os.O_RDONLY)
        try: os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally: os.close(fd)
PY
  local started=$SECONDS
  read_database_into_cache
  echo "== the run's copy read into the page cache in $((SECONDS - started)) s: $(database_cached_bytes | awk '{ printf "%.1f of %.1f GB cached", $1 / 1e9, $2 / 1e9 }')"
}

mkdir -p "$RUN/data" "$RUN/out"
if [ "$DB" = sqlite ]; then
  echo "== copying the data set to $RUN/data"
  cp --reflink=auto "$PRISTINE"/casework.sqlite* "$RUN/data/"
  # Every dirty page (the copy's, and a fresh seed's) is written back before the server starts, so that writeback of a 10 GB file does not
  # compete with what is measured (it made the expiry's time vary from 6 s to 15 s).
  sync
  DBENV=(-u DATABASE_URL CASEWORK_DATA_DIR="$RUN/data")
  export SQLITE_FILE="$RUN/data/casework.sqlite"
else
  if [ "${STATEMENTS:-0}" = 1 ]; then SCALE_PG_OPTS="${SCALE_PG_OPTS:-} -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.track_planning=on"; fi
  pg_start_copy "$PRISTINE"
  DBENV=(DATABASE_URL="$CASEWORK_PG_URL" CASEWORK_DATA_DIR="$RUN/data")
  export PG_URL="$CASEWORK_PG_URL" PSQL="$PG_BIN/psql"
  if [ "${STATEMENTS:-0}" = 1 ]; then pg_superuser_sql "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null; fi
fi

# The folders that hold the run's database: its copy's, and on PostgreSQL the scratch cluster's.
DATABASE_FOLDERS=("$RUN/data")
if [ "$DB" = postgres ]; then DATABASE_FOLDERS+=("$PG_SCRATCH/data"); fi
cache_the_runs_copy
ENDING_AT="$(python3 bench/lib/scale_db.py shift "$MANIFEST" 1800)"
ENDING_COUNT="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["endingTogether"])' "$MANIFEST")"

# Starts the server on a new port (appending to its log) and waits for /health; sets PID, PORT and BASE.
start_server() {
  PORT=$((20000 + RANDOM % 20000))
  export BASE="http://127.0.0.1:$PORT"
  env "${DBENV[@]}" CASEWORK_TEST_CLOCK=1 CASEWORK_BCRYPT_COST=4 LOG_LEVEL="${LOG_LEVEL:-notice}" \
    "$BIN" serve --hostname 127.0.0.1 --port "$PORT" >>"$RUN/out/server.log" 2>&1 &
  PID=$!
  local started=$SECONDS
  until curl -sf -m 10 "$BASE/health" >/dev/null; do
    if ! kill -0 "$PID" 2>/dev/null || [ $((SECONDS - started)) -gt 900 ]; then
      echo "the server did not answer /health; its log:" >&2; tail -50 "$RUN/out/server.log" >&2; exit 1
    fi
    sleep 0.5
  done
  echo "== server $PID up on $BASE after $((SECONDS - started)) s (migrations included)"
}
start_server

# MARK: the read benchmarks

# Waits until the server has worked off what the last run left queued (wrk stops waiting at the end of its run, but
# the server still answers every request it took), so one slow target does not slow the next. /health asks the
# database, so it queues behind that backlog; the server is idle once it answers within SETTLE_MS twice running.
# Prints the seconds it took.
# The server must also be idle: a download wrk gave up on (a CSV) is still being written after /health answers
# quickly, and would otherwise slow the targets after it. Idle is under IDLE_CPU % of a core over half a second.
server_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat" 2>/dev/null || echo 0; }
# The bytes the server has read from and written to storage so far ("read write"): a page the page cache did not
# hold is read from the disk, and every page a commit changes is written twice (the WAL, then the checkpoint).
# With PostgreSQL, its processes' too (as for the CPU below: the postmaster's children).
server_io_bytes() {
  local pid
  for pid in "$PID" $(postgres_processes); do cat "/proc/$pid/io" 2>/dev/null; done \
    | awk '/^read_bytes:/ { r += $2 } /^write_bytes:/ { w += $2 } END { printf "%.0f %.0f\n", r, w }'
}
# PostgreSQL's processes for this run: the postmaster's children (its backends and background workers; the
# postmaster itself does almost nothing). None on SQLite.
postgres_processes() {
  if [ "$DB" = postgres ] && [ -n "${PG_SCRATCH:-}" ] && [ -r "$PG_SCRATCH/data/postmaster.pid" ]; then
    pgrep -P "$(head -1 "$PG_SCRATCH/data/postmaster.pid")" 2>/dev/null || true
  fi
}
# The CPU time (clock ticks) PostgreSQL's processes have used so far. 0 on SQLite.
postgres_cpu_ticks() {
  local total=0 child
  for child in $(postgres_processes); do
    total=$((total + $(awk '{ print $14 + $15 }' "/proc/$child/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
settle() {
  local started=$SECONDS quick=0 answer before after hz
  hz=$(getconf CLK_TCK)
  while [ "$quick" -lt 2 ] && kill -0 "$PID" 2>/dev/null; do
    answer="$(curl -s -o /dev/null -m 30 -w '%{http_code} %{time_total}' "$BASE/health" || true)"
    before=$(server_cpu_ticks); sleep 0.5; after=$(server_cpu_ticks)
    if awk -v a="$answer" -v limit="${SETTLE_MS:-100}" -v used="$((after - before))" -v hz="$hz" -v idle="${IDLE_CPU:-10}" \
        'BEGIN { split(a, f, " "); exit !(f[1] == 200 && f[2] * 1000 < limit && used * 100 / (hz * 0.5) < idle) }'; then
      quick=$((quick + 1))
    else
      quick=0; sleep 0.5
    fi
    if [ $((SECONDS - started)) -ge "${SETTLE_TIMEOUT:-600}" ]; then break; fi
  done
  echo $((SECONDS - started))
}

# When the server dies during a target, that is recorded (RUN/out/crashes: the target's id and the first line of
# the failure), the live grants' dates are moved on again (a restarted test clock starts at the real time) and
# the server is started again on the same data (on a new port), so the remaining targets are still measured.
restart_after_crash() {
  local id="$1" why
  wait "$PID" 2>/dev/null || true
  # Swift's crash reporter (swift-backtrace, started by the crashed server) can outlive it holding the listening
  # socket, which then takes connections nobody answers: stop whatever still listens on the old port.
  local stale
  for stale in $(ss -Htlnp "sport = :$PORT" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
    kill "$stale" 2>/dev/null || true
  done
  why="$(grep -m1 -E 'Fatal error|Assertion failed|Precondition failed|Program crashed|Illegal instruction|Segmentation' "$RUN/out/server.log" | tail -1 | cut -c1-300)"
  printf '%s\t%s\n' "$id" "${why:-the server exited}" >>"$RUN/out/crashes"
  echo "!! the server died during $id: ${why:-see the server log}; starting it again" >&2
  cp "$RUN/out/server.log" "$RUN/out/server-crash-$id.log"
  : >"$RUN/out/server.log"
  ENDING_AT="$(python3 bench/lib/scale_db.py shift "$MANIFEST" 1800 "$ENDING_AT")"
  start_server
}

python3 bench/lib/scale_prep.py "$MANIFEST" "$RUN/out"
echo "== settled after the preparation in $(settle) s"
echo "== wrk: $THREADS threads, $CONNECTIONS connections, $DURATION a target"
printf '%-62s %9s %9s %9s %8s  %s\n' target req/s "p50 ms" "p99 ms" errors "server busy after"
while IFS=$'\t' read -r id file name; do
  if [ "$file" = "-" ]; then printf '%-62s skipped\n' "$name"; continue; fi
  if [ -n "${ONLY:-}" ] && ! grep -qE -- "$ONLY" <<<"$name"; then continue; fi
  if [ "${PROFILE:-0}" = 1 ]; then
    perf record -F 499 -g -p "$PID" -o "$RUN/out/$id.perf" -- sleep "${DURATION%s}" >/dev/null 2>&1 &
    PERF_PID=$!
  fi
  # CPU a request (the server's, and PostgreSQL's) moves far less from run to run than req/s on a shared machine.
  statements_reset
  cpu_before="$(server_cpu_ticks) $(postgres_cpu_ticks)"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout "$WRK_TIMEOUT" -s bench/lib/rotate.lua "$BASE" -- "$file" \
    >"$RUN/out/$id.wrk" 2>&1 </dev/null || true
  echo "$cpu_before $(server_cpu_ticks) $(postgres_cpu_ticks) $(getconf CLK_TCK)" >"$RUN/out/$id.cpu"
  statements_report "$RUN/out/$id.statements.txt"
  if [ "${PROFILE:-0}" = 1 ]; then
    wait "$PERF_PID" || true
    perf report -i "$RUN/out/$id.perf" --children --sort symbol --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | cut -c1-220 | head -150 \
      >"$RUN/out/$id.profile.txt" || true
    # The same samples by the function they were in (no callers counted): where the time itself is spent.
    perf report -i "$RUN/out/$id.perf" --no-children --sort symbol --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | cut -c1-220 | head -80 \
      >"$RUN/out/$id.self.txt" || true
  fi
  settle >"$RUN/out/$id.settle"
  awk -v name="$name" -v busy="$(cat "$RUN/out/$id.settle")" '/^SCALE_RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      s = v["duration_us"] / 1e6; if (s == 0) s = 1
      errors = v["status"] + v["connect"] + v["read"] + v["write"] + v["timeout"]
      if (v["requests"] == 0) printf "%-62s %9s %9s %9s %8d  %s\n", name, 0, "-", "> run", errors, busy " s (no answer within the run)"
      else printf "%-62s %9.0f %9.1f %9.1f %8d  %s\n", name, v["requests"] / s, v["p50_us"] / 1000, v["p99_us"] / 1000, errors, busy " s"
      requests = v["requests"]; found = 1 }
    FILENAME ~ /statements/ { split($0, f, "|"); calls += f[1]; plans += f[2] }
    END { if (found && requests > 0 && calls > 0) printf "%-62s %9.1f statements a request, %.1f of them planned\n", "", calls / requests, plans / requests }
    END { if (!found) printf "%-62s wrk failed: see its output\n", name }' "$RUN/out/$id.wrk" $( [ -s "$RUN/out/$id.statements.txt" ] && echo "$RUN/out/$id.statements.txt")
  if ! kill -0 "$PID" 2>/dev/null; then restart_after_crash "$id"; fi
done <"$RUN/out/targets.tsv"

# MARK: grants ending together

# What the operating system's page cache holds of the database when the grants end. The run's copy of the data set
# was written moments before, so how much of it is still cached depends on what else ran: the same build measured
# 3.8 s and 5.8 s (session 16). EXPIRY_CACHE=warm reads the database's files once first, as a server that has been
# running holds its indexes in memory; cold drops the whole page cache (root only); as-left (the default) leaves it.
EXPIRY_CACHE="${EXPIRY_CACHE:-as-left}"
prepare_page_cache() {
  case "$EXPIRY_CACHE" in
    warm)
      local started=$SECONDS
      read_database_into_cache
      echo "== read $(du -shc "${DATABASE_FOLDERS[@]}" | tail -1 | cut -f1) of database files into the page cache in $((SECONDS - started)) s" ;;
    cold)
      sync
      if echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; then echo "== dropped the page cache"
      else echo "== could not drop the page cache (needs root): measuring as left"; EXPIRY_CACHE=as-left; fi ;;
    as-left) ;;
    *) echo "EXPIRY_CACHE must be warm, cold or as-left, not $EXPIRY_CACHE" >&2; exit 2 ;;
  esac
}

if [ "${SKIP_EXPIRY:-0}" = 1 ]; then
  echo "== grants ending together: not timed (SKIP_EXPIRY=1)"
elif kill -0 "$PID" 2>/dev/null; then
  echo "== settled after the reads in $(settle) s"
  prepare_page_cache
  echo "== moving the test clock to $ENDING_AT + 1 s: $ENDING_COUNT grants end together (page cache: $EXPIRY_CACHE)"
  if [ "${PROFILE:-0}" = 1 ]; then
    perf record -F 499 -g -p "$PID" -o "$RUN/out/expiry.perf" >/dev/null 2>&1 &
    PERF_PID=$!
  fi
  cached_before="$(database_cached_bytes)"
  expiry_cpu_before="$(server_cpu_ticks) $(postgres_cpu_ticks)"
  expiry_io_before="$(server_io_bytes)"
  python3 bench/lib/scale_db.py expire "$ENDING_AT" "$ENDING_COUNT" "$EXPIRY_TIMEOUT" >"$RUN/out/expiry.json" || true
  # The CPU the server (and PostgreSQL) spent until the last grant was seen processed: steadier than the seconds on a
  # shared machine, as for the reads. With it, what the server read from and wrote to storage meanwhile, and how much
  # of the database the page cache held when the grants ended.
  # shellcheck disable=SC2086
  python3 - "$RUN/out/expiry.json" $expiry_cpu_before "$(server_cpu_ticks)" "$(postgres_cpu_ticks)" "$(getconf CLK_TCK)" \
    $expiry_io_before $(server_io_bytes) $cached_before <<'PY' || true
import json, sys
path, (server0, pg0, server1, pg1, hz, read0, written0, read1, written1, cached, total) = sys.argv[1], map(int, sys.argv[2:])
with open(path) as f: result = json.load(f)
result["serverCpuSeconds"] = round((server1 - server0) / hz, 2)
result["postgresCpuSeconds"] = round((pg1 - pg0) / hz, 2)
result["serverReadMB"] = round((read1 - read0) / 1e6)
result["serverWrittenMB"] = round((written1 - written0) / 1e6)
result["databaseCachedGB"] = round(cached / 1e9, 1)
result["databaseGB"] = round(total / 1e9, 1)
with open(path, "w") as f: json.dump(result, f)
PY
  if [ "${PROFILE:-0}" = 1 ]; then
    kill -INT "$PERF_PID" 2>/dev/null || true; wait "$PERF_PID" || true
    perf report -i "$RUN/out/expiry.perf" --children --sort symbol --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | cut -c1-220 | head -150 \
      >"$RUN/out/expiry.profile.txt" || true
  fi
  cat "$RUN/out/expiry.json"
fi
RSS_KB="$(awk '/^VmHWM:/ { print $2 }' "/proc/$PID/status" 2>/dev/null || true)"

# MARK: the report

python3 - "$RUN/out/meta.json" <<PY
import json, os, sys, time
json.dump({"db": "$DB", "factor": "$FACTOR", "binary": "$BUILD", "duration": "$DURATION", "connections": "$CONNECTIONS",
           "threads": "$THREADS", "cores": os.cpu_count(), "expiryCache": "$EXPIRY_CACHE", "rssKb": int("${RSS_KB:-0}" or 0),
           "date": time.strftime("%Y-%m-%d", time.gmtime())}, open(sys.argv[1], "w"))
PY
REPORT="test-output/bench/scale-$DB-$FACTOR.md"
mkdir -p "test-output/bench/scale-$DB-$FACTOR"
rm -f "test-output/bench/scale-$DB-$FACTOR"/*
cp "$RUN"/out/*.wrk "$RUN"/out/*.statements.txt "$RUN"/out/*.profile.txt "$RUN"/out/*.self.txt "$RUN"/out/*.settle "$RUN"/out/*.json "$RUN"/out/server*.log "test-output/bench/scale-$DB-$FACTOR/" 2>/dev/null || true
[ -f "$RUN/out/crashes" ] && cp "$RUN/out/crashes" "test-output/bench/scale-$DB-$FACTOR/"
echo
python3 bench/lib/scale_report.py "$RUN/out" "$MANIFEST" "$REPORT"
echo "(written to $REPORT; raw output in test-output/bench/scale-$DB-$FACTOR/)"
