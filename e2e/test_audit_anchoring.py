"""The anchored audit trail, as an auditor relies on it against someone holding the database file.

A server with a signing key writes signed checkpoints of the chain's head to the database and to an anchor file on
other storage. Then the database is tampered with as its owner could: the newest events cut off and the chain head
reset (the hash chain alone cannot see that), an event edited, a checkpoint forged without the key.
`casework verify-audit --anchors FILE --public-key FILE` must fail each time and say what is missing or wrong.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import urllib.request
from pathlib import Path

from conftest import DEFAULT_DEMO_PASSWORD, _binary, _free_port, _wait_for_health
from test_command_line import run, seeded


def serve_with_anchoring(data: Path, anchors: Path, key: Path) -> None:
    """Serves long enough to checkpoint, signs in (new events), then stops politely: the stop anchors the tail."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(CASEWORK_DATA_DIR=str(data), CASEWORK_BCRYPT_COST="4", CASEWORK_AUDIT_SIGNING_KEY_FILE=str(key),
               CASEWORK_AUDIT_ANCHOR_FILE=str(anchors), CASEWORK_AUDIT_CHECKPOINT_SECONDS="1")
    port = _free_port()
    log = data / "server.log"
    with open(log, "w") as out:
        process = subprocess.Popen([str(_binary()), "serve", "--hostname", "127.0.0.1", "--port", str(port)],
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_health(base, process, log)
        deadline = 30
        while deadline and not (anchors.exists() and anchors.read_text().strip()):
            deadline -= 1
            subprocess.run(["sleep", "0.5"])
        assert anchors.exists() and anchors.read_text().strip(), "no checkpoint was anchored while serving"
        body = json.dumps({"staffId": "20010002", "password": os.environ.get("CASEWORK_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD}).encode()
        request = urllib.request.Request(base + "/api/v1/auth/tokens", data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 201
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log.read_text()[-3000:]


def last_seq(db_path: Path) -> int:
    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT last_seq FROM audit_chain_head").fetchone()[0]


def verify(data: Path, anchors: Path, public: Path) -> subprocess.CompletedProcess:
    return run(data, "verify-audit", "--anchors", str(anchors), "--public-key", str(public))


def untrigger(db: sqlite3.Connection) -> None:
    """The app's database refuses edits to the trail; its owner drops that guard first."""
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'").fetchall():
        db.execute(f"DROP TRIGGER {name}")


def test_signed_checkpoints_catch_a_cut_tail_an_edit_and_a_forgery() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        data = root / "data"
        data.mkdir()
        anchors, private, public = root / "anchors.jsonl", root / "audit.key", root / "audit.pub"
        seeded(data)
        made = run(data, "audit-key", "generate", "--private", str(private), "--public", str(public))
        assert made.returncode == 0, made.stderr
        assert run(data, "audit-key", "generate", "--private", str(private), "--public", str(public)).returncode == 1, \
            "an existing key was overwritten"
        serve_with_anchoring(data, anchors, private)

        lines = [json.loads(line) for line in anchors.read_text().splitlines()]
        head = last_seq(data / "casework.sqlite")
        assert len(lines) >= 2, lines
        assert lines[-1]["seq"] == head, "the polite stop did not anchor the chain's tail"
        intact = verify(data, anchors, public)
        assert intact.returncode == 0, intact.stderr
        assert f"{head} events and" in intact.stdout, intact.stdout

        # The tail cut off and the head reset: the chain alone still verifies; the anchors name what is missing.
        cut = root / "cut"
        shutil.copytree(data, cut)
        with sqlite3.connect(cut / "casework.sqlite") as db:
            untrigger(db)
            keep = head - 3
            (hash_,) = db.execute("SELECT hash FROM audit_events WHERE seq = ?", (keep,)).fetchone()
            db.execute("DELETE FROM audit_events WHERE seq > ?", (keep,))
            db.execute("DELETE FROM audit_checkpoints WHERE seq > ?", (keep,))
            db.execute("UPDATE audit_chain_head SET last_seq = ?, last_hash = ?", (keep, hash_))
        assert run(cut, "verify-audit").returncode == 0, "the chain alone was expected not to see a cut tail"
        caught = verify(cut, anchors, public)
        assert caught.returncode == 1, caught.stdout
        assert f"events {head - 2} to {head} are missing" in caught.stderr, caught.stderr

        # An event in the middle edited.
        edited = root / "edited"
        shutil.copytree(data, edited)
        with sqlite3.connect(edited / "casework.sqlite") as db:
            untrigger(db)
            db.execute("UPDATE audit_events SET detail = 'nothing happened' WHERE seq = 5")
        caught = verify(edited, anchors, public)
        assert caught.returncode == 1 and "event 5" in caught.stderr and "edited" in caught.stderr, caught.stderr

        # A checkpoint forged without the key: signed by another one.
        other_private, other_public = root / "other.key", root / "other.pub"
        assert run(data, "audit-key", "generate", "--private", str(other_private), "--public", str(other_public)).returncode == 0
        forged = root / "forged.jsonl"
        forged.write_text(anchors.read_text())
        forged_checkpoint = dict(lines[-1])
        forged_checkpoint["seq"] = head + 50
        with open(forged, "a") as out:
            out.write(json.dumps(forged_checkpoint) + "\n")
        caught = verify(data, forged, public)
        assert caught.returncode == 1, caught.stdout
        assert f"checkpoint of event {head + 50}" in caught.stderr and "not signed by this key" in caught.stderr, caught.stderr
        # Checked with the wrong public key, even the real checkpoints are refused.
        wrong_key = verify(data, anchors, other_public)
        assert wrong_key.returncode == 1 and "not signed by this key" in wrong_key.stderr, wrong_key.stderr
