"""The command line as an operator uses it: seeding, importing staff, and proving the audit trail intact.

These run the real `casework` binary on a scratch SQLite folder of their own.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import urllib.request

from conftest import REPO_ROOT, _binary, _free_port, _stop, _wait_for_health

HEADER = "staffId,name,email,phone,team,grade,area,teamLeaderStaffId,roles\n"


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env["CASEWORK_DATA_DIR"] = str(data_dir)
    env["CASEWORK_BCRYPT_COST"] = "4"
    return subprocess.run([str(_binary()), *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)


def seeded(data_dir: Path) -> None:
    """A migrated database with the demo organisation: only `migrate` (and `serve`) change the schema."""
    migrated = run(data_dir, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    demo = run(data_dir, "seed", "--demo")
    assert demo.returncode == 0, demo.stderr


def test_tampering_with_one_audit_row_makes_verify_audit_fail_and_name_it() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        seeded(data)
        intact = run(data, "verify-audit")
        assert intact.returncode == 0, intact.stderr
        assert "intact" in intact.stdout

        db = sqlite3.connect(data / "casework.sqlite")
        (event_id,) = db.execute("SELECT id FROM audit_events WHERE seq = 7").fetchone()
        # The app's own database refuses edits; an attacker with the file drops that guard first.
        try:
            db.execute("UPDATE audit_events SET detail = 'nothing happened' WHERE seq = 7")
            raise AssertionError("the database let an audit event be edited")
        except sqlite3.DatabaseError as refused:
            assert "append-only" in str(refused)
        db.execute("DROP TRIGGER audit_events_no_update")
        db.execute("UPDATE audit_events SET detail = 'nothing happened' WHERE seq = 7")
        db.commit()
        db.close()

        broken = run(data, "verify-audit")
        assert broken.returncode != 0
        message = broken.stderr + broken.stdout
        assert "event 7" in message and "edited" in message, message
        uuid_text = str(event_id).upper() if not isinstance(event_id, bytes) else None
        if uuid_text and len(uuid_text) == 36:
            assert uuid_text in message.upper(), message


def test_seeding_twice_adds_nothing() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        assert run(data, "migrate").returncode == 0
        first = run(data, "seed", "--demo")
        assert first.returncode == 0, first.stderr
        second = run(data, "seed", "--demo")
        assert second.returncode == 0, second.stderr
        assert "already there" in second.stdout
        db = sqlite3.connect(data / "casework.sqlite")
        (staff,) = db.execute("SELECT count(*) FROM staff").fetchone()
        (duplicates,) = db.execute("SELECT count(*) FROM (SELECT staff_id FROM staff GROUP BY staff_id HAVING count(*) > 1)").fetchone()
        db.close()
        assert staff > 20 and duplicates == 0


def test_import_staff_reports_each_bad_row_and_imports_nothing() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        seeded(data)
        bad = data / "bad.csv"
        bad.write_text(
            HEADER
            + "70000001,Good Person,good@example.gov.uk,1,Team A,AO,Wales,10000001,caseworker\n"
            + "7000000X,Bad Id,bad@example.gov.uk,1,Team A,AO,Wales,,caseworker\n"
            + "70000003,No Leader,nl@example.gov.uk,1,Team A,AO,Wales,55555555,caseworker\n"
            + "20010002,Already Here,dup@example.gov.uk,1,Team A,AO,Wales,,caseworker\n"
            + "70000005,Odd Role,or@example.gov.uk,1,Team A,AO,Wales,,wizard\n"
        )
        result = run(data, "import-staff", str(bad))
        assert result.returncode != 0
        report = result.stderr
        assert "line 3" in report and "bad staff ID" in report, report
        assert "line 4" in report and "unknown team leader" in report, report
        assert "line 5" in report and "duplicate" in report, report
        assert "line 6" in report and "unknown role" in report, report
        assert "line 2" not in report
        db = sqlite3.connect(data / "casework.sqlite")
        (found,) = db.execute("SELECT count(*) FROM staff WHERE staff_id = '70000001'").fetchone()
        db.close()
        assert found == 0, "a good row was imported although others were bad"

        good = data / "good.csv"
        good.write_text(HEADER + "70000001,Good Person,good@example.gov.uk,1,Team A,AO,Wales,10000001,caseworker\n")
        imported = run(data, "import-staff", str(good))
        assert imported.returncode == 0, imported.stderr
        assert "Imported 1 staff" in imported.stdout
        assert run(data, "verify-audit").returncode == 0


def test_an_unknown_command_is_refused_with_the_list_and_touches_nothing() -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CASEWORK_DATA_DIR")}
        # No data folder given: the working directory would be the database's home. Nothing may be made there.
        result = subprocess.run([str(_binary()), "frobnicate"], cwd=folder, env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 2, (result.returncode, result.stderr)
        assert 'there is no command "frobnicate"' in result.stderr and "Usage: casework" in result.stderr
        assert "seed" in result.stderr and "verify-audit" in result.stderr
        assert "Fatal error" not in result.stderr and "backtrace" not in result.stderr.lower()
        assert os.listdir(folder) == [], os.listdir(folder)


def test_where_tasks_run_is_one_of_two_choices_and_anything_else_is_refused() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for value, code in (("0", 0), ("1", 0), ("yes", 2)):
            env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
            env.update(CASEWORK_DATA_DIR=folder, CASEWORK_TASKS_ON_EVENT_LOOPS=value)
            result = subprocess.run([str(_binary()), "migrate"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
            assert result.returncode == code, (value, result.returncode, result.stderr)
        assert 'CASEWORK_TASKS_ON_EVENT_LOOPS must be 1 (the default) or 0, not "yes"' in result.stderr


def test_casework_started_from_another_folder_serves_its_pages() -> None:
    """As a service manager starts it: the working directory is anywhere, and pages still render."""
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(CASEWORK_DATA_DIR=folder, CASEWORK_BCRYPT_COST="4")
        assert subprocess.run([str(_binary()), "migrate"], cwd="/", env=env, capture_output=True, timeout=120).returncode == 0
        assert subprocess.run([str(_binary()), "seed", "--demo"], cwd="/", env=env, capture_output=True, timeout=120).returncode == 0
        port = _free_port()
        log = Path(folder) / "server.log"
        with open(log, "w") as out:
            process = subprocess.Popen([str(_binary()), "serve", "--hostname", "127.0.0.1", "--port", str(port)],
                                       cwd="/", env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for_health(base, process, log)
            with urllib.request.urlopen(base + "/sign-in", timeout=10) as page:
                assert page.status == 200
                assert "Sign in" in page.read().decode()
            with urllib.request.urlopen(base + "/styles/casework.css", timeout=10) as sheet:
                assert sheet.status == 200
        finally:
            _stop(process)


COMMANDS = ["serve", "migrate", "seed", "import-staff", "verify-audit", "scim-token", "audit-key", "backup", "restore", "routes"]


def test_a_bad_flag_prints_the_usage_and_touches_nothing() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        result = run(data, "seed", "--demo", "--frobnicate")
        assert result.returncode == 2, (result.returncode, result.stderr)
        assert "--frobnicate" in result.stderr and "Usage: casework" in result.stderr
        assert "Fatal error" not in result.stderr and "backtrace" not in result.stderr.lower()
        assert os.listdir(folder) == [], os.listdir(folder)


def test_every_command_explains_itself_with_help_without_opening_a_database() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        overall = run(data, "--help")
        assert overall.returncode == 0, overall.stderr
        for command in COMMANDS:
            assert command in overall.stdout, (command, overall.stdout)
            result = run(data, command, "--help")
            assert result.returncode == 0, (command, result.returncode, result.stderr)
            assert "Usage:" in result.stdout and command in result.stdout, (command, result.stdout)
        assert os.listdir(folder) == [], os.listdir(folder)


def test_only_migrate_changes_the_schema_and_other_commands_say_to_run_it() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        for command in (["seed", "--demo"], ["verify-audit"], ["import-staff", "x.csv"], ["backup", "--to", str(data / "b.sqlite")]):
            refused = run(data, *command)
            assert refused.returncode == 1, (command, refused.returncode, refused.stderr)
            assert "casework migrate" in refused.stderr, (command, refused.stderr)
        assert os.listdir(folder) == [], os.listdir(folder)

        migrated = run(data, "migrate")
        assert migrated.returncode == 0 and re.search(r"Ran \d+ migrations: 001_CreateStaff", migrated.stdout), migrated.stdout + migrated.stderr
        again = run(data, "migrate")
        assert again.returncode == 0 and "up to date" in again.stdout
        assert run(data, "seed", "--demo").returncode == 0
        assert run(data, "verify-audit").returncode == 0


def test_serve_without_its_templates_refuses_to_start_and_says_where_it_looked() -> None:
    """A copy of the binary far from any checkout, started from /: no pages to render, so no server."""
    with tempfile.TemporaryDirectory() as folder:
        lonely = Path(folder) / "bin" / "casework"
        lonely.parent.mkdir()
        shutil.copy2(_binary(), lonely)
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CASEWORK_HOME", "CASEWORK_RESOURCES_DIR")}
        env.update(CASEWORK_DATA_DIR=folder)
        result = subprocess.run([str(lonely), "serve", "--port", str(_free_port())], cwd="/", env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
        assert "CASEWORK_RESOURCES_DIR" in result.stderr and "Resources/Views" in result.stderr, result.stderr[-2000:]
        assert "casework.sqlite" not in os.listdir(folder)
        # Told where they are, the same copy serves its pages.
        env.update(CASEWORK_RESOURCES_DIR=str(REPO_ROOT))
        assert subprocess.run([str(lonely), "migrate"], cwd="/", env=env, capture_output=True, timeout=120).returncode == 0
        port = _free_port()
        log = Path(folder) / "server.log"
        with open(log, "w") as out:
            process = subprocess.Popen([str(lonely), "serve", "--hostname", "127.0.0.1", "--port", str(port)],
                                       cwd="/", env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for_health(base, process, log)
            with urllib.request.urlopen(base + "/sign-in", timeout=10) as page:
                assert page.status == 200 and "Sign in" in page.read().decode()
        finally:
            _stop(process)


def test_scim_tokens_are_printed_once_and_revoked_by_name() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        seeded(data)
        made = run(data, "scim-token", "create", "--name", "entra-id")
        assert made.returncode == 0, made.stderr
        token = made.stdout.strip()
        assert len(token) >= 40 and "\n" not in token, made.stdout
        assert "only time" in made.stderr
        with sqlite3.connect(data / "casework.sqlite") as db:
            stored = [row[0] for row in db.execute("SELECT token_hash FROM scim_tokens WHERE name = 'entra-id'")]
        assert stored and token not in stored, "the token itself was stored"
        assert run(data, "scim-token", "create", "--name", "entra-id").returncode == 1, "a second live token took the same name"
        revoked = run(data, "scim-token", "revoke", "--name", "entra-id")
        assert revoked.returncode == 0 and "Revoked" in revoked.stdout
        assert run(data, "scim-token", "revoke", "--name", "entra-id").returncode == 1
        assert run(data, "scim-token", "rotate", "--name", "entra-id").returncode == 2
