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
BIN="${CASEWORK_BIN:-$( [ -x .build/release/casework ] && echo .build/release/casework || echo .build/debug/casework )}"

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
[ -x "$BIN" ] || swift build --product casework
echo "binary: $BIN"

data="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
export CASEWORK_DATA_DIR="$data" CASEWORK_BCRYPT_COST=4 CASEWORK_TEST_CLOCK=1
unset DATABASE_URL
"$BIN" seed --demo >/dev/null 2>&1
"$BIN" serve --hostname 127.0.0.1 --port "$port" >"$data/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done

read -r token contact < <(BASE="http://127.0.0.1:$port" N="$GRANTS" python3 - <<'PY'
import json, os, sys, time, urllib.request
base, n = os.environ["BASE"], int(os.environ["N"])
def call(method, path, token=None, body=None):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None, method=method,
                                 headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(req, timeout=60) as r:
        text = r.read()
        return json.loads(text) if text else {}
def sign_in(staff, role=None):
    return call("POST", "/api/v1/auth/tokens", body={"staffId": staff, "password": "Casework-Demo-2026", **({"role": role} if role else {})})["token"]
started = time.monotonic()
tom, sarah, robert, marcus = sign_in("20010002"), sign_in("20010001", "teamLeader"), sign_in("30000002", "scrManager"), sign_in("40000002")
for i in range(n):
    sr = call("POST", "/api/v1/service-requests", tom, {"type": "generalEnquiry", "description": f"bench {i}"})
    req = call("POST", "/api/v1/access-requests", tom, {"purpose": "viewContact", "serviceRequestId": sr["id"], "requestedDurationMinutes": 480,
                                                        "justification": "bench", "nino": "AB123456C"})
    for who in (sarah, robert, marcus):
        call("POST", f"/api/v1/access-requests/{req['id']}/decisions", who, {"decision": "approve"})
print(f"set-up: {n} live grants for Tom in {time.monotonic() - started:.1f}s", file=sys.stderr)
robert = sign_in("30000002", "scrManager")
contact = call("GET", "/api/v1/contacts?q=AB123456C", robert)["items"][0]["id"]
print(tom, contact)
PY
)
echo "== GET /api/v1/contacts/{sensitive} as a holder of $GRANTS live grants, $CONNECTIONS connections, $DURATION"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/contacts/$contact" \
  | grep -E "Requests/sec|Latency |50%|99%|requests in|Non-2xx"
