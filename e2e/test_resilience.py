"""Resilience (issue 14): crash safety under SIGKILL, on SQLite and on PostgreSQL, and several servers on one
PostgreSQL.

Crash safety: `casework serve` takes concurrent audited writes from several client threads (ledger receipts and
payments with Idempotency-Keys, contacts, service requests routed and assigned, CSUA150 access requests taken
through all three decisions to a grant) and is killed with SIGKILL CASEWORK_CRASH_ROUNDS times (default 20), at a
random moment 1-2 s into each round's load, then started again on the same data. Every write the server
acknowledged (2xx) is recorded; after each kill `casework verify-audit` must pass and (SQLite) `PRAGMA
integrity_check` must say ok; after each restart every write acknowledged that round is read back through the API,
the lists that hold earlier rounds' writes are checked whole, receipts whose answer was lost in the crash are sent
again with the same Idempotency-Key (and some acknowledged ones too), and each ledger must balance to the penny.

Several servers: three `casework serve` processes on one scratch PostgreSQL, requests spread round-robin: racing
final approvals and assignments have exactly one winner, a grant's end is processed once, each email is sent once,
a session works everywhere and ends everywhere, and when one server is killed the other two carry on.

Environment: CASEWORK_CRASH_ROUNDS (default 20), CASEWORK_CRASH_SEED (random seed for the kill moments),
CASEWORK_E2E_REQUIRE_PG=1 (fail instead of skipping when PostgreSQL 15 is not installed).
Counts are printed (see them with -s or -rA) and written to test-output/e2e/crash-safety-<store>.txt.
"""
from __future__ import annotations

import collections
import datetime as dt
import os
import random
import re
import shutil
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest
import requests
from aiosmtpd.controller import Controller

from conftest import OUTPUT_DIR, _free_port
from resilience_support import (
    UNREACHABLE, Answer, ScratchPostgres, Server, base_env, call, expect, list_all, postgres_available, run_casework,
    scratch_dir, seed_demo, sign_in, uk_yesterday,
)
from test_email import Mailbox

CRASH_ROUNDS = int(os.environ.get("CASEWORK_CRASH_ROUNDS") or 20)
CRASH_SEED = int(os.environ.get("CASEWORK_CRASH_SEED") or random.SystemRandom().randrange(1, 10**6))
LOAD_S = (1.0, 2.0)

# Demo accounts (see `casework seed --demo --json`).
TOM = "20010002"          # caseworker, Newcastle Casework 1
AISHA = "20010003"        # caseworker, Newcastle Casework 1
LIAM = "20010004"         # caseworker, Newcastle Casework 1
SARAH = "20010001"        # their team leader (also a caseworker)
ROBERT = "30000002"       # SCR manager
MARCUS = "40000002"       # provisioning
YUSUF = "40000003"        # provisioning
CLAIRE = "40000001"       # team leader + provisioning
GRACE = "60000004"        # receipts tool case worker
ADMIN = "90000001"        # administrator
SENSITIVE_NINO = "AB123456C"
NEWCASTLE = "newcastle-casework-1"

SR_RANK = {"open": 0, "pendingAssignment": 1, "assigned": 2, "inProgress": 3, "closed": 4}
AR_RANK = {"awaitingTeamLeader": 0, "awaitingScrManager": 1, "awaitingProvisioning": 2, "granted": 3}


# ---------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="module")
def scratch_pg() -> ScratchPostgres:
    if not postgres_available():
        reason = "PostgreSQL 15 binaries are not installed in /usr/lib/postgresql/15/bin (apt-get install postgresql-15)"
        if os.environ.get("CASEWORK_E2E_REQUIRE_PG") == "1":
            pytest.fail(reason + "; CASEWORK_E2E_REQUIRE_PG=1 requires them")
        pytest.skip(reason)
    pg = ScratchPostgres()
    try:
        pg.start(port=56432)
        yield pg
    finally:
        pg.stop()


# ---------------------------------------------------------------------- crash safety: what the clients saw


class Unexpected(Exception):
    """The server answered, but not as the contract says."""


@dataclass
class Ack:
    kind: str            # receipt, payment, contact, sr.create, sr.route, sr.assign, access.create, access.<stage>
    ident: str           # the record's id
    round: int
    expect: dict = field(default_factory=dict)


@dataclass
class LedgerKey:
    """A receipt or payment sent under an Idempotency-Key; `state` is acked, or unknown when the answer was lost."""
    key: str
    case: str
    kind: str
    body: dict
    state: str = "sending"
    entry_id: str | None = None
    round: int = 0


class Book:
    """Everything the clients sent and what the server acknowledged."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.acks: list[Ack] = []
        self.keys: dict[str, LedgerKey] = {}
        self.problems: list[str] = []
        self.in_flight_at_kill: collections.Counter = collections.Counter()
        self.retried_committed = 0      # answer lost in the crash, the write had been committed: 200 on retry
        self.retried_new = 0            # answer lost in the crash, nothing committed: 201 on retry
        self.resent_acked = 0           # acknowledged keys sent again after a restart: 200, same entry
        self.integrity_checks = 0
        self.audit_runs = 0
        self.events_verified = 0
        self.read_back = 0

    def ack(self, kind: str, ident: str, round_no: int, **expect_: Any) -> None:
        with self.lock:
            self.acks.append(Ack(kind, ident, round_no, expect_))

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)

    def counts(self) -> collections.Counter:
        return collections.Counter(a.kind for a in self.acks)


class Client:
    """One load thread's view: posts, records acknowledgements, notes lost answers."""

    def __init__(self, book: Book, base: str, round_no: int) -> None:
        self.book = book
        self.base = base
        self.round = round_no
        self.session = requests.Session()

    def post(self, kind: str, path: str, token: str, body: dict, status: int, headers: dict | None = None) -> Answer:
        try:
            answer = call(self.session, self.base, "POST", path, token, body, headers)
        except UNREACHABLE as exc:
            refused = "refused" in str(exc).lower()
            with self.book.lock:
                self.book.in_flight_at_kill[kind if not refused else "refused (never sent)"] += 1
            raise
        except requests.exceptions.Timeout:
            raise Unexpected(f"round {self.round}: POST {path} ({kind}) had no answer within 30 s") from None
        if answer.status != status:
            raise Unexpected(f"round {self.round}: POST {path} ({kind}) answered {answer.status}, expected {status}: {answer.text[:500]}")
        return answer


