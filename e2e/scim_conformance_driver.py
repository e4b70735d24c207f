"""Runs a SCIM 2.0 conformance checker against a live server and prints its results as one JSON document.

Run by e2e/test_scim_conformance.py with the interpreter of e2e/.venv-scim (requirements-scim.txt), never with
e2e/.venv: scim2-tester and scim-sanity bring pydantic and httpx2, which e2e/.venv does not pin.

    SCIM_TOKEN=T python scim_conformance_driver.py tester URL [--staff-id-employee-numbers]
    SCIM_TOKEN=T python scim_conformance_driver.py sanity URL [--employee-number DIGITS]

The bearer token comes from the environment, not the command line: a secret does not belong in argv (every
process can read it), and a token that happens to begin with "-" would be taken for an option.

`tester`: scim2-tester's check_server (every check, all tags) through scim2-client's httpx2 engine.
`sanity`: scim-sanity's probe (strict mode), as `scim-sanity probe URL --token T --i-accept-side-effects` runs it.

Standard output: {"tool", "version", "checks": [{name, status, reason, resource_type, ...}], "exchanges": [...]};
each exchange is one HTTP request the checker sent (method, path, body) and what the server answered (status,
content type, body), tagged with the check that sent it, so that a failure can be reported exactly.

Both options exist because Casework's employeeNumber is its staff ID (1-9 digits): SCIM schemas (RFC 7643 §7) have
no way to say "digits", so a checker that fills required attributes with random strings (scim2-tester writes a
UUID) or leaves the enterprise extension out (scim-sanity) would only ever be refused with 400 invalidValue, and
nothing past the first POST would be checked. They change nothing but the value of that one attribute.
"""
from __future__ import annotations

import argparse
import inspect
import itertools
import json
import os
import random
import sys
from typing import Any

BODY_LIMIT = 4000
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"

exchanges: list[dict[str, Any]] = []


def _text(raw: bytes | str | None) -> Any:
    """A body as JSON when it is JSON, else as (cut) text."""
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw[:BODY_LIMIT]


def _plain(value: Any, depth: int = 0) -> Any:
    """Something JSON can hold, for a check's `data`."""
    if depth > 6:
        return repr(value)[:BODY_LIMIT]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value if not isinstance(value, str) else value[:BODY_LIMIT]
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v, depth + 1) for v in value]
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            return _plain(dump(mode="json", exclude_none=True), depth + 1)
        except Exception:  # noqa: BLE001 - a model that cannot dump itself is shown as its repr
            pass
    return repr(value)[:BODY_LIMIT]


# ---------------------------------------------------------------------- scim2-tester


def _current_check() -> str | None:
    """The scim2-tester check whose code is sending the request: the innermost `checker`-wrapped function."""
    frame = inspect.currentframe()
    while frame is not None:
        code = frame.f_code
        if code.co_name == "wrapped" and code.co_filename.replace("\\", "/").endswith("scim2_tester/utils.py"):
            func = frame.f_locals.get("func")
            if func is not None:
                return getattr(func, "__name__", None)
        frame = frame.f_back
    return None


def _employee_number_holders(obj: Any) -> list[Any]:
    """The enterprise-extension objects in a scim2-models resource (or the object itself, if it is one)."""
    if hasattr(obj, "employee_number"):
        return [obj]
    holders = []
    for name in type(obj).model_fields if hasattr(type(obj), "model_fields") else []:
        value = getattr(obj, name, None)
        if value is not None and hasattr(value, "employee_number"):
            holders.append(value)
    return holders


def _staff_id_employee_numbers() -> None:
    """Makes scim2-tester write employeeNumber as Casework's staff IDs, and keep it once a User has one.

    1. A generated employeeNumber is a fresh 9-digit number instead of a UUID (RFC 7643 §7 schemas cannot say
       "digits", so no checker can know it).
    2. A PUT (object_replacement) or a PATCH whose value is the whole enterprise extension keeps the User's
       employeeNumber: it is immutable in the published schema, and RFC 7644 §3.5.1 / §3.5.2 make a server refuse
       a different value (400 mutability). scim2-tester means to keep immutable values (its resource_put restores
       them, but only top-level ones, not an extension's).
    """
    import scim2_tester.checkers.patch_add as patch_add
    import scim2_tester.checkers.patch_remove as patch_remove
    import scim2_tester.checkers.patch_replace as patch_replace
    import scim2_tester.checkers.resource_put as resource_put
    from scim2_tester import filling

    used: set[str] = set()
    original_generate = filling.generate_random_value
    original_fill = filling.fill_with_random_values

    def fresh_staff_id() -> str:
        while True:
            candidate = str(random.randint(100_000_000, 999_999_999))
            if candidate not in used:
                used.add(candidate)
                return candidate

    def generate(context: Any, path: Any, mutability: Any = None, required: Any = None) -> Any:
        value = original_generate(context, path=path, mutability=mutability, required=required)
        if value is not None and str(path).lower().endswith(":employeenumber"):
            return fresh_staff_id()
        holders = _employee_number_holders(value) if value is not None else []
        if holders:
            # A whole enterprise extension as a PATCH value: keep the patched User's own employeeNumber.
            caller = inspect.currentframe().f_back
            resource = (caller.f_locals.get("base_resource") or caller.f_locals.get("full_resource")) if caller else None
            kept = [h.employee_number for h in _employee_number_holders(resource)] if resource is not None else []
            if kept and kept[0]:
                for holder in holders:
                    holder.employee_number = kept[0]
        return value

    def fill(context: Any, obj: Any, *args: Any, **kwargs: Any) -> Any:
        before = [h.employee_number for h in _employee_number_holders(obj)] if getattr(obj, "id", None) else []
        result = original_fill(context, obj, *args, **kwargs)
        if before and before[0]:
            for holder in _employee_number_holders(result):
                holder.employee_number = before[0]
        return result

    filling.generate_random_value = generate
    for module in (patch_add, patch_remove, patch_replace):
        if getattr(module, "generate_random_value", None) is original_generate:
            module.generate_random_value = generate
    filling.fill_with_random_values = fill
    if getattr(resource_put, "fill_with_random_values", None) is original_fill:
        resource_put.fill_with_random_values = fill


