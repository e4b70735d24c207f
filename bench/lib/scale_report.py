"""bench/scale.sh's report: the markdown table of every target, the expiry and the peak RSS.

    python3 bench/lib/scale_report.py RUN_DIR MANIFEST OUT.md

Reads RUN_DIR/targets.json (bench/lib/scale_prep.py), RUN_DIR/<id>.wrk (wrk's output with rotate.lua's
SCALE_RESULT line), RUN_DIR/expiry.json, and RUN_DIR/meta.json (db, factor, binary, duration, connections, threads,
rssKb, date). Prints the markdown and writes it to OUT.md.
"""
import json
import os
import sys

P99_TARGET_MS = float(os.environ.get("P99_TARGET_MS") or 20)
BODY_LIMIT = int(os.environ.get("BODY_LIMIT_BYTES") or 1_000_000)


def wrk_result(path):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("SCALE_RESULT "):
                    return {k: int(v) for k, v in (pair.split("=") for pair in line.split()[1:])}
    except FileNotFoundError:
        return None
    return None


def read_int(path):
    try:
        with open(path) as f:
            return int(f.read().strip() or 0)
    except (FileNotFoundError, ValueError):
        return None


def cpu_per_request(path, requests, postgres):
    """The server's CPU µs a request during wrk's run (and PostgreSQL's, on PostgreSQL), from <id>.cpu: the clock
    ticks of each before and after, and the ticks a second."""
    try:
        with open(path) as f:
            server0, pg0, server1, pg1, hz = (int(v) for v in f.read().split())
    except (FileNotFoundError, ValueError):
        return "–"
    if not requests or not hz:
        return "–"
    server = (server1 - server0) * 1e6 / hz / requests
    return f"{server:,.0f} + {(pg1 - pg0) * 1e6 / hz / requests:,.0f}" if postgres else f"{server:,.0f}"


def size(n):
    if n >= 1_000_000:
        return f"{n / 1_000_000:.2f} MB"
    if n >= 1_000:
        return f"{n / 1_000:.1f} kB"
    return f"{n} B"


def ms(us):
    return f"{us / 1000:.1f}"


