"""A leaver (issue 11), against a real identity provider, a real browser and the real server.

The identity provider provisions a new team (a team leader and a caseworker reporting to them) into Casework by SCIM;
the caseworker signs in through the provider (oidc-provider-mock) and asks (CSUA150) for temporary access to the
demo's sensitive contact; the request goes to the SCIM-made team leader, who countersigns in their own browser; the
SCR manager approves and provisioning grants; the caseworker opens the contact. Then the provider deactivates the
caseworker (SCIM PATCH active=false): the page they have open sends them to sign-in at the next load, their API
token stops working, the provider's sign-in is refused, their live grant is removed ("account deactivated"), a
second open request of theirs is withdrawn, and their team leader is given the log-off task and confirms it.

Everyone signs in through the provider (each with a `staff_id` claim registered on the mock), so this module reuses
test_organisation_sign_in's fixtures unchanged: its mock, its `casework serve` (demo seed, CASEWORK_OIDC_* set,
password sign-in off) and its loopback-only Chromium. The caseworker and the team leader each have a browser; the
SCR manager and provisioning decide through the JSON API with tokens made from the provider's ID tokens (their
pages are covered by test_temporary_access.py). The SCIM token comes from `casework scim-token create` on the
server's data directory while it runs, as an operator would make it.
"""

from __future__ import annotations

import json
import re
import urllib.parse

import pytest
import requests
from selenium.webdriver.common.by import By

from conftest import Account, Journey
from resilience_support import base_env, run_casework
from test_foundation import check_signed_in_page
from test_organisation_sign_in import (  # noqa: F401 - mock_provider, casework and journey are fixtures used here
    HTTP_TIMEOUT_S,
    MockProvider,
    OIDCCasework,
    _loopback_only_driver,
    casework,
    journey,
    mock_provider,
    navigation_status,
    sign_in_through_provider,
)
from test_records import search_contacts
from test_temporary_access import raise_enquiry_and_open_access_form, SENSITIVE_NAME, SENSITIVE_NINO, SENSITIVE_NINO_SPACED, SENSITIVE_SURNAME, \
    choose_radio, decide, page_text

SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SCIM_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SCIM_PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM_JSON = "application/scim+json"
SCIM_CLIENT = "leaver-journey-idp"

# The new team, provisioned by SCIM: staff IDs the demo does not have.
TEAM = "Sunderland Casework 9"
LEADER = "70900001"
LEADER_NAME = "Olivia Rennison"
LEADER_SUB = "olivia.rennison@childmaintenance.gov.uk"
LEAVER = "70900002"
LEAVER_NAME = "Callum Dobbs"
LEAVER_SUB = "callum.dobbs@childmaintenance.gov.uk"
LEADERS_MANAGER = "10000001"  # Margaret Okafor (demo), Operations Management

# From the demo seed, signed in through the provider too.
SCR_MANAGER = "30000002"  # Robert Ainsworth, scrManager + scrCaseworker
SCR_MANAGER_SUB = "robert.ainsworth@childmaintenance.gov.uk"
PROVISIONING = "40000002"  # Marcus Bell, provisioning
PROVISIONING_SUB = "marcus.bell@childmaintenance.gov.uk"


# ---------------------------------------------------------------------- SCIM, as the identity provider calls it


class SCIMClient:
    def __init__(self, base: str, token: str) -> None:
        self.base = base + "/scim/v2"
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.headers.update({"Authorization": f"Bearer {token}", "Accept": SCIM_JSON, "Content-Type": SCIM_JSON})

    def send(self, method: str, path: str, body: dict, expected: int) -> dict:
        answer = self.http.request(method, self.base + path, data=json.dumps(body), timeout=HTTP_TIMEOUT_S)
        assert answer.status_code == expected, \
            f"SCIM {method} {path}: expected {expected}, got {answer.status_code}: {answer.text[:800]}\nsent: {json.dumps(body)}"
        assert answer.headers.get("Content-Type", "").startswith(SCIM_JSON), answer.headers.get("Content-Type")
        return answer.json()

    def create_user(self, staff_id: str, name: str, email: str, manager: str) -> dict:
        given, family = name.split(" ", 1)
        body = {
            "schemas": [SCIM_USER, SCIM_ENTERPRISE],
            "userName": email, "externalId": f"idp-{staff_id}", "active": True,
            "name": {"givenName": given, "familyName": family, "formatted": name},
            "emails": [{"value": email, "type": "work", "primary": True}],
            SCIM_ENTERPRISE: {"employeeNumber": staff_id, "department": TEAM, "manager": {"value": manager}},
        }
        made = self.send("POST", "/Users", body, 201)
        assert made["id"] == staff_id and made["active"] is True, made
        assert made[SCIM_ENTERPRISE]["manager"]["value"] == manager and made[SCIM_ENTERPRISE]["department"] == TEAM, made
        return made

    def create_group(self, role: str, members: list[str]) -> dict:
        made = self.send("POST", "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": role,
                                            "members": [{"value": m} for m in members]}, 201)
        assert sorted(m["value"] for m in made["members"]) == sorted(members), made
        return made

    def deactivate(self, staff_id: str) -> dict:
        done = self.send("PATCH", f"/Users/{staff_id}", {"schemas": [SCIM_PATCH],
                                                         "Operations": [{"op": "replace", "value": {"active": False}}]}, 200)
        assert done["active"] is False, done
        return done