def run_loop(book: Book, stop: threading.Event, client: Client, iteration: Callable[[Client], None]) -> None:
    try:
        while not stop.is_set():
            iteration(client)
    except UNREACHABLE:
        return  # the server was killed: this client's last write (if any) is unknown
    except Unexpected as exc:
        book.problem(str(exc))
    except Exception as exc:  # noqa: BLE001 - reported as a failure of the round
        book.problem(f"round {client.round}: load thread failed: {exc!r}")
    finally:
        client.session.close()


@dataclass
class Tokens:
    tom: str
    aisha: str
    liam: str
    sarah: str
    robert: str
    marcus: str
    grace: str


class LedgerLoad:
    """A receipt, then a payment of half of it, again and again, on one exceptional case, each under its own key.
    A payment is only sent once its receipt was acknowledged, so the case always holds enough."""

    def __init__(self, book: Book, tag: str, case_id: str, token: str, rng: random.Random) -> None:
        self.book, self.tag, self.case, self.token, self.rng = book, tag, case_id, token, rng
        self.n = 0
        self.day = uk_yesterday()

    def send(self, c: Client, entry: LedgerKey) -> None:
        with self.book.lock:
            self.book.keys[entry.key] = entry
        try:
            answer = c.post(entry.kind, f"/api/v1/exceptional-cases/{self.case}/{entry.kind}s", self.token, entry.body, 201,
                            {"Idempotency-Key": entry.key})
        except UNREACHABLE:
            entry.state = "unknown"
            raise
        got = answer.body
        if got.get("amountPence") != entry.body["amountPence"] or got.get("kind") != entry.kind:
            raise Unexpected(f"round {c.round}: {entry.kind} {entry.key} acknowledged as {got}")
        entry.entry_id, entry.state = got["id"], "acked"
        self.book.ack(entry.kind, got["id"], c.round, key=entry.key, case=self.case, amount=entry.body["amountPence"])

    def __call__(self, c: Client) -> None:
        self.n += 1
        amount = self.rng.randrange(101, 250_000)
        self.send(c, LedgerKey(f"{self.tag}-{self.n}-receipt", self.case, "receipt", {
            "amountPence": amount, "receivedOn": self.day, "method": "cheque", "payer": "Crash Payer",
            "reference": f"CHQ {self.tag} {self.n}"}, round=c.round))
        self.send(c, LedgerKey(f"{self.tag}-{self.n}-payment", self.case, "payment", {
            "amountPence": amount // 2, "paidOn": self.day, "method": "bankTransfer", "reference": f"BACS {self.tag} {self.n}"},
            round=c.round))


class ContactLoad:
    def __init__(self, book: Book, tag: str, token: str) -> None:
        self.book, self.tag, self.token, self.n = book, tag, token, 0

    def __call__(self, c: Client) -> None:
        self.n += 1
        scin = f"K{self.tag}{self.n:07d}"
        name = f"Crash Witness {self.tag} {self.n}"
        got = c.post("contact", "/api/v1/contacts", self.token, {"name": name, "scin": scin}, 201).body
        self.book.ack("contact", got["id"], c.round, name=name, scin=scin)


class AssignmentLoad:
    """Tom raises an SR, routes it to his team's hopper, Sarah assigns it to Aisha."""

    def __init__(self, book: Book, t: Tokens) -> None:
        self.book, self.t, self.n = book, t, 0

    def __call__(self, c: Client) -> None:
        self.n += 1
        sr = c.post("sr.create", "/api/v1/service-requests", self.t.tom,
                    {"type": "generalEnquiry", "description": f"Crash-safety enquiry {self.n}"}, 201).body["id"]
        self.book.ack("sr.create", sr, c.round, rank=SR_RANK["open"], reader="tom")
        routed = c.post("sr.route", f"/api/v1/service-requests/{sr}/status", self.t.tom, {"status": "pendingAssignment"}, 200).body
        if routed.get("segment") != NEWCASTLE:
            raise Unexpected(f"round {c.round}: SR {sr} routed to {routed.get('segment')!r}, not {NEWCASTLE}")
        self.book.ack("sr.route", sr, c.round, rank=SR_RANK["pendingAssignment"], reader="tom")
        done = c.post("sr.assign", f"/api/v1/service-requests/{sr}/assignment", self.t.sarah, {"staffId": AISHA}, 200).body
        if done.get("assigneeStaffId") != AISHA or done.get("status") != "assigned":
            raise Unexpected(f"round {c.round}: assigning SR {sr} answered {done}")
        self.book.ack("sr.assign", sr, c.round, rank=SR_RANK["assigned"], reader="tom", assignee=AISHA)


class AccessLoad:
    """Liam raises an SR and a CSUA150 request on it; Sarah, Robert and Marcus approve it in turn."""

    def __init__(self, book: Book, t: Tokens) -> None:
        self.book, self.t, self.n = book, t, 0

    def __call__(self, c: Client) -> None:
        self.n += 1
        sr = c.post("sr.create", "/api/v1/service-requests", self.t.liam,
                    {"type": "generalEnquiry", "description": f"Crash-safety caller {self.n}"}, 201).body["id"]
        self.book.ack("sr.create", sr, c.round, rank=SR_RANK["open"], reader="liam")
        ar = c.post("access.create", "/api/v1/access-requests", self.t.liam, {
            "purpose": "viewContact", "serviceRequestId": sr, "requestedDurationMinutes": 60,
            "justification": "Caller asked about a payment (crash-safety load)", "nino": SENSITIVE_NINO}, 201).body
        self.book.ack("access.create", ar["id"], c.round, rank=AR_RANK["awaitingTeamLeader"])
        for kind, token, status, extra in (
            ("access.teamLeader", self.t.sarah, "awaitingScrManager", {}),
            ("access.scrManager", self.t.robert, "awaitingProvisioning", {}),
            ("access.provisioning", self.t.marcus, "granted", {"durationMinutes": 45}),
        ):
            got = c.post(kind, f"/api/v1/access-requests/{ar['id']}/decisions", token, {"decision": "approve", **extra}, 200).body
            if got.get("status") != status:
                raise Unexpected(f"round {c.round}: {kind} on {ar['id']} left it {got.get('status')!r}, expected {status}")
            grant = got.get("grantId")
            if status == "granted" and not grant:
                raise Unexpected(f"round {c.round}: provisioning's approval of {ar['id']} answered no grantId: {got}")
            self.book.ack(kind, ar["id"], c.round, rank=AR_RANK[status], grant=grant)


# ---------------------------------------------------------------------- crash safety: the checks


def snapshot_sqlite(data_dir: Path, round_no: int) -> Path:
    """A byte copy of the SQLite files as the kill left them."""
    snapshot = data_dir.parent / f"{data_dir.name}-after-kill-{round_no}"
    shutil.rmtree(snapshot, ignore_errors=True)
    snapshot.mkdir()
    for suffix in ("", "-wal", "-shm"):
        source = data_dir / f"casework.sqlite{suffix}"
        if source.exists():
            shutil.copy2(source, snapshot / source.name)
    return snapshot


def sqlite_integrity(path: Path) -> str:
    db = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=30)
    try:
        rows = db.execute("PRAGMA integrity_check").fetchall()
    finally:
        db.close()
    return "; ".join(str(r[0]) for r in rows)


