"""bench/scale.sh's preparation (standard library only): signs people in, builds each target's list of requests for
bench/lib/rotate.lua, and fetches every distinct URL of every target once to record its status and body size.

    BASE=http://127.0.0.1:PORT python3 bench/lib/scale_prep.py MANIFEST.json OUT_DIR

Writes OUT_DIR/targets.json (every target: name, group, requests file, distinct URLs, largest body, statuses seen)
and OUT_DIR/targets.tsv (id, requests file: what the shell loop hands to wrk). Settings from the environment:
PEOPLE (how many people of each kind sign in, default 100), HOPPER_DEPTH (pages followed for a deep hopper cursor,
default 10), CASEWORK_DEMO_PASSWORD, PREFETCH_WORKERS (default 4), PREFETCH_PEOPLE (default 10: a target whose
people all ask for the same few URLs is also fetched as up to that many different people).
"""
import html
import http.client
import json
import os
import re
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

BASE = os.environ["BASE"]
PASSWORD = os.environ.get("CASEWORK_DEMO_PASSWORD") or "Casework-Demo-2026"
PEOPLE = int(os.environ.get("PEOPLE") or 100)
HOPPER_DEPTH = int(os.environ.get("HOPPER_DEPTH") or 10)
WORKERS = int(os.environ.get("PREFETCH_WORKERS") or 4)
PREFETCH_PEOPLE = int(os.environ.get("PREFETCH_PEOPLE") or 10)
ONLY = os.environ.get("ONLY") or ""
_url = urllib.parse.urlsplit(BASE)
HOST, PORT = _url.hostname, _url.port


def log(message):
    print(f"prep: {message}", file=sys.stderr, flush=True)


