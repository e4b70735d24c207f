# Sourced by the bench scripts: the casework binary, wrk, and a demo-seeded server on a scratch SQLite database.
#
#   start_server [VAR=value ...]   seeds and serves with those settings added; sets DATA, PORT, PID and BASE
#   stop_server                    stops it and removes its data
# The release binary is used when one is built (swift build -c release), else the debug build the tests use.
BIN="${CASEWORK_BIN:-$( [ -x .build/release/casework ] && echo .build/release/casework || echo .build/debug/casework )}"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
[ -x "$BIN" ] || swift build --product casework
echo "binary: $BIN"

start_server() {
  DATA="$(mktemp -d)"
  PORT=$((20000 + RANDOM % 20000))
  BASE="http://127.0.0.1:$PORT"
  env -u DATABASE_URL CASEWORK_DATA_DIR="$DATA" "$@" "$BIN" migrate >/dev/null 2>&1
  env -u DATABASE_URL CASEWORK_DATA_DIR="$DATA" CASEWORK_BCRYPT_COST=4 "$@" "$BIN" seed --demo >/dev/null 2>&1
  env -u DATABASE_URL CASEWORK_DATA_DIR="$DATA" CASEWORK_BCRYPT_COST=4 "$@" "$BIN" serve --hostname 127.0.0.1 --port "$PORT" >"$DATA/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 100); do curl -sf "$BASE/health" >/dev/null && return 0; sleep 0.2; done
  echo "the server did not answer /health; its log:" >&2; cat "$DATA/server.log" >&2; return 1
}

stop_server() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  rm -rf "$DATA"
}