def main():
    run, manifest_path, out = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(os.path.join(run, "targets.json")) as f:
        targets = json.load(f)
    with open(os.path.join(run, "meta.json")) as f:
        meta = json.load(f)
    with open(manifest_path) as f:
        manifest = json.load(f)
    expiry = None
    if os.path.exists(os.path.join(run, "expiry.json")):
        with open(os.path.join(run, "expiry.json")) as f:
            text = f.read().strip()
            expiry = json.loads(text) if text else None

    crashes = {}
    if os.path.exists(os.path.join(run, "crashes")):
        with open(os.path.join(run, "crashes")) as f:
            for line in f:
                if "\t" in line:
                    tid, why = line.rstrip("\n").split("\t", 1)
                    crashes[tid] = why
    counts = manifest.get("counts", {})
    postgres = meta["db"] == "postgres"
    cpu_heading = "CPU µs a request: server + PostgreSQL" if postgres else "server CPU µs a request"
    db = "PostgreSQL 15" if meta["db"] == "postgres" else "SQLite"
    lines = [
        f"### National-scale benchmark: {db}, factor {meta['factor']}",
        "",
        f"`bench/scale.sh` on {meta['date']}, {meta['binary']}, {meta['cores']} cores; wrk {meta['threads']} threads, "
        f"{meta['connections']} connections, {meta['duration']} a target, each cycling over many people and records. "
        f"Data: {counts.get('staff', 0):,} staff, {counts.get('contacts', 0):,} contacts, {counts.get('serviceRequests', 0):,} SRs, "
        f"{counts.get('liveGrants', 0):,} live grants, {counts.get('pastRequests', 0):,} past requests, "
        f"{counts.get('auditEvents', 0):,} audit events. Targets: p99 ≤ {P99_TARGET_MS:g} ms, no response body over {size(BODY_LIMIT)}.",
        "",
        f"| Area | Target | fetched | req/s | p50 ms | p99 ms | non-2xx | largest body | p99 ≤ {P99_TARGET_MS:g} ms | {cpu_heading} |",
        "|---|---|---:|---:|---:|---:|---:|---:|:--:|---:|",
    ]
    missed, errored, big = [], [], []
    for t in targets:
        body = size(t["maxBytes"])
        if t["maxBytes"] > BODY_LIMIT:
            body = f"**{body}** ✗"
            big.append(t["name"])
        if not t["requestCount"]:
            lines.append(f"| {t['group']} | {t['name']} | 0 | – | – | – | – | – | skipped: {t['note']} | – |")
            continue
        wrk_path = os.path.join(run, f"{t['id']}.wrk")
        if os.environ.get("ONLY") and not os.path.exists(wrk_path):
            continue  # not asked for in this run (ONLY)
        r = wrk_result(wrk_path)
        pre = ""
        if t["non2xxUrls"]:
            seen = ", ".join(f"{s}×{c}" for s, c in sorted(t["statuses"].items()) if not (s.isdigit() and 200 <= int(s) < 300))
            pre = f" ({t['non2xxUrls']}/{t['distinctUrls']} fetched: {seen})"
        if r is None:
            lines.append(f"| {t['group']} | {t['name']} | {t['distinctUrls']} | wrk failed | – | – | **?**{pre} | {body} | ✗ | – |")
            errored.append(t["name"])
            continue
        busy = read_int(os.path.join(run, f"{t['id']}.settle"))
        notes = [t["note"]] if t.get("note") else []
        if busy and busy >= 2:
            notes.append(f"server busy {busy} s after the run")
        if t["id"] in crashes:
            notes.append("**the server crashed** during or just after this run and was restarted: see below")
            errored.append(t["name"])
        note = f" ({'; '.join(notes)})" if notes else ""
        seconds = r["duration_us"] / 1e6 if r["duration_us"] else 1
        socket = r["connect"] + r["read"] + r["write"] + r["timeout"]
        bad = r["status"] + socket
        non2xx = f"{bad:,}" + (f" ({r['timeout']} timeouts)" if r["timeout"] else "") + pre
        if bad or t["non2xxUrls"]:
            non2xx = f"**{non2xx}**"
            errored.append(t["name"])
        if r["requests"] == 0:
            missed.append(t["name"])
            lines.append(f"| {t['group']} | {t['name']}{note} | {t['distinctUrls']} | 0 | – | > {meta['duration']} | {non2xx} | {body} | "
                         f"✗ no answer within the run | – |")
            continue
        # A target whose every fetched request was answered otherwise than 2xx (a redirect to sign in, say) measured
        # that answer, not the page: its figures meet nothing.
        answered = t["non2xxUrls"] < t["distinctUrls"]
        ok = answered and r["p99_us"] <= P99_TARGET_MS * 1000
        if not ok:
            missed.append(t["name"])
        verdict = "✓" if ok else ("✗ miss" if answered else "✗ not the page: every fetched request answered non-2xx")
        lines.append(f"| {t['group']} | {t['name']}{note} | {t['distinctUrls']} | {r['requests'] / seconds:,.0f} | {ms(r['p50_us'])} | "
                     f"{ms(r['p99_us'])} | {non2xx} | {body} | {verdict} | "
                     f"{cpu_per_request(os.path.join(run, t['id'] + '.cpu'), r['requests'], postgres)} |")
    lines.append("")
    measured = sum(1 for t in targets if t["requestCount"] and (not os.environ.get("ONLY") or os.path.exists(os.path.join(run, f"{t['id']}.wrk"))))
    lines.append(f"{len(missed)} of {measured} targets miss p99 ≤ {P99_TARGET_MS:g} ms; "
                 f"{len(set(errored))} answered non-2xx, failed or crashed the server; {len(big)} sent a body over {size(BODY_LIMIT)}. "
                 "\"fetched\": distinct URLs (and, where few, the same URL as different people) each fetched once before wrk, for "
                 "the largest body. non-2xx counts wrk's answers ≥ 400 and socket errors during the run, and in brackets those "
                 "fetched requests that answered otherwise than 2xx (redirects included). \"Server busy\": after wrk stopped, "
                 "the server took that long to answer what was still queued (the next target waited for it). "
                 "\"CPU µs a request\": the CPU time the server (and PostgreSQL's processes) used during wrk's run, over the "
                 "requests answered in it; it moves far less than req/s from run to run on a shared machine.")
    if crashes:
        lines.append("")
        names = {t["id"]: t["name"] for t in targets}
        by_reason = {}
        for tid, why in crashes.items():
            by_reason.setdefault(why, []).append(names.get(tid, tid))
        lines.append(f"**The server crashed {len(crashes)} time(s)** and was restarted on the same data each time (the crash logs are "
                     "server-crash-<target id>.log beside the raw output): "
                     + "; ".join(f"during {', '.join(who)}: `{why}`" for why, who in by_reason.items()) + ".")
    lines.append("")
    def cpu_text(expiry):
        if "serverCpuSeconds" not in expiry:
            return ""
        postgres = f" + PostgreSQL {expiry['postgresCpuSeconds']:.2f} s" if meta.get("db") == "postgres" else ""
        storage = ""
        if "serverWrittenMB" in expiry:
            who = "the server and PostgreSQL" if meta.get("db") == "postgres" else "the server"
            storage = (f"; {who} read {expiry['serverReadMB']:,} MB from storage and wrote {expiry['serverWrittenMB']:,} MB; "
                       f"the page cache held {expiry['databaseCachedGB']} of the database's {expiry['databaseGB']} GB when they ended")
        return f"; CPU: server {expiry['serverCpuSeconds']:.2f} s{postgres}{storage}"

    if expiry:
        if expiry.get("due") != expiry.get("expected"):
            lines.append(f"(Of the {expiry['expected']:,} grants meant to end together, {expiry['due']:,} were still unprocessed "
                         "when the clock moved.)")
        if expiry.get("timedOut"):
            lines.append(f"**Grants ending together**: {expiry['processed']:,} of {expiry['due']:,} processed in {expiry['seconds']:.0f} s; "
                         f"**{expiry['remaining']:,} still unprocessed** when the script gave up.")
        else:
            rate = expiry.get("perSecondWhileProcessing") or expiry["perSecond"]
            window = expiry.get("processingWindow")
            lines.append(f"**Grants ending together**: all {expiry['due']:,} processed {expiry['seconds']:.1f} s after the clock reached their end "
                         f"(the wait includes the expiry job's interval; processing itself took at most {window} s, at least {rate:,.0f} a second, "
                         f"polling the database every 0.25 s; page cache {meta.get('expiryCache', 'as-left')}){cpu_text(expiry)}.")
    else:
        lines.append("**Grants ending together**: not measured.")
    rss = meta.get("rssKb")
    restarted = " (of the server as last restarted, so not the whole run)" if crashes else ""
    lines.append(f"**Server peak RSS** (VmHWM at the end){restarted}: {rss / 1024:,.0f} MB." if rss else "**Server peak RSS**: not read.")
    text = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
