"""Helpers for test_resilience.py: a scratch PostgreSQL, `casework serve` processes that can be killed with
SIGKILL and started again on the same data, and a small JSON client over `requests`.

Nothing here asserts business rules; the tests do.
"""
from __future__ import annotations

import datetime as dt
import errno
import json
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TypeVar

import requests

from conftest import OUTPUT_DIR, REPO_ROOT, _binary, _free_port, _parse_accounts, _stop, _wait_for_health

PASSWORD = os.environ.get("CASEWORK_DEMO_PASSWORD") or "Casework-Demo-2026"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_LIB = REPO_ROOT / "scripts" / "lib" / "postgres.sh"
BINARY_WAIT_S = 120
T = TypeVar("T")
REQUEST_TIMEOUT_S = 30

# What a client sees when the server it talks to has gone: the request may or may not have been applied.
UNREACHABLE = (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)


# ---------------------------------------------------------------------- the binary


def binary() -> Path:
    """The casework binary; waits while it is being relinked (it briefly disappears)."""
    path = _binary()
    deadline = time.monotonic() + BINARY_WAIT_S
    while not os.access(path, os.X_OK):
        if time.monotonic() > deadline:
            raise AssertionError(f"casework binary not found at {path} (build it, or set CASEWORK_BIN)")
        time.sleep(1)
    return path


def exec_retrying(start: Callable[[], T]) -> T:
    """Runs `start` (which execs the binary), retrying while the binary is being relinked: it is briefly missing
    (ENOENT) or still open for writing (ETXTBSY)."""
    deadline = time.monotonic() + BINARY_WAIT_S
    while True:
        try:
            return start()
        except OSError as exc:
            if exc.errno not in (errno.ENOENT, errno.ETXTBSY) or time.monotonic() > deadline:
                raise
            time.sleep(1)


