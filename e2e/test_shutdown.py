"""A polite stop under load, as every deployment sends one on a restart.

32 clients on keep-alive connections read a member of staff and create contacts while the server gets SIGTERM. Each
round: the process exits 0 within the grace time with no crash report; every contact the server acknowledged is in
the database; no connection is reset (a client may only find the server gone: refused, or closed between requests);
and the audit trail still verifies. A connection opened as the server stopped listening may be turned away (refused,
or reset by the kernel before the server ever accepted it); that is counted apart. CASEWORK_SHUTDOWN_ROUNDS sets the number of rounds (default 20).
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from conftest import DEFAULT_DEMO_PASSWORD, OUTPUT_DIR, _binary, _free_port, _wait_for_health
from test_command_line import run, seeded

ROUNDS = int(os.environ.get("CASEWORK_SHUTDOWN_ROUNDS", "20"))
CLIENTS = 32
GRACE_SECONDS = 10
PASSWORD = os.environ.get("CASEWORK_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


class Load:
    """CLIENTS threads, each on its own keep-alive connection, until the server is gone."""

    def __init__(self, port: int, token: str, round_number: int) -> None:
        self.port, self.token, self.round = port, token, round_number
        self.stop = threading.Event()
        self.signalled = threading.Event()
        self.lock = threading.Lock()
        self.acknowledged: list[str] = []
        self.outcomes: Counter[str] = Counter()
        self.threads = [threading.Thread(target=self.client, args=(n,), daemon=True) for n in range(CLIENTS)]

    def client(self, n: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=GRACE_SECONDS + 10)
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        sent = 0
        answered_here = 0  # answers on the current connection
        while not self.stop.is_set():
            sent += 1
            writing = n % 4 == 0
            try:
                if writing:
                    body = json.dumps({"name": f"Shutdown Round{self.round} Client{n} Number{sent}",
                                       "scin": f"R{self.round:02d}C{n:02d}N{sent:05d}"})
                    connection.request("POST", "/api/v1/contacts", body=body, headers=headers)
                else:
                    connection.request("GET", "/api/v1/staff/20010002", headers=headers)
                answer = connection.getresponse()
                payload = answer.read()
                with self.lock:
                    self.outcomes[f"{answer.status}"] += 1
                    if writing and answer.status == 201:
                        self.acknowledged.append(json.loads(payload)["id"])
                answered_here += 1
                if "close" in answer.getheader("connection", "").lower():
                    connection.close()
                    answered_here = 0
            except ConnectionRefusedError:
                with self.lock:
                    self.outcomes["refused after the stop"] += 1
                return
            except ConnectionResetError:
                with self.lock:
                    # A connection the server never answered on, opened as it stopped listening, was still in the
                    # kernel's queue of connections to accept: the kernel turns those away with a reset. A reset
                    # on a connection the server had been answering would be a conversation cut off.
                    if answered_here == 0 and self.signalled.is_set():
                        self.outcomes["turned away after the stop"] += 1
                    else:
                        self.outcomes["reset"] += 1
                return
            except (http.client.RemoteDisconnected, BrokenPipeError):
                # The server closed an idle keep-alive connection as it stopped, before reading this request.
                with self.lock:
                    self.outcomes["closed between requests"] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=GRACE_SECONDS + 10)

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=GRACE_SECONDS + 20)
        self.stop.set()


def sign_in(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/api/v1/auth/tokens", body=json.dumps({"staffId": "20010002", "password": PASSWORD}),
                       headers={"Content-Type": "application/json"})
    answer = connection.getresponse()
    assert answer.status == 201, answer.read()
    return json.loads(answer.read())["token"]


def test_sigterm_under_load_finishes_every_request_and_exits_cleanly() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        seeded(data)
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(CASEWORK_DATA_DIR=str(data), CASEWORK_BCRYPT_COST="4", CASEWORK_SHUTDOWN_GRACE_SECONDS=str(GRACE_SECONDS))
        token = None
        totals: Counter[str] = Counter()
        acknowledged_total = 0
        stop_seconds: list[float] = []
        for round_number in range(1, ROUNDS + 1):
            port = _free_port()
            log = data / f"server-{round_number}.log"
            with open(log, "w") as out:
                process = subprocess.Popen([str(_binary()), "serve", "--hostname", "127.0.0.1", "--port", str(port)],
                                           env=env, stdout=out, stderr=subprocess.STDOUT)
            try:
                _wait_for_health(f"http://127.0.0.1:{port}", process, log)
                token = token or sign_in(port)
                load = Load(port, token, round_number)
                load.start()
                time.sleep(0.8)
                stopped_at = time.monotonic()
                load.signalled.set()
                process.send_signal(signal.SIGTERM)
                code = process.wait(timeout=GRACE_SECONDS + 20)
                stop_seconds.append(time.monotonic() - stopped_at)
                load.join()
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
            text = log.read_text()
            assert code == 0, f"round {round_number}: exit {code}\n{text[-3000:]}"
            assert "Fatal error" not in text and "Backtrace" not in text and "Crash" not in text, text[-3000:]
            assert "every request in flight finished" in text, text[-3000:]
            assert load.outcomes["reset"] == 0, (round_number, load.outcomes)
            assert not any(status.startswith("5") for status in load.outcomes), (round_number, load.outcomes)
            assert load.acknowledged, f"round {round_number}: no write was acknowledged before the stop"
            with sqlite3.connect(data / "casework.sqlite") as db:
                ids = [identifier.replace("-", "").upper() for identifier in load.acknowledged]
                stored = {row[0] for row in db.execute(
                    f"SELECT upper(hex(id)) FROM contacts WHERE name LIKE 'Shutdown Round{round_number} %'")}
                stored |= {row[0].replace("-", "").upper() for row in db.execute(
                    f"SELECT id FROM contacts WHERE name LIKE 'Shutdown Round{round_number} %' AND typeof(id) = 'text'")}
            missing = [identifier for identifier in ids if identifier not in stored]
            assert not missing, f"round {round_number}: {len(missing)} acknowledged contacts are missing"
            totals.update(load.outcomes)
            acknowledged_total += len(load.acknowledged)
        verified = run(data, "verify-audit")
        assert verified.returncode == 0, verified.stderr
        summary = (f"{ROUNDS} rounds of SIGTERM under {CLIENTS} clients: every exit 0, longest stop "
                   f"{max(stop_seconds):.2f} s; {acknowledged_total} acknowledged contacts all kept; answers {dict(totals)}; "
                   f"{verified.stdout.strip()}")
        print(summary)
        OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
        (OUTPUT_DIR / "graceful-shutdown.txt").write_text(summary + "\n")