def send(method, path, headers=None, body=None, timeout=300):
    """One request on a fresh connection, redirects not followed. Returns (status, headers, body bytes)."""
    connection = http.client.HTTPConnection(HOST, PORT, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return response.status, response.getheaders(), data
    finally:
        connection.close()


def cookies_from(headers):
    found = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            if "=" in pair:
                key, val = pair.split("=", 1)
                found[key.strip()] = val.strip()
    return found


def cookie_header(jar):
    return "; ".join(f"{k}={v}" for k, v in jar.items())


CSRF_FIELD = re.compile(r'name="csrfToken"\s+value="([^"]*)"')


def csrf_token(page):
    match = CSRF_FIELD.search(page.decode("utf-8", "replace"))
    if not match:
        raise RuntimeError("no csrfToken field on the page")
    return html.unescape(match.group(1))


# MARK: signing in

def api_token(staff_id, role):
    status, _, data = send("POST", "/api/v1/auth/tokens", {"Content-Type": "application/json"},
                           json.dumps({"staffId": staff_id, "password": PASSWORD, "role": role}).encode())
    if status != 201:
        raise RuntimeError(f"API sign-in of {staff_id} as {role}: {status} {data[:300]!r}")
    return json.loads(data)["token"]


def browser_session(staff_id, role):
    """GET /sign-in (CSRF cookie and field), POST /sign-in, then choose the role if the person holds several."""
    status, headers, page = send("GET", "/sign-in")
    jar = cookies_from(headers)
    form = urllib.parse.urlencode({"staffId": staff_id, "password": PASSWORD, "csrfToken": csrf_token(page)}).encode()
    status, headers, page = send("POST", "/sign-in", {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(jar)}, form)
    jar.update(cookies_from(headers))
    if status not in (302, 303) or "casework_session" not in jar:
        raise RuntimeError(f"browser sign-in of {staff_id}: {status} {page[:300]!r}")
    session = {"casework_session": jar["casework_session"]}
    # Choose the role asked for (people with one role hold it already; choosing it again does no harm).
    status, headers, page = send("GET", "/choose-role", {"Cookie": cookie_header(session)})
    if status != 200:
        raise RuntimeError(f"GET /choose-role for {staff_id}: {status}")
    form = urllib.parse.urlencode({"role": role, "csrfToken": csrf_token(page)}).encode()
    status, headers, page = send("POST", "/choose-role", {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(session)}, form)
    if status not in (302, 303):
        raise RuntimeError(f"choosing {role} for {staff_id}: {status} {page[:300]!r}")
    # Choosing a role renews the session's token (a new cookie): the old one no longer signs anyone in.
    session.update({k: v for k, v in cookies_from(headers).items() if k == "casework_session"})
    status, _, _ = send("GET", "/", {"Cookie": cookie_header(session)})
    if status != 200:
        raise RuntimeError(f"the home page for {staff_id} as {role} answered {status}: the browser session does not sign them in")
    return session["casework_session"]


class People:
    """API tokens and browser sessions, one of each per (staff ID, role), signed in on demand, many at once."""

    def __init__(self):
        self.tokens = {}
        self.sessions = {}

    def sign_in(self, pairs):
        pairs = list(dict.fromkeys(pairs))
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            for pair, token in zip(pairs, pool.map(lambda p: api_token(*p), pairs)):
                self.tokens[pair] = token
            for pair, session in zip(pairs, pool.map(lambda p: browser_session(*p), pairs)):
                self.sessions[pair] = session
        log(f"signed in {len(pairs)} people (API token and browser session each) in {time.monotonic() - started:.1f}s")

    def api(self, staff_id, role):
        return f"Authorization: Bearer {self.tokens[(staff_id, role)]}"

    def page(self, staff_id, role):
        return f"Cookie: casework_session={self.sessions[(staff_id, role)]}"


def get_json(path, header):
    name, value = header.split(": ", 1)
    status, _, data = send("GET", path, {name: value, "Accept": "application/json"})
    if status != 200:
        raise RuntimeError(f"GET {path}: {status} {data[:300]!r}")
    return json.loads(data)


def q(text):
    return urllib.parse.quote(str(text), safe="")


# MARK: targets

def main():
    manifest_path, out = sys.argv[1], sys.argv[2]
    with open(manifest_path) as f:
        m = json.load(f)
    os.makedirs(out, exist_ok=True)

    def first(items, n=PEOPLE):
        return list(items)[:max(1, n)]

    team_leaders = first(m["teamLeaders"])
    caseworkers = first(m["caseworkers"])
    holders = first(m["grantHolders"])
    scr_managers = first(m["scrManagers"])
    scr_caseworkers = first(m["scrCaseworkers"])
    provisioning = first(m["provisioning"])
    cfat = first(m["cfat"])
    administrators = first(m["administrators"])

    people = People()
    people.sign_in([(p["staffId"], "teamLeader") for p in team_leaders] + [(p["staffId"], "caseworker") for p in caseworkers]
                   + [(h["staffId"], "caseworker") for h in holders] + [(s, "scrManager") for s in scr_managers]
                   + [(s, "scrCaseworker") for s in scr_caseworkers] + [(s, "provisioning") for s in provisioning]
                   + [(s, "cfat") for s in cfat] + [(s, "administrator") for s in administrators])

    targets = []

    def rotate(people_list, records):
        """Pairs each of many records with one of many people, cycling the shorter list."""
        records = list(records) or [None]
        n = max(len(people_list), len(records))
        return [(people_list[i % len(people_list)], records[i % len(records)]) for i in range(n)]

    def add(group, name, requests, note=""):
        """requests: [(path, header)]."""
        targets.append({"group": group, "name": name, "requests": requests, "note": note})

    def twins(group, name, role, staff_ids, api_path, page_path, records=None, note=""):
        pairs = rotate(staff_ids, records if records is not None else [None])
        if api_path:
            add(group, f"{name} · API", [(api_path(r), people.api(s, role)) for s, r in pairs], note)
        if page_path:
            add(group, f"{name} · page", [(page_path(r), people.page(s, role)) for s, r in pairs], note)

    # Hoppers: first page, and a cursor HOPPER_DEPTH pages in (or as deep as the hopper goes).
    def deep_cursor(segment, header):
        """Follows nextCursor up to HOPPER_DEPTH pages: (deepest cursor or None, pages followed, items on page 1)."""
        cursor, depth, first_items = None, 0, None
        for _ in range(HOPPER_DEPTH):
            page = get_json(f"/api/v1/hoppers/{segment}/items" + (f"?cursor={q(cursor)}" if cursor else ""), header)
            if first_items is None:
                first_items = len(page.get("items", []))
            if not page.get("nextCursor"):
                break
            cursor, depth = page["nextCursor"], depth + 1
        return cursor, depth, first_items

    def hopper(label, role, who):
        """who: [(staffId, segment)]: the first page, and a cursor HOPPER_DEPTH pages in (or as deep as it goes)."""
        cursors = {}
        for s, seg in who:
            if seg not in cursors:
                cursors[seg] = deep_cursor(seg, people.api(s, role))
        segments = {seg for _, seg in who}
        empty = sum(1 for seg in segments if not cursors[seg][2])
        note = f"{empty} of {len(segments)} hoppers empty" if empty else ""
        add("Hoppers", f"{label} hopper, first page · API", [(f"/api/v1/hoppers/{seg}/items", people.api(s, role)) for s, seg in who], note)
        add("Hoppers", f"{label} hopper, first page · page", [(f"/hoppers/{seg}", people.page(s, role)) for s, seg in who], note)
        deep = [(s, seg, cursors[seg][0]) for s, seg in who if cursors[seg][0]]
        if not deep:
            add("Hoppers", f"{label} hopper, deep page · API", [], "one page only: no deep cursor")
            add("Hoppers", f"{label} hopper, deep page · page", [], "one page only: no deep cursor")
            return
        depths = [cursors[seg][1] for _, seg, _ in deep]
        note = f"page {min(depths) + 1}" + (f"–{max(depths) + 1}" if max(depths) != min(depths) else "")
        if len(segments) > 1:
            note += f"; {len({seg for _, seg, _ in deep})} of {len(segments)} hoppers go past page 1"
        add("Hoppers", f"{label} hopper, deep page · API", [(f"/api/v1/hoppers/{seg}/items?cursor={q(c)}", people.api(s, role)) for s, seg, c in deep], note)
        add("Hoppers", f"{label} hopper, deep page · page", [(f"/hoppers/{seg}?cursor={q(c)}", people.page(s, role)) for s, seg, c in deep], note)

    log("following hopper cursors")
    hopper("Team", "teamLeader", [(p["staffId"], p["segment"]) for p in team_leaders])
    hopper("SCR", "scrManager", [(s, "scr") for s in scr_managers])
    hopper("CFAT", "cfat", [(s, "cfat") for s in cfat])

    add("Temporary access", "Sensitive contact under a grant (audited) · API",
        [(f"/api/v1/contacts/{h['contactId']}", people.api(h["staffId"], "caseworker")) for h in holders])
    add("Temporary access", "Own grants · API", [("/api/v1/grants", people.api(h["staffId"], "caseworker")) for h in holders])
    for label, role, ids in [("team leader", "teamLeader", [p["staffId"] for p in team_leaders]),
                             ("SCR manager", "scrManager", scr_managers), ("provisioning", "provisioning", provisioning)]:
        twins("Temporary access", f"Awaiting me, {label}", role, ids,
              lambda _: "/api/v1/access-requests?awaitingMe=true", lambda _: "/access-requests")

    cw = [p["staffId"] for p in caseworkers]
    twins("Records", "Contact search by name", "caseworker", cw, lambda n: f"/api/v1/contacts?q={q(n)}", lambda n: f"/contacts?q={q(n)}",
          records=m["contactNames"])
    twins("Records", "Contact search by NINO", "caseworker", cw, lambda n: f"/api/v1/contacts?q={q(n)}", lambda n: f"/contacts?q={q(n)}",
          records=m["ninos"])
    twins("Records", "SR list (own work)", "caseworker", cw, lambda _: "/api/v1/service-requests", lambda _: "/service-requests")

    twins("Monitoring", "Monitoring", "scrManager", scr_managers, lambda _: "/api/v1/monitoring", lambda _: "/monitoring")
    for table in ["active-grants", "ending-today", "overdue-log-offs", "decisions", "teams"]:
        add("Monitoring", f"{table}.csv · page", [(f"/monitoring/{table}.csv", people.page(s, "scrManager")) for s in scr_managers])
    # A table of more rows than a part downloads in parts (the link above is its first): the last part of the
    # period's decisions, as the monitoring page links it.
    # (A build from before the parts, measured for comparison, has no `downloads`.)
    downloads = get_json("/api/v1/monitoring", people.api(scr_managers[0], "scrManager")).get("downloads", [])
    for download in downloads:
        if download["table"] == "decisions":
            last_part = download["parts"][-1]
            add("Monitoring", f"decisions.csv, last part (of {last_part['part']}) · page",
                [(last_part["href"], people.page(s, "scrManager")) for s in scr_managers])
    twins("Monitoring", "Audit trail by subject", "scrManager", scr_managers, lambda s: f"/api/v1/audit-events?subject={q(s)}", None,
          records=m["auditSubjects"])
    twins("Monitoring", "Audit trail by person", "scrManager", scr_managers, lambda a: f"/api/v1/audit-events?actor={q(a)}", None,
          records=m["auditActors"])
    twins("Monitoring", "Evidence", "scrManager", scr_managers, lambda r: f"/api/v1/access-requests/{r}/evidence",
          lambda r: f"/access-requests/{r}/evidence", records=m["accessRequests"])

    for role, ids in [("caseworker", cw), ("teamLeader", [p["staffId"] for p in team_leaders]), ("scrManager", scr_managers),
                      ("scrCaseworker", scr_caseworkers), ("provisioning", provisioning), ("cfat", cfat), ("administrator", administrators)]:
        twins("Home", f"Home, {role}", role, ids, lambda _: "/api/v1/home", lambda _: "/")

    # Every distinct URL of every target once: its status and body size (and a warm-up before wrk).
    log("fetching every distinct URL once")
    started = time.monotonic()

    def fetch(request):
        path, header = request
        name, value = header.split(": ", 1)
        t0 = time.monotonic()
        try:
            status, _, data = send("GET", path, {name: value})
            return status, len(data), time.monotonic() - t0
        except Exception as failure:  # a hung or reset request is a result too
            return f"error: {type(failure).__name__}", 0, time.monotonic() - t0

    def to_fetch(requests):
        """Every distinct URL once; where that is fewer than PREFETCH_PEOPLE, also the same URLs as other people
        (own grants, home pages and awaiting-me lists differ by person), up to PREFETCH_PEOPLE requests."""
        chosen = list(dict.fromkeys(path for path, _ in requests))
        picked = {path: (path, header) for path, header in reversed(requests)}
        result = [picked[path] for path in chosen]
        seen = set(result)
        for request in requests:
            if len(result) >= PREFETCH_PEOPLE:
                break
            if request not in seen:
                seen.add(request)
                result.append(request)
        return result

    with ThreadPoolExecutor(WORKERS) as pool:
        for n, target in enumerate(targets):
            # Targets the run will not measure (ONLY, as bench/scale.sh reads it) are not fetched either.
            wanted = not ONLY or re.search(ONLY, target["name"])
            distinct = to_fetch(target["requests"]) if wanted else []
            results = list(pool.map(fetch, distinct))
            statuses = {}
            for status, _, _ in results:
                statuses[str(status)] = statuses.get(str(status), 0) + 1
            target["id"] = f"t{n:02d}"
            target["distinctUrls"] = len(distinct)
            target["requestCount"] = len(target["requests"])
            target["maxBytes"] = max((size for _, size, _ in results), default=0)
            target["statuses"] = statuses
            target["non2xxUrls"] = sum(c for s, c in statuses.items() if not (s.isdigit() and 200 <= int(s) < 300))
            target["slowestFetchMs"] = round(max((t for _, _, t in results), default=0) * 1000, 1)
            bad = [f"{path} -> {status}" for (path, _), (status, _, _) in zip(distinct, results) if not (isinstance(status, int) and 200 <= status < 300)]
            target["non2xxExamples"] = bad[:3]
            target["file"] = os.path.join(out, f"{target['id']}.requests")
            with open(target["file"], "w") as f:
                for path, header in target["requests"]:
                    f.write(f"{path}\t{header}\n")
            log(f"{target['id']} {target['name']}: {len(distinct)} fetched, statuses {statuses}, largest {target['maxBytes']} bytes")
    log(f"fetched in {time.monotonic() - started:.1f}s")

    for target in targets:
        del target["requests"]
    with open(os.path.join(out, "targets.json"), "w") as f:
        json.dump(targets, f, indent=1)
    with open(os.path.join(out, "targets.tsv"), "w") as f:
        for target in targets:
            f.write(f"{target['id']}\t{target['file'] if target['requestCount'] else '-'}\t{target['name']}\n")


if __name__ == "__main__":
    main()