def scim_token(casework: OIDCCasework) -> str:
    made = run_casework(base_env(casework.server.data_dir), "scim-token", "create", "--name", SCIM_CLIENT, timeout=120)
    assert made.returncode == 0, f"`casework scim-token create` exited {made.returncode}:\n{made.stderr[-2000:]}"
    lines = [line.strip() for line in made.stdout.splitlines() if line.strip()]
    assert lines, f"`casework scim-token create` printed no token; stderr:\n{made.stderr[-2000:]}"
    return lines[-1]


# ---------------------------------------------------------------------- the JSON API, with tokens from ID tokens


class API:
    def __init__(self, casework: OIDCCasework, mock: MockProvider) -> None:
        self.casework = casework
        self.mock = mock
        self.http = casework.http

    def token(self, sub: str, role: str) -> str:
        id_token = self.mock.id_token(self.casework.client_id, self.casework.client_secret, self.casework.redirect_uri, sub)
        made = self.call("POST", "/api/v1/auth/tokens", None, {"idToken": id_token, "role": role}, 201)
        assert made["role"] == role, made
        return made["token"]

    def answer(self, method: str, path: str, token: str | None, body: dict | None = None) -> requests.Response:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, self.casework.base + path, json=body, headers=headers, timeout=HTTP_TIMEOUT_S)

    def call(self, method: str, path: str, token: str | None, body: dict | None = None, expected: int = 200) -> dict:
        answer = self.answer(method, path, token, body)
        assert answer.status_code == expected, \
            f"{method} {path}: expected {expected}, got {answer.status_code}: {answer.text[:800]}"
        return answer.json()


# ---------------------------------------------------------------------- the team leader's own browser


@pytest.fixture
def leader_journey(request: pytest.FixtureRequest, casework: OIDCCasework) -> Journey:
    driver = _loopback_only_driver()
    try:
        j = Journey(driver, casework.server, f"{request.node.name}-team-leader")
        yield j
        report = getattr(request.node, "rep_call", None)
        if report is None or report.failed:
            j.save_failure()
    finally:
        driver.quit()


# ---------------------------------------------------------------------- the journey


