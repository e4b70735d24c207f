"""Fuzzes every /api/v1 operation against the server's own OpenAPI document (schemathesis).

API.md says the document must describe the API truthfully and that it is checked by fuzzing; this is that
check, run on every test run. It uses a server of its own on a scratch database, because fuzzing creates,
changes and deactivates records that the browser journeys rely on. It runs on both databases: PostgreSQL refuses
what SQLite stores (a NUL in text was a 500 on PostgreSQL only, found on a demo server rather than here).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest

from conftest import OUTPUT_DIR, REPO_ROOT, _binary, _free_port, _stop, _wait_for_health
from resilience_support import PG_BIN, ScratchPostgres, postgres_available

PASSWORD = os.environ.get("CASEWORK_DEMO_PASSWORD") or "Casework-Demo-2026"
# One account per kind of work, so every operation is reached by someone allowed to use it.
# The administrator goes last: fuzzing their operations deactivates people and resets passwords, which ends
# sessions, and the tool System Administrator's revokes profiles; so every token is fetched before any fuzzing.
FUZZ_AS = [("30000002", "scrManager"), ("60000004", "toolCaseWorker"), ("76834403", "toolSystemAdministrator"), ("90000001", "administrator")]
# Business rules (a role you do not hold, a contact that needs an identifier) are 422 by design: schema-valid
# requests may still be refused, so that one check is left out; every other check runs.
EXCLUDED_CHECKS = "positive_data_acceptance"


def token(base: str, staff_id: str, role: str) -> str:
    body = json.dumps({"staffId": staff_id, "password": PASSWORD, "role": role}).encode()
    request = urllib.request.Request(f"{base}/api/v1/auth/tokens", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["token"]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request):
    """The database URL to fuzz on: none for the embedded SQLite default, else a scratch PostgreSQL 15."""
    if request.param == "sqlite":
        yield None
        return
    if not postgres_available():
        pytest.fail("PostgreSQL 15 is not installed (scripts/test installs postgresql-15)")
    pg = ScratchPostgres()
    pg.start(port=56532)
    try:
        yield pg.url
    finally:
        pg.stop()


def test_every_api_operation_matches_the_openapi_document(database: str | None) -> None:
    schemathesis = Path(sys.executable).with_name("schemathesis")
    assert schemathesis.exists(), "schemathesis is not installed in the e2e venv (see e2e/requirements.txt)"
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    suffix = "" if database is None else "-postgresql"
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        if database is not None:
            env["DATABASE_URL"] = database
        env.update({"CASEWORK_DATA_DIR": folder, "CASEWORK_BCRYPT_COST": "4", "CASEWORK_TEST_CLOCK": "1", "CASEWORK_DEMO_PASSWORD": PASSWORD,
                    "CASEWORK_SESSION_IDLE_MINUTES": "1440"})
        subprocess.run([str(_binary()), "migrate"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=True)
        seeded = subprocess.run([str(_binary()), "seed", "--demo"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert seeded.returncode == 0, seeded.stderr
        port = _free_port()
        log = OUTPUT_DIR / f"api-fuzz-server{suffix}.log"
        with open(log, "w") as log_file:
            server = subprocess.Popen([str(_binary()), "serve", "--hostname", "127.0.0.1", "--port", str(port)],
                                      cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for_health(base, server, log)
            failures = []
            tokens = {role: token(base, staff_id, role) for staff_id, role in FUZZ_AS}
            for _, role in FUZZ_AS:
                bearer = tokens[role]
                result = subprocess.run(
                    [str(schemathesis), "run", f"{base}/openapi.json", "-H", f"Authorization: Bearer {bearer}",
                     "--max-examples", "20", "--checks", "all", "--exclude-checks", EXCLUDED_CHECKS, "--seed", "20261122",
                     # Signing out or changing the password would end the fuzzing session's own token.
                     "--exclude-path", "/api/v1/auth/tokens/current", "--exclude-path", "/api/v1/account/password",
                     "--exclude-path", "/api/v1/test-clock"],
                    cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
                (OUTPUT_DIR / f"api-fuzz-{role}{suffix}.txt").write_text(result.stdout + result.stderr)
                if result.returncode != 0:
                    failures.append(f"as {role}:\n" + "\n".join(result.stdout.splitlines()[-60:]))
            assert not failures, "\n\n".join(failures)
            if database is not None:
                # The fuzzing reached PostgreSQL: what it made is there.
                counted = subprocess.run([str(PG_BIN / "psql"), "-X", "-At", database, "-c", "SELECT count(*) FROM audit_events"],
                                         capture_output=True, text=True, timeout=60)
                assert counted.returncode == 0 and int(counted.stdout.strip()) > 0, counted.stderr
        finally:
            _stop(server)
