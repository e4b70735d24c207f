#!/usr/bin/env bash
# bench/monitoring.sh: how fast the SCR managers' monitoring answers once temporary access has a history.
#
# On the real server (SQLite, test clock on) it takes REQUESTS CSUA150 requests through all three stages to a
# grant, lets them expire, has the team leader confirm every log-off, then moves the clock 60 days on, so the
# history lies outside the default 30-day period. wrk then drives GET /api/v1/monitoring as the SCR manager.
# It prints the time to build the history and the monitoring figures.
#
#   bench/monitoring.sh            (REQUESTS=500 DURATION=10s CONNECTIONS=4 to change it)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REQUESTS="${REQUESTS:-500}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-4}"
. bench/lib/server.sh
start_server CASEWORK_TEST_CLOCK=1
trap stop_server EXIT

token=$(BASE="$BASE" N="$REQUESTS" PYTHONPATH=bench/lib python3 - <<'PY'
import os, sys, time
from casework_api import call, grant_access, sign_in
n = int(os.environ["N"])
started = time.monotonic()
tom, sarah, robert, marcus = sign_in("20010002"), sign_in("20010001", "teamLeader"), sign_in("30000002", "scrManager"), sign_in("40000002")
grants = []
for i in range(n):
    grants.append(grant_access(tom, sarah, robert, marcus, 60, f"bench {i}"))
call("POST", "/api/v1/test-clock", body={"advanceMinutes": 61})
time.sleep(12)  # the expiry job records the ends
sarah = sign_in("20010001", "teamLeader")
for g in grants:
    call("POST", f"/api/v1/grants/{g}/log-off-confirmation", sarah)
call("POST", "/api/v1/test-clock", body={"advanceMinutes": 60 * 24 * 60})
print(f"history: {n} requests granted, expired and confirmed in {time.monotonic() - started:.1f}s", file=sys.stderr)
print(sign_in("30000002", "scrManager"))
PY
)
echo "== GET /api/v1/monitoring as the SCR manager, $REQUESTS past requests outside the period, $CONNECTIONS connections, $DURATION"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $token" "$BASE/api/v1/monitoring" \
  | grep -E "Requests/sec|Latency |50%|99%|requests in|Non-2xx"
