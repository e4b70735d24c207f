# shellcheck shell=bash
# A scratch PostgreSQL 15 server for the test suites.
# Source it, then:
#   pg_start   initdb + start on 127.0.0.1 at a free port (from CASEWORK_PG_PORT, default
#              55432, upwards), create role casework/casework (LOGIN CREATEDB) and database
#              casework owned by it. Exports PG_PORT, PG_SCRATCH and CASEWORK_PG_URL
#              (postgres://casework:casework@127.0.0.1:PORT/casework).
#              CASEWORK_PG_EXTRA_OPTS adds server options (later -c settings win, e.g. "-c fsync=on").
#   pg_stop    stop the server and remove its scratch folder; safe to call more than once
#              and when pg_start never ran or failed half-way (use it in a trap on EXIT).
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user.

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_SCRATCH="${PG_SCRATCH:-}"

_pg_log() { printf '==> postgres: %s\n' "$*" >&2; }

# Runs a command as the user that owns the cluster.
_pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# True when nothing listens on / holds 127.0.0.1:$1.
_pg_port_free() {
    python3 - "$1" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

pg_start() {
    if [ -n "$PG_SCRATCH" ] && [ -d "$PG_SCRATCH" ]; then
        _pg_log "already started in $PG_SCRATCH"
        return 0
    fi
    if [ ! -x "$PG_BIN/initdb" ]; then
        _pg_log "no PostgreSQL 15 binaries in $PG_BIN (install postgresql-15)"
        return 1
    fi
    local port="${CASEWORK_PG_PORT:-55432}" tries=0
    while ! _pg_port_free "$port"; do
        port=$((port + 1)); tries=$((tries + 1))
        if [ "$tries" -ge 100 ]; then _pg_log "no free port found"; return 1; fi
    done

    PG_SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/casework-pg.XXXXXX")"
    export PG_SCRATCH
    chmod 0755 "$PG_SCRATCH"   # mktemp makes it 0700; the server user must reach it
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres:postgres "$PG_SCRATCH"
    fi
    local data="$PG_SCRATCH/data" log="$PG_SCRATCH/server.log"

    _pg_log "initdb in $data"
    if ! _pg_as_owner "$PG_BIN/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=scram-sha-256 >"$PG_SCRATCH/initdb.log" 2>&1; then
        cat "$PG_SCRATCH/initdb.log" >&2
        return 1
    fi

    # Throwaway data: durability off for speed. Unix socket only inside the scratch folder.
    _pg_log "starting on 127.0.0.1:$port"
    if ! _pg_as_owner "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$PG_SCRATCH -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${CASEWORK_PG_EXTRA_OPTS:-}" \
            start >/dev/null; then
        _pg_log "failed to start; server log:"
        cat "$log" >&2 2>/dev/null || true
        return 1
    fi
    PG_PORT="$port"
    export PG_PORT

    if ! "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SCRATCH" -p "$port" -U postgres -d postgres \
            -c "CREATE ROLE casework WITH LOGIN CREATEDB PASSWORD 'casework'" \
            -c "CREATE DATABASE casework OWNER casework" >&2; then
        _pg_log "failed to create role/database casework"
        return 1
    fi
    CASEWORK_PG_URL="postgres://casework:casework@127.0.0.1:$port/casework"
    export CASEWORK_PG_URL
    _pg_log "ready: $CASEWORK_PG_URL"
}

pg_stop() {
    local dir="${PG_SCRATCH:-}"
    [ -n "$dir" ] || return 0
    if [ -f "$dir/data/postmaster.pid" ]; then
        _pg_log "stopping"
        if ! _pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1; then
            local pid
            pid="$(head -n1 "$dir/data/postmaster.pid" 2>/dev/null || true)"
            if [ -n "$pid" ]; then
                _pg_log "fast stop failed; killing postmaster $pid"
                kill -QUIT "$pid" 2>/dev/null || true
                sleep 2
                kill -KILL "$pid" 2>/dev/null || true
            fi
        fi
    fi
    rm -rf "$dir"
    PG_SCRATCH=""
    unset PG_PORT CASEWORK_PG_URL
}
