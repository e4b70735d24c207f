"""Calls to a running Casework's JSON API for the bench scripts (standard library only)."""
import json
import os
import urllib.request

BASE = os.environ["BASE"]
PASSWORD = os.environ.get("CASEWORK_DEMO_PASSWORD") or "Casework-Demo-2026"


def call(method, path, token=None, body=None):
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(BASE + path, data=json.dumps(body).encode() if body is not None else None, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read()
        return json.loads(text) if text else {}


def sign_in(staff_id, role=None):
    return call("POST", "/api/v1/auth/tokens", body={"staffId": staff_id, "password": PASSWORD, **({"role": role} if role else {})})["token"]


def grant_access(tom, sarah, robert, marcus, minutes, description):
    """Tom asks to view Karen Holloway on a new SR; his team leader, the SCR manager and provisioning approve. Returns the grant id."""
    sr = call("POST", "/api/v1/service-requests", tom, {"type": "generalEnquiry", "description": description})
    request = call("POST", "/api/v1/access-requests", tom, {"purpose": "viewContact", "serviceRequestId": sr["id"],
                                                            "requestedDurationMinutes": minutes, "justification": "bench", "nino": "AB123456C"})
    for decider in (sarah, robert, marcus):
        answer = call("POST", f"/api/v1/access-requests/{request['id']}/decisions", decider, {"decision": "approve"})
    return answer["grantId"]