def test_leaver_loses_access_the_moment_the_provider_deactivates_them(
    journey: Journey, leader_journey: Journey, mock_provider: MockProvider, casework: OIDCCasework
) -> None:
    cw, tl, mock = journey, leader_journey, mock_provider
    api = API(casework, mock)

    # 1. The identity provider provisions the new team by SCIM: the team leader first (the caseworker's manager must
    #    exist), then the caseworker, then the groups that give them their roles.
    scim = SCIMClient(casework.base, scim_token(casework))
    scim.create_user(LEADER, LEADER_NAME, LEADER_SUB, manager=LEADERS_MANAGER)
    scim.create_user(LEAVER, LEAVER_NAME, LEAVER_SUB, manager=LEADER)
    scim.create_group("teamLeader", [LEADER])
    scim.create_group("caseworker", [LEAVER])
    mock.set_user(LEAVER_SUB, {"staff_id": LEAVER, "name": LEAVER_NAME, "email": LEAVER_SUB})
    mock.set_user(LEADER_SUB, {"staff_id": LEADER, "name": LEADER_NAME, "email": LEADER_SUB})
    mock.set_user(SCR_MANAGER_SUB, {"staff_id": SCR_MANAGER, "name": "Robert Ainsworth"})
    mock.set_user(PROVISIONING_SUB, {"staff_id": PROVISIONING, "name": "Marcus Bell"})
    leaver = Account(LEAVER, LEAVER_NAME, ["caseworker"], TEAM, LEADER)
    leader = Account(LEADER, LEADER_NAME, ["teamLeader"], TEAM, LEADERS_MANAGER)

    # 2. The caseworker signs in through the provider: one role, straight to the caseworker's home.
    sign_in_through_provider(cw, mock, casework, LEAVER_SUB)
    check_signed_in_page(cw, casework.server, leaver, "caseworker")

    # 3. A service request to hang the access request on, then the CSUA150.
    sr_reference = raise_enquiry_and_open_access_form(cw)
    assert cw.text("requester-staffId") == LEAVER
    assert cw.text("requester-name") == LEAVER_NAME
    assert cw.text("requester-teamLeader") == f"{LEADER} - {LEADER_NAME}", \
        "the form should name the SCIM-provisioned team leader as the one who countersigns"
    choose_radio(cw, "purpose-viewContact")
    cw.type_into("serviceRequestId", sr_reference)
    cw.type_into("requestedDurationMinutes", "60")
    cw.type_into("nino", SENSITIVE_NINO_SPACED)
    cw.type_into("justification", "Caller asked about a payment on this case")
    cw.shot("access-request-filled")
    cw.click_and_wait(cw.by_id("submit-request"), "access-request-sent")
    assert re.fullmatch(r"/access-requests/(?!new$)[^/]+", cw.path), f"expected /access-requests/<id>, on {cw.driver.current_url}"
    request_path = cw.path
    request_id = request_path.rsplit("/", 1)[1]
    reference = cw.text("request-reference")
    assert cw.by_id("request-status").get_attribute("data-status") == "awaitingTeamLeader"
    banner = " ".join(cw.driver.find_element(By.CSS_SELECTOR, ".govuk-notification-banner__heading").text.split())
    assert banner == f"{reference} was sent to your team leader, {LEADER_NAME}", f"the banner says: {banner!r}"
    assert f"Team leader {LEADER} - {LEADER_NAME}" in page_text(cw), \
        f"the request should show it waits for {LEADER} - {LEADER_NAME}: {page_text(cw)[:1500]!r}"

    # 4. The team leader, in their own browser, is told and countersigns.
    sign_in_through_provider(tl, mock, casework, LEADER_SUB)
    check_signed_in_page(tl, casework.server, leader, "teamLeader")
    told = tl.text("notifications")
    assert f"{reference} from {LEAVER} awaits your countersignature" in told, f"the team leader's notifications: {told!r}"
    tl.visit("/access-requests", "leader-access-requests")
    awaiting = tl.text("awaiting-me")
    assert reference in awaiting and f"{LEAVER} - {LEAVER_NAME}" in awaiting, f"#awaiting-me: {awaiting!r}"
    decide(tl, request_path, "team-leader", "awaitingScrManager")

    # 5. The SCR manager approves and provisioning grants, through the API.
    robert = api.token(SCR_MANAGER_SUB, "scrManager")
    waiting = api.call("GET", "/api/v1/access-requests?awaitingMe=true", robert)["items"]
    assert request_id in [r["id"] for r in waiting], f"the SCR manager's awaitingMe list lacks {request_id}: {waiting}"
    decided = api.call("POST", f"/api/v1/access-requests/{request_id}/decisions", robert, {"decision": "approve"})
    assert decided["status"] == "awaitingProvisioning", decided
    marcus = api.token(PROVISIONING_SUB, "provisioning")
    granted = api.call("POST", f"/api/v1/access-requests/{request_id}/decisions", marcus, {"decision": "approve", "durationMinutes": 30})
    assert granted["status"] == "granted" and granted.get("grantId"), granted
    grant_id = granted["grantId"]
    grant_path = f"/grants/{grant_id}"
    grant = api.call("GET", f"/api/v1/grants/{grant_id}", marcus)
    assert (grant["status"], grant["staffId"]) == ("active", LEAVER), grant

    # 6. The caseworker, still in the same browser, sees the grant and opens the sensitive contact.
    cw.visit(request_path, "request-granted")
    assert cw.by_id("request-status").get_attribute("data-status") == "granted"
    cw.visit("/", "home-with-grant")
    assert "You have no temporary SCR access" not in cw.text("your-access"), cw.text("your-access")
    search_contacts(cw, SENSITIVE_NINO, "with-grant")
    results = cw.by_id("contact-results")
    links = results.find_elements(By.XPATH, f'.//tbody//tr//a[normalize-space()="{SENSITIVE_NAME}"]')
    assert links, f"with the grant #contact-results should link to {SENSITIVE_NAME}: {results.text!r}"
    cw.click_and_wait(links[0], "contact-with-grant")
    contact_path = cw.path
    assert re.fullmatch(r"/contacts/[^/]+", contact_path), f"expected /contacts/<id>, on {cw.driver.current_url}"
    assert cw.text("contact-name") == SENSITIVE_NAME

    # A token for the caseworker's own API client, and a second request of theirs still open when they leave.
    callum = api.token(LEAVER_SUB, "caseworker")
    second = api.call("POST", "/api/v1/access-requests", callum, {
        "purpose": "viewContact", "serviceRequestId": sr_reference, "requestedDurationMinutes": 120, "nino": SENSITIVE_NINO,
        "justification": "A follow-up call is booked for tomorrow"}, expected=201)
    assert second["status"] == "awaitingTeamLeader" and second["teamLeader"]["staffId"] == LEADER, second

    tl.visit("/", "leader-home-grant-live")
    assert f"{LEAVER} has access until" in tl.text("team-access"), tl.text("team-access")

    # 7. The caseworker leaves: the identity provider deactivates them.
    scim.deactivate(LEAVER)

    # The page they had open: the next load lands on sign-in, and shows nothing of the contact.
    cw.visit(contact_path, "contact-after-deactivation")
    assert cw.path == "/sign-in", f"a deactivated person's next page load should land on /sign-in, on {cw.driver.current_url}"
    assert SENSITIVE_SURNAME not in cw.driver.page_source, "the contact is still shown after deactivation"
    assert not cw.driver.find_elements(By.ID, "status-bar"), "the sign-in page should not show anyone signed in"
    ended = api.answer("GET", "/api/v1/auth/tokens/current", callum)
    assert ended.status_code == 401, f"the leaver's API token should be dead: {ended.status_code} {ended.text[:300]}"
    # Signing in again through the provider (whose account still exists there) is refused, with the reason.
    sign_in_through_provider(cw, mock, casework, LEAVER_SUB)
    assert cw.path == "/auth/oidc/callback", f"the refusal is shown at the callback, on {cw.driver.current_url}"
    assert navigation_status(cw) == 401, f"a refused sign-in should answer 401, got {navigation_status(cw)}"
    refused = cw.text("sign-in-refused")
    assert LEAVER in refused and "deactivated" in refused, f"#sign-in-refused says: {refused!r}"

    # 8. Their team leader is told: the grant was removed, witness the log-off; the open request was withdrawn.
    tl.visit("/", "leader-home-after-deactivation")
    told = tl.text("notifications")
    assert f"{reference} for {LEAVER} was removed: witness their log-off and confirm it" in told, \
        f"the team leader should be given the log-off task: {told!r}"
    assert f"{second['reference']} was withdrawn: {LEAVER}'s account was deactivated" in told, \
        f"the team leader should be told the open request was withdrawn: {told!r}"
    team = tl.text("team-access")
    assert f"{reference}: access for {LEAVER} ended at" in team and "confirm the log-off you witnessed" in team, team
    tl.visit(grant_path, "leader-grant-removed")
    assert tl.text("grant-status") == "removed"
    tl.click_and_wait(tl.by_id("confirm-logoff-button"), "leader-logoff-confirmed")
    assert LEADER in tl.text("grant-logoff"), tl.text("grant-logoff")
    tl.visit("/", "leader-home-after-confirming")
    assert "access for " + LEAVER not in tl.text("team-access"), \
        f"the confirmed log-off should leave the team's access list: {tl.text('team-access')!r}"

    # 9. What provisioning and the SCR manager see: the grant removed because the account was deactivated, by the
    #    SCIM client, and the second request withdrawn.
    grant = api.call("GET", f"/api/v1/grants/{grant_id}", marcus)
    assert grant["status"] == "removed" and grant["logOffConfirmedBy"] == LEADER, grant
    events = api.call("GET", "/api/v1/audit-events?subject=" + urllib.parse.quote(grant_id) + "&limit=100", robert)["items"]
    removals = [e for e in events if e["action"] == "grant.remove"]
    assert removals and "account deactivated" in removals[0]["detail"] and removals[0]["actorStaffId"] == f"scim:{SCIM_CLIENT}", events
    assert any(e["action"] == "grant.ended" for e in events), events
    withdrawn = api.call("GET", f"/api/v1/access-requests/{second['id']}", robert)
    assert withdrawn["status"] == "withdrawn", withdrawn
    assert any(h["action"] == "withdrawn" and h.get("reason") == "account deactivated" for h in withdrawn["history"]), withdrawn["history"]
