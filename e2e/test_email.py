"""Email through the outbox, delivered to a real SMTP server (aiosmtpd) on 127.0.0.1.

Casework runs on a server of its own with CASEWORK_SMTP_URL pointing at a port where, at first, nothing
listens: the first message fails and waits, counted, on the administrators' outbox. Then the SMTP server
starts, the test clock passes the backoff, and the message arrives; every step of the chain then emails the
next person or team mailbox. No message may name the client.
"""
from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

from aiosmtpd.controller import Controller

from conftest import OUTPUT_DIR, REPO_ROOT, _binary, _free_port, _stop, _wait_for_health

PASSWORD = os.environ.get("CASEWORK_DEMO_PASSWORD") or "Casework-Demo-2026"
PUBLIC_URL = "https://casework.test.example"
CLIENT_SECRETS = ["Holloway", "Karen", "AB123456C", "AB 12 34 56 C", "SCIN4471"]
DELIVERY_WAIT_S = 40


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        with self.lock:
            return [m for rcpts, m in self.messages if address in rcpts]


def call(base: str, method: str, path: str, token: str | None = None, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return json.loads(text) if text else {}
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{method} {path} answered {error.code}: {error.read()[:500]!r}") from None


def sign_in(base: str, staff_id: str, role: str | None = None) -> str:
    body = {"staffId": staff_id, "password": PASSWORD}
    if role:
        body["role"] = role
    return call(base, "POST", "/api/v1/auth/tokens", body=body)["token"]


def wait_for(what: str, check, timeout: float = DELIVERY_WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def test_the_outbox_retries_until_a_real_smtp_server_takes_every_message() -> None:
    smtp_port = _free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        env.update({
            "CASEWORK_DATA_DIR": folder, "CASEWORK_BCRYPT_COST": "4", "CASEWORK_TEST_CLOCK": "1", "CASEWORK_SESSION_IDLE_MINUTES": "1440",
            "CASEWORK_DEMO_PASSWORD": PASSWORD, "CASEWORK_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
            "CASEWORK_PUBLIC_URL": PUBLIC_URL,
        })
        subprocess.run([str(_binary()), "migrate"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=True)
        seeded = subprocess.run([str(_binary()), "seed", "--demo"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert seeded.returncode == 0, seeded.stderr
        port = _free_port()
        log = OUTPUT_DIR / "email-server.log"
        with open(log, "w") as log_file:
            server = subprocess.Popen([str(_binary()), "serve", "--hostname", "127.0.0.1", "--port", str(port)],
                                      cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        mailbox = Mailbox()
        controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
        try:
            _wait_for_health(base, server, log)
            admin = sign_in(base, "90000001")
            tom = sign_in(base, "20010002")
            sr = call(base, "POST", "/api/v1/service-requests", tom,
                      {"type": "paymentReassign", "description": "Reassign a payment for a caller"})
            request = call(base, "POST", "/api/v1/access-requests", tom, {
                "purpose": "viewContact", "serviceRequestId": sr["id"], "requestedDurationMinutes": 60,
                "justification": "Caller asked about a payment", "nino": "AB123456C"})
            reference = request["reference"]

            # Nothing listens yet: the attempt fails, is counted and kept.
            def failed_once():
                items = call(base, "GET", "/api/v1/outbox?status=pending", admin)["items"]
                return items if items and items[0]["attempts"] >= 1 else None
            pending = wait_for("the first failed delivery attempt", failed_once)
            assert pending[0]["to"] == "sarah.whitfield@childmaintenance.gov.uk"
            assert pending[0]["lastError"], "a failed attempt must say what went wrong"
            assert not mailbox.messages

            # The server comes up; once the backoff has passed, the message goes.
            controller.start()
            call(base, "POST", "/api/v1/test-clock", body={"advanceMinutes": 2})
            first = wait_for("Sarah's email", lambda: mailbox.to("sarah.whitfield@childmaintenance.gov.uk"))[0]
            assert reference in first["Subject"] and "awaits your countersignature" in first["Subject"]
            body = first.get_content()
            assert f"{PUBLIC_URL}/access-requests/{request['id']}" in body
            sent = call(base, "GET", "/api/v1/outbox?status=sent", admin)["items"]
            assert len(sent) == 1 and sent[0]["attempts"] >= 2 and sent[0]["sentAt"]

            # Each stage emails the next: the SCR mailbox, then the provisioning mailbox, then the outcome.
            sarah = sign_in(base, "20010001", "teamLeader")
            call(base, "POST", f"/api/v1/access-requests/{request['id']}/decisions", sarah, {"decision": "approve"})
            wait_for("the SCR mailbox", lambda: mailbox.to("cm2012.specialclientrecords@childmaintenance.gov.uk"))
            robert = sign_in(base, "30000002", "scrManager")
            call(base, "POST", f"/api/v1/access-requests/{request['id']}/decisions", robert, {"decision": "approve"})
            wait_for("the provisioning mailbox", lambda: mailbox.to("cmg.userprovisioning@childmaintenance.gov.uk"))
            marcus = sign_in(base, "40000002")
            call(base, "POST", f"/api/v1/access-requests/{request['id']}/decisions", marcus, {"decision": "approve", "durationMinutes": 45})
            granted = wait_for("Tom's grant email", lambda: mailbox.to("tom.baxter@childmaintenance.gov.uk"))[0]
            assert "was granted for 45 minutes" in granted["Subject"]
            wait_for("Sarah's grant email", lambda: len(mailbox.to("sarah.whitfield@childmaintenance.gov.uk")) >= 2)

            assert call(base, "GET", "/api/v1/outbox?status=pending", admin)["items"] == [], "every message was delivered"
            with mailbox.lock:
                everything = list(mailbox.messages)
            for rcpts, message in everything:
                text = message["Subject"] + message.get_content()
                for secret in CLIENT_SECRETS:
                    assert secret not in text, f"an email to {rcpts} named the client ({secret})"
        finally:
            try:
                controller.stop()
            except AssertionError:
                pass  # never started
            _stop(server)