def base_env(data_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update({
        "CASEWORK_DATA_DIR": str(data_dir),
        "CASEWORK_BCRYPT_COST": "4",
        "CASEWORK_DEMO_PASSWORD": PASSWORD,
        # The cluster moves the test clock by hours between one person's requests.
        "CASEWORK_SESSION_IDLE_MINUTES": "1440",
    })
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


def run_casework(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return exec_retrying(lambda: subprocess.run([str(binary()), *args], cwd=REPO_ROOT, env=env, capture_output=True,
                                                text=True, timeout=timeout, stdin=subprocess.DEVNULL))


def seed_demo(env: dict[str, str]) -> list:
    """`casework migrate --yes` (commands may refuse an out-of-date schema), then `casework seed --demo --json`."""
    migrated = run_casework(env, "migrate", "--yes")
    assert migrated.returncode == 0, f"`casework migrate --yes` exited {migrated.returncode}:\n{migrated.stderr[-3000:]}"
    seeded = run_casework(env, "seed", "--demo", "--json")
    assert seeded.returncode == 0, f"`casework seed --demo --json` exited {seeded.returncode}:\n{seeded.stderr[-3000:]}"
    return _parse_accounts(seeded.stdout)


# ---------------------------------------------------------------------- a scratch PostgreSQL


def postgres_available() -> bool:
    return os.access(PG_BIN / "initdb", os.X_OK) and os.access(PG_BIN / "pg_ctl", os.X_OK)


@dataclass
class ScratchPostgres:
    """A PostgreSQL 15 server started by scripts/lib/postgres.sh's pg_start (and stopped by its pg_stop)."""
    url: str = ""
    scratch: str = ""
    port: str = ""

    def start(self, port: int = 56432) -> None:
        script = (f'source "{PG_LIB}"; '
                  'if ! pg_start >&2; then rc=$?; pg_stop; exit $rc; fi; '
                  'printf "%s\\n%s\\n%s\\n" "$CASEWORK_PG_URL" "$PG_SCRATCH" "$PG_PORT"')
        env = {k: v for k, v in os.environ.items() if k not in ("PG_SCRATCH", "PG_PORT", "CASEWORK_PG_URL")}
        env["CASEWORK_PG_PORT"] = str(port)
        started = subprocess.run(["bash", "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180)
        lines = started.stdout.split()
        if started.returncode != 0 or len(lines) != 3:
            raise AssertionError(f"pg_start failed ({started.returncode}):\n{started.stderr[-3000:]}\n{started.stdout}")
        self.url, self.scratch, self.port = lines

    def stop(self) -> None:
        if not self.scratch:
            return
        env = dict(os.environ)
        env.update({"PG_SCRATCH": self.scratch, "PG_PORT": self.port})
        subprocess.run(["bash", "-c", f'source "{PG_LIB}"; pg_stop'], cwd=REPO_ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
        self.scratch = ""

    def create_database(self, name: str) -> str:
        """A fresh database owned by casework; returns its URL."""
        made = subprocess.run([str(PG_BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", self.url,
                               "-c", f"DROP DATABASE IF EXISTS {name}", "-c", f"CREATE DATABASE {name}"],
                              capture_output=True, text=True, timeout=60)
        assert made.returncode == 0, f"could not create database {name}: {made.stderr}"
        return self.url.rsplit("/", 1)[0] + "/" + name


# ---------------------------------------------------------------------- a server we may kill


class Server:
    """`casework serve` on a fixed port, so that a restart is reached at the same address."""

    def __init__(self, name: str, env: dict[str, str], port: int | None = None) -> None:
        self.name = name
        self.env = env
        self.port = port or _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = OUTPUT_DIR / f"{name}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path.write_text("")
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, f"{self.name} is already running"
        self.starts += 1
        with open(self.log_path, "a") as log:
            log.write(f"\n===== start {self.starts} at {dt.datetime.now(dt.timezone.utc).isoformat()} =====\n")
            log.flush()
            self.process = exec_retrying(lambda: subprocess.Popen(
                [str(binary()), "serve", "--hostname", "127.0.0.1", "--port", str(self.port)],
                cwd=REPO_ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT))
        _wait_for_health(self.base, self.process, self.log_path)

    def kill9(self) -> None:
        """SIGKILL: no shutdown handler runs, nothing is flushed."""
        assert self.process is not None and self.process.poll() is None, f"{self.name} is not running"
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        assert self.process.returncode == -signal.SIGKILL, f"{self.name} exited {self.process.returncode}, not by SIGKILL"

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


# ---------------------------------------------------------------------- JSON over HTTP


@dataclass
class Answer:
    status: int
    body: Any
    text: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def call(session: requests.Session, base: str, method: str, path: str, token: str | None = None,
         body: Any = None, headers: dict[str, str] | None = None, timeout: float = REQUEST_TIMEOUT_S) -> Answer:
    """One request; a connection failure propagates as one of UNREACHABLE."""
    sent = {"Accept": "application/json"}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    if headers:
        sent.update(headers)
    response = session.request(method, base + path, json=body, headers=sent, timeout=timeout)
    text = response.text
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = None
    return Answer(response.status_code, parsed, text)


def expect(answer: Answer, status: int | tuple[int, ...], what: str) -> Any:
    wanted = status if isinstance(status, tuple) else (status,)
    assert answer.status in wanted, f"{what}: expected {wanted}, got {answer.status}: {answer.text[:600]}"
    return answer.body


def sign_in(base: str, staff_id: str, role: str | None = None) -> str:
    body = {"staffId": staff_id, "password": PASSWORD}
    if role:
        body["role"] = role
    with requests.Session() as s:
        return expect(call(s, base, "POST", "/api/v1/auth/tokens", body=body), 201, f"sign in {staff_id} as {role}")["token"]


def list_all(session: requests.Session, base: str, path: str, token: str) -> list[dict]:
    """Every item of a paged list (limit 500, following nextCursor)."""
    items: list[dict] = []
    cursor = None
    sep = "&" if "?" in path else "?"
    for _ in range(200):
        page = expect(call(session, base, "GET", f"{path}{sep}limit=500" + (f"&cursor={cursor}" if cursor else ""), token),
                      200, f"GET {path}")
        items += page["items"]
        cursor = page.get("nextCursor")
        if not cursor:
            return items
    raise AssertionError(f"GET {path} never stopped paging")


def uk_yesterday() -> str:
    """A day the receipts tool always accepts as received or paid on (never in the future, in any zone)."""
    try:
        from zoneinfo import ZoneInfo
        today = dt.datetime.now(ZoneInfo("Europe/London")).date()
    except Exception:  # noqa: BLE001 - no tz database: UTC is within an hour
        today = dt.datetime.now(dt.timezone.utc).date()
    return (today - dt.timedelta(days=1)).isoformat()


def scratch_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))
