"""bench/scale.sh's direct database work (standard library; psql for PostgreSQL).

    python3 bench/lib/scale_db.py shift  MANIFEST LEAD_SECONDS [NOW_ENDING_AT]  -> prints the new endingTogetherAt
    python3 bench/lib/scale_db.py expire AT_ISO EXPECTED TIMEOUT   -> moves the test clock, waits, prints JSON

The database is the SQLite file $SQLITE_FILE, or PostgreSQL at $PG_URL (queried with $PSQL, default psql).

shift: the scale seeder dates its live grants from the moment it ran (the 10,000 ending together end half an hour
after seeding, the rest one to eight hours after). A pristine copy is reused later, and the test clock starts at the
real time with the grant expiry job running at once, so this moves every unprocessed grant's granted_at and
expires_at by the same whole number of seconds, so the ones ending together end LEAD_SECONDS from now. Run it on the
scratch copy before the server starts. Unless SCALE_REMINDERS=1, it also records the grants ending together as already
reminded: their reminders would otherwise fall due 15 minutes after the server starts, in the middle of the read
targets, as 20 write jobs of 500 reminders each holding the write lane for about a second apiece (seen in session 4).

expire: POST /api/v1/test-clock {"now": AT + 1 s} at $BASE, then counts
    SELECT count(*) FROM grants WHERE end_processed_at IS NULL AND expires_at <= AT + 1 s
every quarter of a second until it is 0 or TIMEOUT seconds pass.
"""
import datetime
import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.request

SQLITE_FILE = os.environ.get("SQLITE_FILE")
PG_URL = os.environ.get("PG_URL")
PSQL = os.environ.get("PSQL") or "psql"


def parse_iso(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def iso(instant):
    return instant.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def psql(sql):
    out = subprocess.run([PSQL, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", PG_URL, "-c", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def sqlite_connection():
    connection = sqlite3.connect(SQLITE_FILE, timeout=60, isolation_level=None)
    connection.execute("PRAGMA busy_timeout=60000")
    return connection


def sqlite_time_kind(connection):
    """How the SQLite file stores instants: Fluent writes Dates as REAL seconds since 1970 (checked, not assumed)."""
    row = connection.execute("SELECT typeof(expires_at), expires_at FROM grants LIMIT 1").fetchone()
    if row is None:
        return "real"
    if row[0] in ("real", "integer"):
        return "real"
    raise SystemExit(f"grants.expires_at is stored as {row[0]} ({row[1]!r}); bench/lib/scale_db.py expects seconds since 1970")


# The grants ending together are the earliest-ending live grants (the rest end one to eight hours after seeding).
QUIET_REMINDERS = ("UPDATE grants SET reminder_sent_at = granted_at WHERE end_processed_at IS NULL AND removed_at IS NULL "
                   "AND reminder_sent_at IS NULL AND expires_at <= (SELECT MIN(expires_at) FROM grants "
                   "WHERE end_processed_at IS NULL AND removed_at IS NULL)")


def shift(manifest_path, lead, current=None):
    """current: where an earlier shift put the grants ending together (default: the manifest's instant)."""
    with open(manifest_path) as f:
        manifest = json.load(f)
    was = parse_iso(current or manifest["endingTogetherAt"])
    target = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(seconds=int(lead))
    seconds = int((target - was).total_seconds())
    if SQLITE_FILE:
        connection = sqlite_connection()
        sqlite_time_kind(connection)
        connection.execute("BEGIN IMMEDIATE")
        changed = connection.execute(
            "UPDATE grants SET granted_at = granted_at + ?, expires_at = expires_at + ? WHERE end_processed_at IS NULL AND removed_at IS NULL",
            (seconds, seconds)).rowcount
        if os.environ.get("SCALE_REMINDERS") != "1":
            connection.execute(QUIET_REMINDERS)
        connection.execute("COMMIT")
        connection.close()
    else:
        changed = psql(f"WITH moved AS (UPDATE grants SET granted_at = granted_at + interval '{seconds} seconds', "
                       f"expires_at = expires_at + interval '{seconds} seconds' WHERE end_processed_at IS NULL AND removed_at IS NULL "
                       f"RETURNING 1) SELECT count(*) FROM moved")
        if os.environ.get("SCALE_REMINDERS") != "1":
            psql(QUIET_REMINDERS)
        # The planner's statistics of the grants' instants still describe them before the move: a range of the moved
        # instants (those ending today) was estimated at one row, and the monitoring count joined and sorted 40,000
        # grants for its first fifty (843 ms). Autovacuum analyses the table a minute or so later, during the reads of a
        # full run but not before the expiry timed alone; a live database's statistics describe its data.
        psql("ANALYZE grants")
    new = was + datetime.timedelta(seconds=seconds)
    print(f"shifted {changed} live grants by {seconds} s: the grants ending together now end at {iso(new)}", file=sys.stderr)
    print(iso(new))


def pending_counter(at):
    if SQLITE_FILE:
        connection = sqlite_connection()
        sqlite_time_kind(connection)
        bound = at.timestamp()
        return lambda: connection.execute(
            "SELECT count(*) FROM grants WHERE end_processed_at IS NULL AND expires_at <= ?", (bound,)).fetchone()[0]
    sql = f"SELECT count(*) FROM grants WHERE end_processed_at IS NULL AND expires_at <= timestamptz '{iso(at)}'"
    return lambda: int(psql(sql))


def expire(at_text, expected, timeout):
    at = parse_iso(at_text) + datetime.timedelta(seconds=1)
    count = pending_counter(at)
    before = count()
    request = urllib.request.Request(os.environ["BASE"] + "/api/v1/test-clock", data=json.dumps({"now": iso(at)}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
    first_seen = None
    untouched = 0.0  # the last poll that still found every due grant unprocessed (seconds after the clock move)
    remaining = before
    last_report = started
    while True:
        poll_started = time.monotonic() - started
        remaining = count()
        now = time.monotonic()
        if remaining == before:
            untouched = poll_started
        elif first_seen is None:
            first_seen = now - started
        if remaining == 0 or now - started > timeout:
            break
        if now - last_report >= 10:
            print(f"expiry: {before - remaining} of {before} processed after {now - started:.0f}s", file=sys.stderr, flush=True)
            last_report = now
        time.sleep(0.25)
    elapsed = time.monotonic() - started
    processed = before - remaining
    print(json.dumps({"expected": int(expected), "due": before, "processed": processed, "remaining": remaining,
                      "seconds": round(elapsed, 2), "firstProcessedAfter": round(first_seen, 2) if first_seen is not None else None,
                      "perSecond": round(processed / elapsed, 1) if elapsed > 0 else None,
                      # Processing began after the last untouched poll: this window is an upper bound, the rate a lower one.
                      "processingWindow": round(elapsed - untouched, 2),
                      "perSecondWhileProcessing": round(processed / (elapsed - untouched), 1) if elapsed > untouched else None,
                      "timedOut": remaining > 0,
                      "clock": iso(at)}))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "shift":
        shift(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    elif command == "expire":
        expire(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        raise SystemExit(__doc__)