def verify_audit(env: dict[str, str], book: Book, when: str) -> None:
    result = run_casework(env, "verify-audit", timeout=300)
    assert result.returncode == 0, (
        f"{when}: `casework verify-audit` exited {result.returncode}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    found = re.search(r"(\d+) events checked", result.stdout)
    assert found, f"{when}: verify-audit did not say how many events it checked: {result.stdout!r}"
    book.audit_runs += 1
    book.events_verified = int(found.group(1))


def resolve_lost_answers(book: Book, base: str, grace: str, round_no: int) -> None:
    """Receipts and payments whose answer the crash swallowed are sent again, same body, same key: 200 if the first
    try was committed, 201 if not; never a second entry. The last acknowledged key of each case goes again too."""
    with requests.Session() as s:
        for entry in [e for e in book.keys.values() if e.state in ("unknown", "sending")]:
            answer = call(s, base, "POST", f"/api/v1/exceptional-cases/{entry.case}/{entry.kind}s", grace, entry.body,
                          {"Idempotency-Key": entry.key})
            assert answer.status in (200, 201), (
                f"after restart {round_no}: re-sending {entry.kind} {entry.key} (answer lost in the crash) answered "
                f"{answer.status}: {answer.text[:500]}")
            assert answer.body["amountPence"] == entry.body["amountPence"], f"re-sent {entry.key} came back as {answer.body}"
            if answer.status == 200:
                book.retried_committed += 1
            else:
                book.retried_new += 1
            entry.entry_id, entry.state = answer.body["id"], "acked"
            book.ack(entry.kind, entry.entry_id, round_no, key=entry.key, case=entry.case, amount=entry.body["amountPence"],
                     retried=True)
        last_by_case: dict[str, LedgerKey] = {}
        for entry in book.keys.values():
            if entry.state == "acked":
                last_by_case[entry.case] = entry
        for entry in last_by_case.values():
            answer = call(s, base, "POST", f"/api/v1/exceptional-cases/{entry.case}/{entry.kind}s", grace, entry.body,
                          {"Idempotency-Key": entry.key})
            assert answer.status == 200, (
                f"after restart {round_no}: re-sending the acknowledged {entry.kind} {entry.key} must answer 200 "
                f"(already recorded), got {answer.status}: {answer.text[:500]}")
            assert answer.body["id"] == entry.entry_id, (
                f"after restart {round_no}: re-sent {entry.key} answered entry {answer.body['id']}, first recorded as {entry.entry_id}")
            book.resent_acked += 1


def check_ledgers(book: Book, base: str, grace: str, when: str) -> dict[str, dict]:
    """Each case's statement holds exactly the acknowledged entries, and its totals are their sums to the penny."""
    statements = {}
    with requests.Session() as s:
        for case in sorted({e.case for e in book.keys.values()}):
            mine = [e for e in book.keys.values() if e.case == case]
            assert all(e.state == "acked" for e in mine), f"{when}: unresolved keys {[e.key for e in mine if e.state != 'acked']}"
            st = expect(call(s, base, "GET", f"/api/v1/exceptional-cases/{case}/statement", grace), 200, f"{when}: statement of {case}")
            on_statement = {e["id"]: e for e in st["entries"]}
            acked = {e.entry_id: e for e in mine}
            missing = sorted(set(acked) - set(on_statement))
            extra = sorted(set(on_statement) - set(acked))
            assert not missing, f"{when}: acknowledged ledger entries missing from case {case}: {[acked[i].key for i in missing]}"
            assert not extra, (f"{when}: case {case} holds entries nobody was acknowledged for (a double count?): "
                               f"{[on_statement[i] for i in extra][:5]}")
            for entry_id, e in acked.items():
                line = on_statement[entry_id]
                assert (line["kind"], line["amountPence"]) == (e.kind, e.body["amountPence"]), f"{when}: {e.key} reads back as {line}"
            receipts = sum(e.body["amountPence"] for e in mine if e.kind == "receipt")
            payments = sum(e.body["amountPence"] for e in mine if e.kind == "payment")
            assert (st["receiptsPence"], st["paymentsPence"], st["balancePence"]) == (receipts, payments, receipts - payments), (
                f"{when}: case {case} reports receipts {st['receiptsPence']}, payments {st['paymentsPence']}, balance "
                f"{st['balancePence']}; the acknowledged entries sum to {receipts}, {payments}, {receipts - payments}")
            statements[case] = {"receipts": receipts, "payments": payments, "entries": len(mine)}
    return statements


def read_back(book: Book, base: str, t: Tokens, acks: list[Ack], when: str) -> None:
    """Reads each acknowledged record through the API: it must be there, at least as far on as acknowledged."""
    by_record: dict[tuple[str, str], Ack] = {}
    for a in acks:
        family = a.kind.split(".")[0]
        if family in ("receipt", "payment"):
            continue  # the statements check those
        key = (family, a.ident)
        if key not in by_record or a.expect.get("rank", 0) >= by_record[key].expect.get("rank", 0):
            by_record[key] = a
    reader = {"tom": t.tom, "liam": t.liam}

    def check(item: tuple[tuple[str, str], Ack]) -> str | None:
        (family, ident), a = item
        with requests.Session() as s:
            if family == "contact":
                got = call(s, base, "GET", f"/api/v1/contacts/{ident}", t.tom)
                if got.status != 200:
                    return f"contact {ident} (acknowledged in round {a.round}) answers {got.status}: {got.text[:300]}"
                if (got.body.get("name"), got.body.get("scin")) != (a.expect["name"], a.expect["scin"]):
                    return f"contact {ident} reads back as {got.body.get('name')!r}/{got.body.get('scin')!r}, sent {a.expect}"
            elif family == "sr":
                got = call(s, base, "GET", f"/api/v1/service-requests/{ident}", reader[a.expect["reader"]])
                if got.status != 200:
                    return f"SR {ident} ({a.kind} acknowledged in round {a.round}) answers {got.status}: {got.text[:300]}"
                if SR_RANK.get(got.body.get("status"), -1) < a.expect["rank"]:
                    return f"SR {ident} is {got.body.get('status')!r} although {a.kind} was acknowledged in round {a.round}"
                if "assignee" in a.expect and got.body.get("assigneeStaffId") != a.expect["assignee"]:
                    return f"SR {ident} is assigned to {got.body.get('assigneeStaffId')!r}, acknowledged as {a.expect['assignee']}"
            elif family == "access":
                got = call(s, base, "GET", f"/api/v1/access-requests/{ident}", t.liam)
                if got.status != 200:
                    return f"access request {ident} ({a.kind} acknowledged in round {a.round}) answers {got.status}: {got.text[:300]}"
                if AR_RANK.get(got.body.get("status"), -1) < a.expect["rank"]:
                    return f"access request {ident} is {got.body.get('status')!r} although {a.kind} was acknowledged in round {a.round}"
                if a.expect.get("grant"):
                    if (got.body.get("grantId") or "").upper() != a.expect["grant"].upper():
                        return f"access request {ident} names grant {got.body.get('grantId')!r}, acknowledged with {a.expect['grant']}"
                    grant = call(s, base, "GET", f"/api/v1/grants/{a.expect['grant']}", t.liam)
                    if grant.status != 200 or (grant.body.get("requestId") or "").upper() != ident.upper():
                        return f"grant {a.expect['grant']} of {ident} answers {grant.status}: {grant.text[:300]}"
        return None

    with ThreadPoolExecutor(4) as pool:
        failures = [f for f in pool.map(check, by_record.items()) if f]
    book.read_back += len(by_record)
    assert not failures, f"{when}: {len(failures)} acknowledged write(s) not found as acknowledged:\n" + "\n".join(failures[:20])


def check_lists(book: Book, base: str, t: Tokens, when: str) -> None:
    """Earlier rounds' writes, whole: Aisha's assigned SRs and Liam's access requests and grants."""
    with requests.Session() as s:
        mine = {i["id"].upper(): i for i in list_all(s, base, f"/api/v1/service-requests?assignee={AISHA}", t.aisha)}
        assigned = {a.ident.upper() for a in book.acks if a.kind == "sr.assign"}
        lost = sorted(assigned - set(mine))
        assert not lost, f"{when}: {len(lost)} acknowledged assignment(s) to Aisha missing from her list: {lost[:10]}"
        requests_ = {i["id"].upper(): i for i in list_all(s, base, "/api/v1/access-requests", t.liam)}
        behind = []
        for a in book.acks:
            if a.kind.startswith("access."):
                got = requests_.get(a.ident.upper())
                if got is None or AR_RANK.get(got["status"], -1) < a.expect["rank"]:
                    behind.append(f"{a.ident} ({a.kind}, round {a.round}): {got and got['status']}")
        assert not behind, f"{when}: acknowledged access decisions not in Liam's list as acknowledged: {behind[:10]}"
        grants = expect(call(s, base, "GET", f"/api/v1/grants?staffId={LIAM}", t.liam), 200, "Liam's grants")["items"]
        held = {g["id"].upper() for g in grants}
        granted = {a.expect["grant"].upper() for a in book.acks if a.kind == "access.provisioning"}
        assert granted <= held, f"{when}: acknowledged grants missing from Liam's grants: {sorted(granted - held)[:10]}"


def summary(store: str, book: Book, rounds: int, statements: dict, elapsed: float) -> str:
    counts = book.counts()
    lines = [
        f"crash safety on {store}: {rounds} rounds, each ended by SIGKILL {LOAD_S[0]:g}-{LOAD_S[1]:g} s into the load "
        f"(CASEWORK_CRASH_SEED={CRASH_SEED}), {elapsed:.1f} s",
        f"acknowledged writes: {sum(counts.values())} ("
        + ", ".join(f"{k} {counts[k]}" for k in sorted(counts)) + ")",
        f"records read back through the API after restarts: {book.read_back}",
        f"writes whose answer was lost in a kill: "
        + (", ".join(f"{k} {v}" for k, v in sorted(book.in_flight_at_kill.items())) or "none"),
        f"idempotent retries after restarts: {book.retried_committed} lost answers re-sent and found already recorded (200), "
        f"{book.retried_new} re-sent and recorded then (201); {book.resent_acked} acknowledged keys re-sent (200, same entry)",
    ]
    for case, s in statements.items():
        lines.append(f"ledger {case}: {s['entries']} entries, receipts {s['receipts']}p, payments {s['payments']}p, "
                     f"balance {s['receipts'] - s['payments']}p: matches the API to the penny")
    lines.append(f"verify-audit: exit 0 on all {book.audit_runs} runs; audit events verified at the end: {book.events_verified}")
    if store == "sqlite":
        lines.append(f"PRAGMA integrity_check: ok after all {book.integrity_checks} kills")
    return "\n".join(lines)


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_acknowledged_writes_survive_repeated_sigkill(store: str, request: pytest.FixtureRequest) -> None:
    started = time.monotonic()
    rng = random.Random(f"{CRASH_SEED}-{store}")
    data_dir = scratch_dir(f"casework-crash-{store}-")
    database_url = None
    if store == "postgres":
        database_url = request.getfixturevalue("scratch_pg").create_database("casework_crash")
    env = base_env(data_dir, database_url)
    print(f"\ncrash safety on {store}: data in {data_dir}{' and ' + database_url if database_url else ''} "
          f"(kept if the test fails); CASEWORK_CRASH_SEED={CRASH_SEED}")
    seed_demo(env)
    server = Server(f"crash-{store}-server", env)
    book = Book()
    statements: dict = {}
    try:
        server.start()
        base = server.base
        t = Tokens(tom=sign_in(base, TOM), aisha=sign_in(base, AISHA), liam=sign_in(base, LIAM),
                   sarah=sign_in(base, SARAH, "teamLeader"), robert=sign_in(base, ROBERT, "scrManager"),
                   marcus=sign_in(base, MARCUS), grace=sign_in(base, GRACE))
        with requests.Session() as s:
            cases = [expect(call(s, base, "POST", "/api/v1/exceptional-cases", t.grace, {"type": "one", "notes": f"crash {n}"}),
                            201, "new exceptional case")["id"] for n in range(2)]
        tag = store[0].upper()
        loads: list[Callable[[Client], None]] = [
            LedgerLoad(book, f"{store}-a", cases[0], t.grace, rng),
            LedgerLoad(book, f"{store}-b", cases[1], t.grace, rng),
            ContactLoad(book, tag, t.tom),
            AssignmentLoad(book, t),
            AccessLoad(book, t),
        ]
        for round_no in range(1, CRASH_ROUNDS + 1):
            when = f"{store}, round {round_no}"
            before = len(book.acks)
            stop = threading.Event()
            threads = [threading.Thread(target=run_loop, args=(book, stop, Client(book, base, round_no), load), daemon=True)
                       for load in loads]
            for th in threads:
                th.start()
            time.sleep(rng.uniform(*LOAD_S))
            server.kill9()
            stop.set()
            for th in threads:
                th.join(timeout=60)
            assert not any(th.is_alive() for th in threads), f"{when}: a load thread hung after the kill"
            assert not book.problems, f"{when}: the server answered against its contract under load:\n" + "\n".join(book.problems[:20])
            assert len(book.acks) > before, f"{when}: the server acknowledged no write at all in {LOAD_S[1]} s of load"

            # The server is dead: check the store as the kill left it.
            if store == "sqlite":
                # On a copy (database, WAL and shared memory), so the restarted server recovers the WAL itself.
                snapshot = snapshot_sqlite(data_dir, round_no)
                result = sqlite_integrity(snapshot / "casework.sqlite")
                assert result == "ok", f"{when}: PRAGMA integrity_check after SIGKILL says: {result[:2000]}"
                book.integrity_checks += 1
                verify_audit({**env, "CASEWORK_DATA_DIR": str(snapshot)}, book, f"{when}, after SIGKILL")
                shutil.rmtree(snapshot, ignore_errors=True)
            else:
                verify_audit(env, book, f"{when}, after SIGKILL")

            server.start()
            resolve_lost_answers(book, base, t.grace, round_no)
            read_back(book, base, t, [a for a in book.acks if a.round == round_no], f"{when}, after restart")
            check_lists(book, base, t, f"{when}, after restart")
            statements = check_ledgers(book, base, t.grace, f"{when}, after restart")

        # Everything acknowledged in every round, once more, after the last restart.
        read_back(book, base, t, book.acks, f"{store}, after all {CRASH_ROUNDS} rounds")
        counts = book.counts()
        for kind in ("receipt", "payment", "contact", "sr.create", "sr.route", "sr.assign", "access.create",
                     "access.teamLeader", "access.scrManager", "access.provisioning"):
            assert counts[kind] > 0, f"{store}: no {kind} was ever acknowledged: the load did not exercise it ({dict(counts)})"
        server.stop()
        verify_audit(env, book, f"{store}, at the end")
    finally:
        server.stop()
    text = summary(store, book, CRASH_ROUNDS, statements, time.monotonic() - started)
    print(text)
    (OUTPUT_DIR / f"crash-safety-{store}.txt").write_text(text + "\n")
    shutil.rmtree(data_dir, ignore_errors=True)


# ---------------------------------------------------------------------- several servers on one PostgreSQL


@dataclass
class Cluster:
    servers: list[Server]
    mailbox: Mailbox
    now: dt.datetime

    def base(self, i: int) -> str:
        return self.servers[i % len(self.servers)].base

    def live(self) -> list[Server]:
        return [s for s in self.servers if s.alive()]

    def set_clock(self, instant: dt.datetime) -> None:
        """Every server's test clock to the same instant (each server has its own clock)."""
        self.now = instant
        text = instant.strftime("%Y-%m-%dT%H:%M:%SZ")
        with requests.Session() as s:
            for server in self.live():
                got = expect(call(s, server.base, "POST", "/api/v1/test-clock", body={"now": text}), 200, f"test clock on {server.name}")
                assert got["now"] == text, f"{server.name}'s clock reads {got['now']}, set to {text}"

    def messages(self) -> list[tuple[list[str], Any]]:
        with self.mailbox.lock:
            return list(self.mailbox.messages)


def wait_for(what: str, check: Callable[[], Any], timeout: float = 40, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def subjects_to(cluster: Cluster, address: str, *parts: str) -> list[str]:
    return [m["Subject"] for rcpts, m in cluster.messages() if address in rcpts and all(p in m["Subject"] for p in parts)]


def race(n: int, job: Callable[[int], Answer]) -> list[Answer]:
    """n requests released together."""
    barrier = threading.Barrier(n)

    def go(i: int) -> Answer:
        barrier.wait(timeout=60)
        return job(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(go, range(n)))


def statuses(answers: list[Answer]) -> collections.Counter:
    return collections.Counter(a.status for a in answers)


def odd_answers(answers: list[Answer], allowed: set[int]) -> str:
    odd = [a for a in answers if a.status not in allowed]
    return "\n".join(f"{a.status}: {a.text[:400]}" for a in odd[:5])


@pytest.fixture(scope="module")
def cluster(scratch_pg: ScratchPostgres) -> Cluster:
    database_url = scratch_pg.create_database("casework_cluster")
    smtp_port = _free_port()
    data_dir = scratch_dir("casework-cluster-")
    env = base_env(data_dir, database_url, CASEWORK_TEST_CLOCK="1",
                   CASEWORK_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}", CASEWORK_PUBLIC_URL="https://casework.test.example")
    seed_demo(env)
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    servers = [Server(f"cluster-server-{i}", env) for i in range(3)]
    try:
        for server in servers:
            server.start()
        c = Cluster(servers, mailbox, dt.datetime.now(dt.timezone.utc).replace(microsecond=0))
        c.set_clock(c.now)
        yield c
    finally:
        for server in servers:
            server.stop()
        controller.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def build_request_to_provisioning(c: Cluster, requester: str, what: str) -> tuple[dict, dict[str, str]]:
    """A CSUA150 request raised, countersigned and SCR-approved, each step on a different server."""
    tokens = {"requester": sign_in(c.base(0), requester), "sarah": sign_in(c.base(1), SARAH, "teamLeader"),
              "robert": sign_in(c.base(2), ROBERT, "scrManager")}
    with requests.Session() as s:
        sr = expect(call(s, c.base(0), "POST", "/api/v1/service-requests", tokens["requester"],
                         {"type": "generalEnquiry", "description": what}), 201, "new SR")
        ar = expect(call(s, c.base(1), "POST", "/api/v1/access-requests", tokens["requester"], {
            "purpose": "viewContact", "serviceRequestId": sr["id"], "requestedDurationMinutes": 60,
            "justification": what, "nino": SENSITIVE_NINO}), 201, "new access request")
        got = expect(call(s, c.base(2), "POST", f"/api/v1/access-requests/{ar['id']}/decisions", tokens["sarah"],
                          {"decision": "approve"}), 200, "team leader countersigns")
        assert got["status"] == "awaitingScrManager"
        got = expect(call(s, c.base(0), "POST", f"/api/v1/access-requests/{ar['id']}/decisions", tokens["robert"],
                          {"decision": "approve"}), 200, "SCR manager approves")
        assert got["status"] == "awaitingProvisioning"
    return ar, tokens


def test_fifty_concurrent_final_approvals_across_three_servers_make_one_grant(cluster: Cluster) -> None:
    c = cluster
    ar, tokens = build_request_to_provisioning(c, TOM, "Caller asked about a payment (50 approvals race)")
    provisioners = [sign_in(c.base(0), MARCUS), sign_in(c.base(1), YUSUF), sign_in(c.base(2), CLAIRE, "provisioning")]

    def approve(i: int) -> Answer:
        with requests.Session() as s:
            return call(s, c.base(i), "POST", f"/api/v1/access-requests/{ar['id']}/decisions", provisioners[i % 3],
                        {"decision": "approve", "durationMinutes": 30}, timeout=120)

    answers = race(50, approve)
    seen = statuses(answers)
    assert seen == {200: 1, 409: 49}, f"50 racing final approvals answered {dict(seen)}; odd ones:\n{odd_answers(answers, {200, 409})}"
    winner = next(a.body for a in answers if a.status == 200)
    assert winner["status"] == "granted" and winner.get("grantId"), winner
    for a in answers:
        if a.status == 409:
            assert a.body and a.body.get("status") == 409 and a.body.get("detail"), f"a 409 without a problem body: {a.text[:300]}"

    with requests.Session() as s:
        for i in range(3):
            seen_here = expect(call(s, c.base(i), "GET", f"/api/v1/access-requests/{ar['id']}", tokens["requester"]), 200, "request")
            assert seen_here["status"] == "granted" and seen_here["grantId"] == winner["grantId"], seen_here
            approvals = [h for h in seen_here["history"] if h["action"] == "provisioning.approve"]
            assert len(approvals) == 1, f"server {i}: the history records {len(approvals)} provisioning approvals: {seen_here['history']}"
        grants = expect(call(s, c.base(1), "GET", f"/api/v1/grants?staffId={TOM}", tokens["requester"]), 200, "Tom's grants")["items"]
        mine = [g for g in grants if g["requestId"].upper() == ar["id"].upper()]
        assert len(mine) == 1, f"{len(mine)} grants for one request: {mine}"
        assert mine[0]["id"] == winner["grantId"]
        expires = dt.datetime.fromisoformat(mine[0]["expiresAt"].replace("Z", "+00:00")) - dt.datetime.fromisoformat(
            mine[0]["grantedAt"].replace("Z", "+00:00"))
        assert expires == dt.timedelta(minutes=30), f"the grant runs {expires}, provisioning asked for 30 minutes"
        admin = sign_in(c.base(2), ADMIN)
        events = expect(call(s, c.base(2), "GET", f"/api/v1/audit-events?subject={ar['id']}&limit=500", admin), 200, "audit")["items"]
        decided = [e for e in events if e["action"] == "access.decide" and "provisioning approve" in e["detail"]]
        assert len(decided) == 1, f"{len(decided)} provisioning approvals in the audit trail: {decided}"
        # The requester is told once that it was granted.
        notes = expect(call(s, c.base(2), "GET", "/api/v1/notifications", tokens["requester"]), 200, "Tom's inbox")["items"]
        told = [n for n in notes if n["kind"] == "granted" and ar["reference"] in n["text"]]
        assert len(told) == 1, f"Tom was told {len(told)} times that {ar['reference']} was granted: {told}"


def test_a_hundred_concurrent_assignments_across_three_servers_give_one_assignee(cluster: Cluster) -> None:
    c = cluster
    tom = sign_in(c.base(0), TOM)
    leaders = [sign_in(c.base(i), SARAH, "teamLeader") for i in range(3)]
    members = [TOM, AISHA, LIAM, SARAH]
    with requests.Session() as s:
        sr = expect(call(s, c.base(0), "POST", "/api/v1/service-requests", tom,
                         {"type": "generalEnquiry", "description": "Caller asks about arrears (assignment race)"}), 201, "SR")
        routed = expect(call(s, c.base(1), "POST", f"/api/v1/service-requests/{sr['id']}/status", tom,
                             {"status": "pendingAssignment"}), 200, "route")
        assert routed["segment"] == NEWCASTLE and routed["status"] == "pendingAssignment", routed

    def assign(i: int) -> Answer:
        with requests.Session() as s:
            return call(s, c.base(i), "POST", f"/api/v1/service-requests/{sr['id']}/assignment", leaders[i % 3],
                        {"staffId": members[i % 4]}, timeout=120)

    answers = race(100, assign)
    seen = statuses(answers)
    assert seen == {200: 1, 409: 99}, f"100 racing assignments answered {dict(seen)}; odd ones:\n{odd_answers(answers, {200, 409})}"
    winner = next(a.body for a in answers if a.status == 200)
    assignee = winner["assigneeStaffId"]
    assert winner["status"] == "assigned" and assignee in members, winner

    with requests.Session() as s:
        for i in range(3):
            now = expect(call(s, c.base(i), "GET", f"/api/v1/service-requests/{sr['id']}", tom), 200, "SR")
            assert (now["status"], now["assigneeStaffId"]) == ("assigned", assignee), f"server {i} shows {now['status']} / {now.get('assigneeStaffId')}"
            assigned = [h for h in now["history"] if h["action"] == "assigned"]
            assert len(assigned) == 1, f"server {i}: the SR's history records {len(assigned)} assignments: {assigned}"
        admin = sign_in(c.base(1), ADMIN)
        events = expect(call(s, c.base(1), "GET", f"/api/v1/audit-events?subject={sr['id']}&limit=500", admin), 200, "audit")["items"]
        assert len([e for e in events if e["action"] == "sr.assign"]) == 1, [e for e in events if e["action"] == "sr.assign"]
        hopper = expect(call(s, c.base(2), "GET", f"/api/v1/hoppers/{NEWCASTLE}/items?limit=500", leaders[2]), 200, "hopper")["items"]
        assert sr["id"] not in {h["id"] for h in hopper}, "the assigned SR still waits in the hopper"


def test_a_grant_ending_is_processed_once_across_three_servers(cluster: Cluster) -> None:
    c = cluster
    ar, tokens = build_request_to_provisioning(c, LIAM, "Caller asked about a payment (grant end)")
    marcus = sign_in(c.base(1), MARCUS)
    with requests.Session() as s:
        granted = expect(call(s, c.base(1), "POST", f"/api/v1/access-requests/{ar['id']}/decisions", marcus,
                              {"decision": "approve", "durationMinutes": 5}), 200, "provisioning grants")
        grant_id = granted["grantId"]
        link = f"/grants/{grant_id}"
        ref = ar["reference"]

        # All three clocks pass the end together: each server's expiry job (every second) sees it ended.
        c.set_clock(c.now + dt.timedelta(minutes=6))
        sarah = tokens["sarah"]

        def log_off_tasks() -> list[dict]:
            notes = expect(call(s, c.base(int(time.monotonic() * 10)), "GET", "/api/v1/notifications", sarah), 200, "Sarah's inbox")["items"]
            return [n for n in notes if n["kind"] == "logOffTask" and n.get("link") == link]

        wait_for("the team leader's log-off task", log_off_tasks, timeout=30)
        sarah_subject = f"Temporary access {ref} for {LIAM} expired"
        wait_for("the team leader's email about the ended grant",
                 lambda: subjects_to(c, "sarah.whitfield@childmaintenance.gov.uk", sarah_subject), timeout=40)
        time.sleep(7)  # more than an outbox run (5 s) and several expiry runs (1 s) on every server

        tasks = log_off_tasks()
        assert len(tasks) == 1, f"Sarah has {len(tasks)} log-off tasks for grant {grant_id}: {tasks}"
        to_sarah = subjects_to(c, "sarah.whitfield@childmaintenance.gov.uk", sarah_subject)
        assert len(to_sarah) == 1, f"Sarah was emailed {len(to_sarah)} times that {ref} ended: {to_sarah}"
        liam_email = expect(call(s, c.base(0), "GET", f"/api/v1/staff/{LIAM}", marcus), 200, "Liam")["email"]
        to_liam = subjects_to(c, liam_email, f"Your temporary access {ref} expired")
        assert len(to_liam) == 1, f"Liam was emailed {len(to_liam)} times that {ref} ended: {to_liam}"
        admin = sign_in(c.base(2), ADMIN)
        ended = [e for e in expect(call(s, c.base(2), "GET", f"/api/v1/audit-events?subject={grant_id}&limit=500", admin), 200,
                                   "audit")["items"] if e["action"] == "grant.ended"]
        assert len(ended) == 1, f"grant.ended recorded {len(ended)} times: {ended}"
        grant = expect(call(s, c.base(0), "GET", f"/api/v1/grants/{grant_id}", marcus), 200, "grant")
        assert grant["status"] == "expired", grant
        # His sessions were ended when the grant's end was processed.
        assert call(s, c.base(2), "GET", "/api/v1/auth/tokens/current", tokens["requester"]).status == 401


def test_each_outbox_message_reaches_the_smtp_server_exactly_once(cluster: Cluster) -> None:
    c = cluster
    # One more message of our own, so this holds even when run alone.
    build_request_to_provisioning(c, AISHA, "Caller asked about a payment (outbox)")
    admin = sign_in(c.base(0), ADMIN)
    with requests.Session() as s:
        def settled() -> list[dict] | None:
            pending = expect(call(s, c.base(int(time.monotonic())), "GET", "/api/v1/outbox?status=pending", admin), 200, "outbox")["items"]
            return None if pending else expect(call(s, c.base(1), "GET", "/api/v1/outbox?status=sent", admin), 200, "sent")["items"]

        sent = wait_for("every outbox message to be sent", settled, timeout=60)
    assert sent, "nothing was sent"
    received = [m["Message-ID"] for _, m in c.messages()]
    ids = [re.sub(r"^<|@.*$", "", (mid or "").strip()).lower() for mid in received]
    twice = {i: n for i, n in collections.Counter(ids).items() if n > 1}
    assert not twice, f"{len(twice)} message(s) reached the SMTP server more than once: {twice}"
    outbox_ids = {m["id"].lower() for m in sent}
    assert set(ids) == outbox_ids, (
        f"received but not marked sent: {sorted(set(ids) - outbox_ids)[:5]}; marked sent but never received: "
        f"{sorted(outbox_ids - set(ids))[:5]}")
    retried = [m for m in sent if m["attempts"] != 1]
    assert not retried, f"with the SMTP server up throughout, messages took more than one attempt: {retried[:3]}"
    print(f"\noutbox: {len(sent)} messages, each delivered once, by three servers")


def test_a_session_made_on_one_server_works_on_all_and_ends_on_all(cluster: Cluster) -> None:
    c = cluster
    token = sign_in(c.base(0), AISHA)
    with requests.Session() as s:
        for i in range(3):
            me = expect(call(s, c.base(i), "GET", "/api/v1/auth/tokens/current", token), 200, f"the session on server {i}")
            assert me["staffId"] == AISHA, me
            expect(call(s, c.base(i), "GET", f"/api/v1/staff/{TOM}", token), 200, f"a directory read on server {i}")
        signed_out = call(s, c.base(1), "DELETE", "/api/v1/auth/tokens/current", token)
        assert signed_out.ok, f"sign-out answered {signed_out.status}: {signed_out.text[:300]}"
        for i in range(3):
            assert call(s, c.base(i), "GET", "/api/v1/auth/tokens/current", token).status == 401, f"server {i} still knows the ended session"
            got = call(s, c.base(i), "GET", f"/api/v1/staff/{TOM}", token)
            assert got.status == 401, f"server {i} still serves the signed-out token: {got.status}"


def test_two_servers_carry_on_when_the_third_is_killed_mid_run(cluster: Cluster) -> None:
    c = cluster
    victim = 2
    tom, grace = sign_in(c.base(0), TOM), sign_in(c.base(1), GRACE)
    with requests.Session() as s:
        case = expect(call(s, c.base(0), "POST", "/api/v1/exceptional-cases", grace, {"type": "one"}), 201, "case")["id"]
    day = uk_yesterday()
    log: list[tuple[float, int, str, str, Any]] = []   # (sent at, server, kind, ident, status or "unreachable")
    keys: dict[str, dict] = {}
    lock = threading.Lock()
    stop = threading.Event()
    counter = iter(range(10**9))

    def worker(w: int) -> None:
        s = requests.Session()
        try:
            while not stop.is_set():
                n = next(counter)
                server = n % 3
                sent_at = time.monotonic()
                try:
                    if n % 2:
                        body = {"amountPence": 100 + n, "receivedOn": day, "method": "card", "reference": f"CARD {n}"}
                        key = f"cluster-kill-{n}"
                        with lock:
                            keys[key] = {"body": body, "state": "unknown", "id": None}
                        got = call(s, c.base(server), "POST", f"/api/v1/exceptional-cases/{case}/receipts", grace, body,
                                   {"Idempotency-Key": key})
                        if got.status == 201:
                            keys[key].update(state="acked", id=got.body["id"])
                        ident, kind = key, "receipt"
                    else:
                        name = f"Failover Witness {n}"
                        got = call(s, c.base(server), "POST", "/api/v1/contacts", tom, {"name": name, "scin": f"FW{n:08d}"})
                        ident, kind = (got.body or {}).get("id", name), "contact"
                    outcome: Any = got.status
                except UNREACHABLE:
                    # Drop pooled connections to the dead server.
                    s.close()
                    s = requests.Session()
                    ident, kind, outcome = str(n), "?", "unreachable"
                with lock:
                    log.append((sent_at, server, kind, ident, outcome))
        finally:
            s.close()

    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(6)]
    for th in threads:
        th.start()
    time.sleep(1.5)
    killed_at = time.monotonic()
    c.servers[victim].kill9()
    time.sleep(2.5)
    stop.set()
    for th in threads:
        th.join(timeout=60)

    before = [e for e in log if e[0] < killed_at]
    after = [e for e in log if e[0] > killed_at + 0.05]
    for i in range(3):
        assert any(e[1] == i and e[4] in (200, 201) for e in before), f"server {i} served nothing before the kill"
    failed = [e for e in log if e[1] != victim and e[4] not in (200, 201)]
    assert not failed, f"around the kill of server {victim}, the other two failed {len(failed)} request(s): {failed[:5]}"
    survivors_after = [e for e in after if e[1] != victim]
    assert len(survivors_after) >= 10, f"only {len(survivors_after)} requests reached the survivors after the kill"
    to_victim = [e for e in after if e[1] == victim]
    assert to_victim and all(e[4] == "unreachable" for e in to_victim), f"the killed server still answered? {to_victim[:3]}"
    with requests.Session() as s:
        for i in range(2):
            expect(call(s, c.base(i), "GET", "/health"), 200, f"health of server {i}")
        # Every contact any server acknowledged, before or after the kill, is there.
        made = [e for e in log if e[2] == "contact" and e[4] == 201]
        for n, e in enumerate(made):
            expect(call(s, c.base(n % 2), "GET", f"/api/v1/contacts/{e[3]}", tom), 200, f"contact {e[3]} from server {e[1]}")
        # Receipts whose answer was lost (sent to the victim as it died) are re-sent to a survivor: never counted twice.
        for n, (key, k) in enumerate(list(keys.items())):
            if k["state"] != "acked":
                got = call(s, c.base(n % 2), "POST", f"/api/v1/exceptional-cases/{case}/receipts", grace, k["body"], {"Idempotency-Key": key})
                assert got.status in (200, 201), f"re-sending {key} to a survivor answered {got.status}: {got.text[:300]}"
                k.update(state="acked", id=got.body["id"])
        st = expect(call(s, c.base(0), "GET", f"/api/v1/exceptional-cases/{case}/statement", grace), 200, "statement")
        assert {e["id"] for e in st["entries"]} == {k["id"] for k in keys.values()}, "the statement differs from the acknowledged receipts"
        assert st["receiptsPence"] == sum(k["body"]["amountPence"] for k in keys.values()) == st["balancePence"]

        # Background work goes on without the third server: a new request's email to the team leader is delivered.
        aisha = sign_in(c.base(1), AISHA)
        sr = expect(call(s, c.base(0), "POST", "/api/v1/service-requests", aisha,
                         {"type": "generalEnquiry", "description": "After the failover"}), 201, "SR")
        ar = expect(call(s, c.base(1), "POST", "/api/v1/access-requests", aisha, {
            "purpose": "viewContact", "serviceRequestId": sr["id"], "requestedDurationMinutes": 30,
            "justification": "After the failover", "nino": SENSITIVE_NINO}), 201, "access request")
    wait_for("the countersignature email sent by a surviving server",
             lambda: subjects_to(c, "sarah.whitfield@childmaintenance.gov.uk", ar["reference"], "awaits your countersignature"),
             timeout=40)
    print(f"\nfailover: {len(before)} requests before the kill, {len(survivors_after)} served by the two survivors after it, "
          f"{len(to_victim)} refused by the dead server")
