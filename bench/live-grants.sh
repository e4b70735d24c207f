#!/usr/bin/env bash
# bench/live-grants.sh: reading a sensitive contact as a holder of many live temporary grants.
#
# Every read of a sensitive contact asks which live grants cover it. On the real server (SQLite, test clock on)
# Tom Baxter is granted GRANTS viewContact requests, each on a new SR, then wrk drives
# GET /api/v1/contacts/{Karen Holloway} as Tom (one visibility decision and one audit event per request).
# It prints the time to build the grants and wrk's figures.
#
#   bench/live-grants.sh            (GRANTS=150 DURATION=10s CONNECTIONS=4 to change it)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
GRANTS="${GRANTS:-150}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-4}"
. bench/lib/server.sh
start_server CASEWORK_TEST_CLOCK=1
trap stop_server EXIT

read -r token contact < <(BASE="$BASE" N="$GRANTS" PYTHONPATH=bench/lib python3 - <<'PY'
import os, sys, time
from casework_api import call, grant_access, sign_in
n = int(os.environ["N"])
started = time.monotonic()
tom, sarah, robert, marcus = sign_in("20010002"), sign_in("20010001", "teamLeader"), sign_in("30000002", "scrManager"), sign_in("40000002")
for i in range(n):
    grant_access(tom, sarah, robert, marcus, 480, f"bench {i}")
print(f"set-up: {n} live grants for Tom in {time.monotonic() - started:.1f}s", file=sys.stderr)
robert = sign_in("30000002", "scrManager")
contact = call("GET", "/api/v1/contacts?q=AB123456C", robert)["items"][0]["id"]
print(tom, contact)
PY
)
echo "== GET /api/v1/contacts/{sensitive} as a holder of $GRANTS live grants, $CONNECTIONS connections, $DURATION"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $token" "$BASE/api/v1/contacts/$contact" \
  | grep -E "Requests/sec|Latency |50%|99%|requests in|Non-2xx"