def run_tester(url: str, token: str, staff_id_employee_numbers: bool) -> dict[str, Any]:
    import httpx2
    import scim2_tester
    from scim2_client.engines.httpx2 import SyncSCIMClient
    from scim2_tester import check_server

    if staff_id_employee_numbers:
        _staff_id_employee_numbers()

    def on_request(request: Any) -> None:
        request.extensions["casework_check"] = _current_check()

    def on_response(response: Any) -> None:
        response.read()
        request = response.request
        exchanges.append({
            "check": request.extensions.get("casework_check"),
            "method": request.method,
            "path": request.url.raw_path.decode("ascii", errors="replace"),
            "request": _text(request.content),
            "status": response.status_code,
            "contentType": response.headers.get("content-type"),
            "location": response.headers.get("location"),
            "response": _text(response.content),
        })

    http = httpx2.Client(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30,
        event_hooks={"request": [on_request], "response": [on_response]},
    )
    client = SyncSCIMClient(http)
    results = check_server(client)
    checks = []
    for result in results:
        description = (result.description or "").strip().splitlines()
        checks.append({
            "name": result.title,
            "status": result.status.name,
            "reason": result.reason,
            "resource_type": result.resource_type,
            "tags": sorted(result.tags or []),
            "summary": description[0] if description else "",
            "data": _plain(result.data),
        })
    from importlib.metadata import version

    return {"tool": "scim2-tester", "version": version("scim2-tester"), "checks": checks, "exchanges": exchanges,
            "options": {"staff_id_employee_numbers": staff_id_employee_numbers}, "module": scim2_tester.__name__}


# ---------------------------------------------------------------------- scim-sanity


def run_sanity(url: str, token: str, employee_number: str | None) -> dict[str, Any]:
    from importlib.metadata import version

    from scim_sanity import http_client
    from scim_sanity.probe.runner import run_probe_api

    phase_of = {"current": None}
    original = http_client.SCIMClient._request

    def logged(self: Any, method: str, path: str, payload: Any = None, extra_headers: Any = None) -> Any:
        response = original(self, method, path, payload, extra_headers)
        exchanges.append({
            "check": phase_of["current"], "method": method, "path": path, "request": _plain(payload),
            "status": response.status_code, "contentType": response.header("Content-Type"),
            "location": response.header("Location"), "response": _text(response.body),
        })
        return response

    http_client.SCIMClient._request = logged
    extra = None
    if employee_number:
        extra = {"schemas": [CORE_USER, ENTERPRISE_USER], ENTERPRISE_USER: {"employeeNumber": employee_number}}
    outcome = run_probe_api(url, token=token, strict=True, timeout=30, extra_user_fields=extra)
    checks = [{
        "name": item.get("name"),
        "status": str(item.get("status", "")).upper(),
        "reason": item.get("message"),
        "phase": item.get("phase"),
    } for item in outcome.get("results", [])]
    return {"tool": "scim-sanity", "version": version("scim-sanity"), "checks": checks, "exchanges": exchanges,
            "summary": outcome.get("summary"), "issues": outcome.get("issues"), "exit_code": outcome.get("exit_code"),
            "options": {"employee_number": employee_number}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tool", choices=["tester", "sanity"])
    parser.add_argument("url", help="the SCIM base URL, like http://127.0.0.1:8080/scim/v2")
    parser.add_argument("--staff-id-employee-numbers", action="store_true",
                        help="tester: fill employeeNumber with fresh 9-digit staff IDs instead of random strings")
    parser.add_argument("--employee-number", default=None,
                        help="sanity: the employeeNumber (enterprise extension) of the one User it creates")
    args = parser.parse_args()
    token = os.environ.get("SCIM_TOKEN", "")
    if not token:
        parser.error("set SCIM_TOKEN to the bearer token")
    if args.tool == "tester":
        document = run_tester(args.url, token, args.staff_id_employee_numbers)
    else:
        document = run_sanity(args.url, token, args.employee_number)
    json.dump(document, sys.stdout, indent=1, sort_keys=False, default=repr)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
