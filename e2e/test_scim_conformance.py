"""SCIM 2.0 conformance of /scim/v2 (issue 11), checked by two independent tools against a real `casework serve`.

- scim2-tester's `check_server` (discovery, every CRUD and PATCH check, for Users and Groups): every check must be
  SUCCESS. A SKIPPED check is allowed only if ALLOWED_SKIPS names it, for the reason it gives.
- scim-sanity's `probe` (strict mode): every result must be PASS, or SKIP for the draft Agent resources Casework
  does not serve.

Both tools run from e2e/.venv-scim (requirements-scim.txt; scripts/lib/deps.sh's ensure_scim_venv makes it) through
e2e/scim_conformance_driver.py, which prints every check and every HTTP exchange as JSON. This module starts its own
`casework serve` on a scratch CASEWORK_DATA_DIR (no demo seed: the checkers make and delete their own people and
groups), with CASEWORK_PUBLIC_URL at the server's own address so that `meta.location` and `$ref` can be followed,
and a token from `casework scim-token create`.

Casework's employeeNumber is the staff ID (1-9 digits), which a SCIM schema cannot express: the driver has
scim2-tester write fresh 9-digit numbers (and keep a User's own on PUT, as the attribute is immutable), and gives
scim-sanity's one User an employeeNumber through its --extra-user-fields mechanism (see the driver's docstring).

Output: test-output/e2e/scim-conformance.txt (every check; for each one not passed, the requests it sent and what
Casework answered), scim-conformance-tester.json and scim-conformance-sanity.json (the drivers' whole output) and
scim-conformance-server.log. About 20 s.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import OUTPUT_DIR, REPO_ROOT, _free_port
from resilience_support import Server, base_env, run_casework, scratch_dir

SCIM_PYTHON = Path(os.environ.get("CASEWORK_SCIM_PYTHON") or REPO_ROOT / "e2e" / ".venv-scim" / "bin" / "python")
DRIVER = Path(__file__).resolve().with_name("scim_conformance_driver.py")
REPORT = OUTPUT_DIR / "scim-conformance.txt"
TOOL_TIMEOUT_S = 150
# scim-sanity creates one User; scim2-tester's staff IDs are 9 digits from 100000000, so this one never collides.
SANITY_EMPLOYEE_NUMBER = "42"

SEARCH_ACROSS_TYPES = ("Casework answers POST /scim/v2/.search (one search over every resource type, RFC 7644 "
                       "§3.4.3) with 501 Not Implemented, as §3.12 allows; each type is searched with GET")
# scim2-tester checks that may be SKIPPED: (check, resource type) -> (words its reason must contain, why it is fine).
ALLOWED_SKIPS: dict[tuple[str, str | None], tuple[str, str]] = {
    ("search_with_attributes", "User"): ("several resource types at once", SEARCH_ACROSS_TYPES),
    ("search_with_attributes", "Group"): ("several resource types at once", SEARCH_ACROSS_TYPES),
}

# scim-sanity results that may be SKIP: the draft-abbey-scim-agent-extension resources, which Casework does not serve
# (its /ResourceTypes lists only User and Group, which is how scim-sanity decides).
SANITY_ALLOWED_SKIPS = {
    "Agent CRUD Lifecycle": "Agent not supported by server",
    "AgenticApplication CRUD Lifecycle": "AgenticApplication not supported by server",
    "Agent Rapid Lifecycle": "Agent not supported or not in scope",
}


# ---------------------------------------------------------------------- running the tools


@dataclass
class ToolRun:
    command: list[str]
    returncode: int
    stderr: str
    document: dict | None
    seconds: float


def _run_driver(tool: str, url: str, token: str, *options: str) -> ToolRun:
    command = [str(SCIM_PYTHON), str(DRIVER), tool, url, *options]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["SCIM_TOKEN"] = token
    started = time.monotonic()
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S,
                          stdin=subprocess.DEVNULL, env=env)
    seconds = time.monotonic() - started
    try:
        document = json.loads(done.stdout)
    except ValueError:
        document = None
    (OUTPUT_DIR / f"scim-conformance-{tool}.json").write_text(done.stdout or "")
    if done.stderr:
        (OUTPUT_DIR / f"scim-conformance-{tool}.stderr.txt").write_text(done.stderr)
    return ToolRun(command, done.returncode, done.stderr, document, seconds)


@dataclass
class Verdict:
    passed: list[dict]
    allowed_skips: list[tuple[dict, str]]
    failures: list[dict]
    counts: Counter


def _judge_tester(run: dict) -> Verdict:
    verdict = Verdict([], [], [], Counter(c["status"] for c in run["checks"]))
    for check in run["checks"]:
        key = (check["name"], check.get("resource_type"))
        if check["status"] == "SUCCESS":
            verdict.passed.append(check)
        elif check["status"] == "SKIPPED" and key in ALLOWED_SKIPS and ALLOWED_SKIPS[key][0] in (check.get("reason") or ""):
            verdict.allowed_skips.append((check, ALLOWED_SKIPS[key][1]))
        else:
            verdict.failures.append(check)
    return verdict


def _judge_sanity(run: dict) -> Verdict:
    verdict = Verdict([], [], [], Counter(c["status"] for c in run["checks"]))
    for result in run["checks"]:
        if result["status"] == "PASS":
            verdict.passed.append(result)
        elif result["status"] == "SKIP" and SANITY_ALLOWED_SKIPS.get(result["name"]) == result.get("reason"):
            verdict.allowed_skips.append((result, "a draft resource type Casework does not serve"))
        else:
            verdict.failures.append(result)
    return verdict


# ---------------------------------------------------------------------- the report


def _line(check: dict) -> str:
    where = check.get("resource_type") or check.get("phase") or "-"
    reason = " ".join(str(check.get("reason") or "").split())
    return f"  {check['status']:<8} {where:<28} {check['name']}" + (f"  | {reason[:300]}" if reason else "")


def _exchange_text(exchange: dict) -> str:
    request = json.dumps(exchange.get("request"), sort_keys=True) if exchange.get("request") is not None else ""
    response = json.dumps(exchange.get("response"), sort_keys=True) if exchange.get("response") is not None else ""
    return (f"      {exchange['method']} {exchange['path']}" + (f"\n        sent: {request[:1500]}" if request else "")
            + f"\n        got:  {exchange['status']} {exchange.get('contentType') or ''}"
            + (f"\n              {response[:1500]}" if response else ""))


def _failure_detail(tool: str, check: dict, run: dict) -> list[str]:
    """A failed check's whole reason and the exchanges its code sent (scim2-tester tags them with the check; the
    4xx/5xx answers and the requests that changed something are the ones that tell)."""
    lines = [_line(check)]
    if check.get("reason") and len(str(check["reason"])) > 300:
        lines += ["      reason: " + line for line in str(check["reason"]).splitlines()]
    if tool == "tester":
        related = [e for e in run["exchanges"] if e.get("check") == check["name"]]
        data = check.get("data") if isinstance(check.get("data"), dict) else {}
        if data.get("urn"):
            # A PATCH check: the operations on that attribute.
            endpoint = f"/{check['resource_type']}s/" if check.get("resource_type") else "/"
            telling = [e for e in related if e["method"] == "PATCH" and endpoint in e["path"]
                       and isinstance(e.get("request"), dict)
                       and any(op.get("path") == data["urn"] for op in e["request"].get("Operations") or [])]
        else:
            telling = [e for e in related if e["status"] >= 400 and not (e["method"] == "DELETE" and e["status"] == 404)]
        if not telling:
            telling = [e for e in related if e["method"] in ("POST", "PUT", "PATCH")][-2:]
        if check.get("data") is not None:
            lines.append("      data: " + json.dumps(check["data"], sort_keys=True)[:2000])
        lines += [_exchange_text(e) for e in telling[:6]]
        if len(telling) > 6:
            lines.append(f"      ... {len(telling) - 6} more (see scim-conformance-tester.json)")
    else:
        # "PUT /Users/{id}", "GET /Users/{id} after PUT": that request (and the one it checks after) on that endpoint.
        words = check["name"].split()
        if len(words) >= 2 and words[1].startswith("/"):
            methods = {words[0]} | ({words[words.index("after") + 1]} if "after" in words[:-1] else set())
            endpoint = "/" + words[1].strip("/").split("/")[0].split("?")[0]
            related = [e for e in run["exchanges"] if e["method"] in methods and e["path"].startswith(endpoint)
                       and ("{id}" not in words[1] or e["path"].startswith(endpoint + "/"))]
            lines += [_exchange_text(e) for e in related[:4]]
    return lines


def _section(tool: str, title: str, tool_run: ToolRun, verdict: Verdict | None) -> list[str]:
    lines = [f"== {title}", f"command: {' '.join(tool_run.command)}",
             f"exit {tool_run.returncode}, {tool_run.seconds:.1f} s"]
    document = tool_run.document
    if document is None:
        return lines + ["the driver printed no JSON; its stderr:", tool_run.stderr[-5000:], ""]
    assert verdict is not None
    lines.append(f"{document['tool']} {document['version']}, options {document.get('options')}")
    lines.append("counts: " + ", ".join(f"{k} {v}" for k, v in sorted(verdict.counts.items()))
                 + f"; {len(verdict.passed)} passed, {len(verdict.allowed_skips)} allowed skips, "
                 f"{len(verdict.failures)} failed")
    lines += ["", "every check:"] + [_line(c) for c in document["checks"]]
    if verdict.allowed_skips:
        lines += ["", "allowed skips:"] + [f"{_line(c)}\n      why allowed: {why}" for c, why in verdict.allowed_skips]
    if verdict.failures:
        lines += ["", f"FAILED ({len(verdict.failures)}), with the requests sent and Casework's answers:"]
        for check in verdict.failures:
            lines += _failure_detail(tool, check, document)
    return lines + [""]


# ---------------------------------------------------------------------- the server and the runs


@dataclass
class Conformance:
    base: str
    tester: ToolRun
    sanity: ToolRun
    tester_verdict: Verdict | None
    sanity_verdict: Verdict | None


@pytest.fixture(scope="module")
def conformance() -> Conformance:
    if not os.access(SCIM_PYTHON, os.X_OK):
        pytest.fail(f"{SCIM_PYTHON} is missing: run scripts/test (or, in bash, "
                    "`CASEWORK_ROOT=$PWD; source scripts/lib/deps.sh; ensure_scim_venv`) to make e2e/.venv-scim")
    data_dir = scratch_dir("casework-scim-")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = base_env(data_dir, CASEWORK_PUBLIC_URL=base)
    server = Server("scim-conformance-server", env, port=port)
    try:
        migrated = run_casework(env, "migrate", "--yes")
        assert migrated.returncode == 0, f"`casework migrate --yes` exited {migrated.returncode}:\n{migrated.stderr[-3000:]}"
        made = run_casework(env, "scim-token", "create", "--name", "conformance")
        token = made.stdout.strip()
        assert made.returncode == 0 and token and "\n" not in token, (
            f"`casework scim-token create` exited {made.returncode}; stdout {made.stdout!r}; stderr {made.stderr[-2000:]}")
        server.start()
        url = f"{base}/scim/v2"
        tester = _run_driver("tester", url, token, "--staff-id-employee-numbers")
        sanity = _run_driver("sanity", url, token, "--employee-number", SANITY_EMPLOYEE_NUMBER)
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)

    tester_verdict = _judge_tester(tester.document) if tester.document else None
    sanity_verdict = _judge_sanity(sanity.document) if sanity.document else None
    header = [
        "SCIM 2.0 conformance of Casework's /scim/v2 (e2e/test_scim_conformance.py)",
        f"server: {base}/scim/v2 (casework serve, scratch SQLite, CASEWORK_PUBLIC_URL={base})",
        f"checkers' Python: {SCIM_PYTHON} ({_python_version()}); pytest's: {platform.python_version()}",
        "",
    ]
    body = (_section("tester", "scim2-tester check_server", tester, tester_verdict)
            + _section("sanity", "scim-sanity probe (strict)", sanity, sanity_verdict))
    REPORT.write_text("\n".join(header + body) + "\n")
    for name, verdict in (("scim2-tester", tester_verdict), ("scim-sanity", sanity_verdict)):
        if verdict is not None:
            print(f"\n{name}: " + ", ".join(f"{k} {v}" for k, v in sorted(verdict.counts.items()))
                  + f" -> {len(verdict.passed)} passed, {len(verdict.allowed_skips)} allowed skips, "
                  f"{len(verdict.failures)} failed (details in {REPORT})")
    return Conformance(base, tester, sanity, tester_verdict, sanity_verdict)


def _python_version() -> str:
    try:
        return subprocess.run([str(SCIM_PYTHON), "-c", "import platform; print(platform.python_version())"],
                              capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _summary(verdict: Verdict, limit: int = 40) -> str:
    return "\n".join(_line(c) for c in verdict.failures[:limit]) + (
        f"\n  ... and {len(verdict.failures) - limit} more" if len(verdict.failures) > limit else "")


def test_scim2_tester_check_server(conformance: Conformance) -> None:
    run = conformance.tester
    assert run.document is not None, f"the scim2-tester driver failed (exit {run.returncode}):\n{run.stderr[-4000:]}"
    verdict = conformance.tester_verdict
    assert verdict is not None and run.document["checks"], "scim2-tester ran no check"
    if verdict.failures:
        pytest.fail(f"{len(verdict.failures)} of {len(run.document['checks'])} scim2-tester checks did not pass "
                    f"(requests and answers in {REPORT}):\n{_summary(verdict)}", pytrace=False)
    # Discovery and the CRUD and PATCH checks of both resource types all ran.
    ran = {(c["name"], c.get("resource_type")) for c in verdict.passed}
    for resource_type in ("User", "Group"):
        for name in ("object_creation", "object_query", "object_replacement", "object_deletion",
                     "check_add_attribute", "check_remove_attribute", "check_replace_attribute"):
            assert (name, resource_type) in ran, f"scim2-tester's {name} never passed for {resource_type}"


def test_scim_sanity_probe(conformance: Conformance) -> None:
    run = conformance.sanity
    assert run.document is not None, f"the scim-sanity driver failed (exit {run.returncode}):\n{run.stderr[-4000:]}"
    verdict = conformance.sanity_verdict
    assert verdict is not None and run.document["checks"], "scim-sanity ran no check"
    if verdict.failures:
        pytest.fail(f"{len(verdict.failures)} of {len(run.document['checks'])} scim-sanity results did not pass "
                    f"(requests and answers in {REPORT}):\n{_summary(verdict)}", pytrace=False)
    names = {r["name"] for r in verdict.passed}
    for wanted in ("POST /Users", "PUT /Users/{id}", "PATCH /Users/{id}", "DELETE /Users/{id}", "POST /Groups",
                   "PATCH /Groups/{id} remove members", "GET /Users (ListResponse)"):
        assert wanted in names, f"scim-sanity's {wanted!r} did not pass"
