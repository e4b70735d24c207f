# shellcheck shell=bash
# Sourced by bench/scale.sh: PostgreSQL 15 clusters for the scale data set, on top of scripts/lib/postgres.sh.
#
#   pg_start                       (from scripts/lib/postgres.sh) a fresh scratch cluster, for seeding
#   pg_keep_pristine DIR           stops the scratch cluster and moves its data folder to DIR/pgdata
#   pg_start_copy DIR              copies DIR/pgdata into a new scratch folder and starts it there, with the
#                                  options pg_start uses; exports PG_PORT, PG_SCRATCH and CASEWORK_PG_URL
#   pg_stop                        (from scripts/lib/postgres.sh) stops the scratch cluster and removes it
# SCALE_PG_OPTS adds server options to both, e.g. SCALE_PG_OPTS="-c shared_buffers=2GB".
. "$ROOT/scripts/lib/postgres.sh"

# The options scripts/lib/postgres.sh starts its scratch server with (keep the two in step).
_scale_pg_options() {
    echo "-c listen_addresses=127.0.0.1 -p $1 -c unix_socket_directories=$PG_SCRATCH -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${SCALE_PG_OPTS:-}"
}

pg_keep_pristine() {
    local dir="$1"
    _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_SCRATCH/data" -m fast -w -t 120 stop >/dev/null
    mkdir -p "$dir"
    mv "$PG_SCRATCH/data" "$dir/pgdata"
    rm -rf "$PG_SCRATCH"
    PG_SCRATCH=""
    unset PG_PORT CASEWORK_PG_URL
}

pg_start_copy() {
    local pristine="$1/pgdata" port="${CASEWORK_PG_PORT:-55432}" tries=0
    while ! _pg_port_free "$port"; do
        port=$((port + 1)); tries=$((tries + 1))
        if [ "$tries" -ge 100 ]; then _pg_log "no free port found"; return 1; fi
    done
    PG_SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/casework-pg.XXXXXX")"
    export PG_SCRATCH
    chmod 0755 "$PG_SCRATCH"
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$PG_SCRATCH"; fi
    _pg_log "copying the pristine cluster $pristine"
    cp -a --reflink=auto "$pristine" "$PG_SCRATCH/data"
    _pg_log "starting on 127.0.0.1:$port"
    if ! _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_SCRATCH/data" -l "$PG_SCRATCH/server.log" -w -t 600 \
            -o "$(_scale_pg_options "$port")" start >/dev/null; then
        _pg_log "failed to start; server log:"
        cat "$PG_SCRATCH/server.log" >&2 2>/dev/null || true
        return 1
    fi
    PG_PORT="$port"
    CASEWORK_PG_URL="postgres://casework:casework@127.0.0.1:$port/casework"
    export PG_PORT CASEWORK_PG_URL
    _pg_log "ready: $CASEWORK_PG_URL"
}
