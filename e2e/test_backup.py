"""Backup while serving, and restore, as an operator runs them.

A backup is taken while clients create contacts; restored into a scratch folder it holds every contact
acknowledged before the backup began, the same audit chain as the live database up to its end, and it verifies.
A backup whose audit trail was tampered with is refused, and a restore over a database keeps the old one aside.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from conftest import DEFAULT_DEMO_PASSWORD, _binary, _free_port, _stop, _wait_for_health
from test_audit_anchoring import untrigger
from test_command_line import run, seeded

PASSWORD = os.environ.get("CASEWORK_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


def call(base: str, path: str, body: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), headers=headers)
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def table_counts(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as db:
        return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("staff", "contacts", "audit_events", "auth_sessions")}


def chain(db_path: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT seq, hash FROM audit_events ORDER BY seq").fetchall()


def test_a_backup_taken_under_load_restores_with_its_chain_and_a_tampered_one_is_refused() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        data, scratch = root / "data", root / "scratch"
        data.mkdir()
        scratch.mkdir()
        seeded(data)
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(CASEWORK_DATA_DIR=str(data), CASEWORK_BCRYPT_COST="4")
        port = _free_port()
        log = root / "server.log"
        with open(log, "w") as out:
            process = subprocess.Popen([str(_binary()), "serve", "--hostname", "127.0.0.1", "--port", str(port)],
                                       env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        acknowledged: list[tuple[float, str]] = []
        stop = threading.Event()

        def create_contacts(client: int) -> None:
            token = call(base, "/api/v1/auth/tokens", {"staffId": "20010002", "password": PASSWORD})["token"]
            n = 0
            while not stop.is_set():
                n += 1
                contact = call(base, "/api/v1/contacts", {"name": f"Backup Client {client} {n}", "scin": f"BK{client:02d}N{n:06d}"}, token)
                acknowledged.append((time.monotonic(), contact["id"]))

        try:
            _wait_for_health(base, process, log)
            clients = [threading.Thread(target=create_contacts, args=(c,), daemon=True) for c in range(4)]
            for client in clients:
                client.start()
            time.sleep(1.5)
            backup_started = time.monotonic()
            backup = run(data, "backup", "--to", str(root / "backup.sqlite"))
            time.sleep(1.0)
            stop.set()
            for client in clients:
                client.join(timeout=30)
            assert backup.returncode == 0, backup.stderr
            assert "chain intact" in backup.stdout, backup.stdout
            assert run(data, "backup", "--to", str(root / "backup.sqlite")).returncode == 1, "a backup overwrote a file"
        finally:
            _stop(process)

        before_backup = [contact for at, contact in acknowledged if at < backup_started]
        after_backup = [contact for at, contact in acknowledged if at > backup_started]
        assert before_backup and after_backup, "the load did not run across the backup"

        restored = run(scratch, "restore", "--from", str(root / "backup.sqlite"))
        assert restored.returncode == 0, restored.stderr
        restored_db = scratch / "casework.sqlite"
        assert table_counts(restored_db) == table_counts(root / "backup.sqlite")
        verified = run(scratch, "verify-audit")
        assert verified.returncode == 0, verified.stderr
        # The copy's chain is the live chain up to the copy's last event: one history, cut at the backup.
        copy_chain, live_chain = chain(restored_db), chain(data / "casework.sqlite")
        assert copy_chain == live_chain[:len(copy_chain)] and len(copy_chain) < len(live_chain)
        with sqlite3.connect(restored_db) as db:
            names = {row[0] for row in db.execute("SELECT name FROM contacts WHERE name LIKE 'Backup Client %'")}
        assert len(names) >= len(before_backup), (len(names), len(before_backup))
        print(f"backup under load: {len(acknowledged)} contacts acknowledged, {len(before_backup)} before the backup began, "
              f"{len(names)} in the copy; copy {table_counts(restored_db)}; {verified.stdout.strip()}")

        # A tampered copy is refused, and the database in place is left as it was.
        tampered = root / "tampered.sqlite"
        shutil.copy2(root / "backup.sqlite", tampered)
        with sqlite3.connect(tampered) as db:
            untrigger(db)
            db.execute("UPDATE audit_events SET detail = 'nothing happened' WHERE seq = 3")
        refused = run(scratch, "restore", "--from", str(tampered))
        assert refused.returncode == 1 and "event 3" in refused.stderr and "not changed" in refused.stderr, refused.stderr
        assert chain(restored_db) == copy_chain

        # Restoring over a database keeps the one replaced beside it.
        again = run(scratch, "restore", "--from", str(root / "backup.sqlite"))
        assert again.returncode == 0 and "kept at" in again.stdout, again.stdout + again.stderr
        # (with its -wal and -shm beside it, renamed with it, when a command had it open)
        kept = [name for name in os.listdir(scratch)
                if name.startswith("casework.sqlite.before-restore-") and not name.endswith(("-wal", "-shm"))]
        assert len(kept) == 1 and chain(scratch / kept[0]) == copy_chain
