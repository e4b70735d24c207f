"""Temporary access journey: a caseworker asks (CSUA150) for temporary access to a sensitive
contact, his team leader countersigns, the SCR manager approves, provisioning grants it for less
time than asked; he sees the contact, the (test) clock runs out, the access ends, and his team
leader confirms she witnessed him log off."""

from __future__ import annotations

import json
import re
import urllib.request
from urllib.parse import urlparse

from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import CaseworkServer, Journey
from test_foundation import sign_out
from test_records import account, search_contacts, select_value, sign_in_as

SENSITIVE_NAME = "Karen Holloway"
SENSITIVE_SURNAME = "Holloway"
SENSITIVE_NINO_SPACED = "AB 12 34 56 C"
SENSITIVE_NINO = "AB123456C"

CASEWORKER = "20010004"  # Liam O'Connor, caseworker
TEAM_LEADER = "20010001"  # Sarah Whitfield, caseworker + teamLeader
SCR_MANAGER = "30000002"  # Robert Ainsworth, scrManager + scrCaseworker
PROVISIONING = "40000002"  # Marcus Bell, provisioning

EXPIRY_WAIT_S = 20


# ---------------------------------------------------------------------- helpers


def advance_clock(server: CaseworkServer, minutes: int) -> dict:
    req = urllib.request.Request(
        server.url("/api/v1/test-clock"),
        data=json.dumps({"advanceMinutes": minutes}).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200, f"POST /api/v1/test-clock answered {resp.status}"
        return json.loads(resp.read())


def choose_radio(j: Journey, element_id: str) -> None:
    radio = j.by_id(element_id)
    try:
        radio.click()
    except WebDriverException:
        j.driver.find_element(By.CSS_SELECTOR, f"label[for='{element_id}']").click()
    assert radio.is_selected(), f"could not select #{element_id}"


def page_text(j: Journey) -> str:
    return " ".join(j.driver.find_element(By.TAG_NAME, "body").text.split())


def decide(j: Journey, request_path: str, label: str, expected_status: str) -> None:
    j.visit(request_path, f"request-as-{label}")
    choose_radio(j, "decision-approve")
    j.shot(f"approve-as-{label}")
    j.click_and_wait(j.by_id("decide-button"), f"decided-as-{label}")
    assert j.path == request_path, f"deciding should return to the request, on {j.driver.current_url}"
    assert j.by_id("request-status").get_attribute("data-status") == expected_status


def raise_enquiry_and_open_access_form(j: Journey) -> str:
    """The caseworker raises a general-enquiry SR to hang an access request on, then opens a new CSUA150 from the
    navigation. Returns the SR's reference."""
    j.visit("/service-requests/new", "new-sr")
    select_value(j, "type", "generalEnquiry")
    j.type_into("description", "Caller asks about a payment")
    j.click_and_wait(j.by_id("create-sr-button"), "sr-created")
    assert re.fullmatch(r"/service-requests/(?!new$)[^/]+", j.path), (
        f"expected /service-requests/<id>, on {j.driver.current_url}"
    )
    sr_reference = j.text("sr-reference")
    assert sr_reference, "the service request should show its reference"
    j.visit("/", "home-as-caseworker")
    nav = j.driver.find_elements(By.XPATH, '//a[normalize-space()="Temporary access"]')
    assert nav, "the caseworker's navigation should offer \"Temporary access\""
    j.click_and_wait(nav[0], "access-requests")
    j.click_and_wait(j.by_id("new-request"), "new-access-request")
    assert j.path == "/access-requests/new", f"expected /access-requests/new, on {j.driver.current_url}"
    return sr_reference


# ---------------------------------------------------------------------- the journey


def test_temporary_access_requested_approved_granted_and_expires(
    journey: Journey, casework_server: CaseworkServer
) -> None:
    j = journey
    server = casework_server
    liam = account(server, CASEWORKER, ["caseworker"])
    sarah = account(server, TEAM_LEADER, ["caseworker", "teamLeader"])
    robert = account(server, SCR_MANAGER, ["scrManager", "scrCaseworker"])
    marcus = account(server, PROVISIONING, ["provisioning"])

    # 1. The caseworker raises a service request to hang the access request on, and opens a CSUA150.
    sign_in_as(j, server, liam, "caseworker")
    sr_reference = raise_enquiry_and_open_access_form(j)

    # 2. He asks for temporary access: first with nothing chosen, then properly.
    assert j.text("requester-staffId") == CASEWORKER
    assert "Sarah Whitfield" in j.text("requester-teamLeader")

    j.click_and_wait(j.by_id("submit-request"), "access-request-empty")
    assert j.driver.find_elements(By.CSS_SELECTOR, ".govuk-error-summary"), (
        f"an empty request should show .govuk-error-summary, on {j.driver.current_url}"
    )

    choose_radio(j, "purpose-viewContact")
    j.type_into("serviceRequestId", sr_reference)
    j.type_into("requestedDurationMinutes", "60")
    j.type_into("nino", SENSITIVE_NINO_SPACED)
    j.type_into("justification", "Caller asked about a payment on this case")
    j.shot("access-request-filled")
    j.click_and_wait(j.by_id("submit-request"), "access-request-sent")
    assert re.fullmatch(r"/access-requests/(?!new$)[^/]+", j.path), (
        f"expected /access-requests/<id>, on {j.driver.current_url}"
    )
    request_path = j.path
    assert j.by_id("request-status").get_attribute("data-status") == "awaitingTeamLeader"
    assert j.text("request-status") == "Awaiting team leader"
    sign_out(j)

    # 3. His team leader is told, and countersigns.
    sign_in_as(j, server, sarah, "teamLeader")
    assert "awaits your countersignature" in page_text(j), (
        "the team leader's home should say a request awaits her countersignature"
    )
    decide(j, request_path, "team-leader", "awaitingScrManager")
    sign_out(j)

    # 4. The SCR manager approves.
    sign_in_as(j, server, robert, "scrManager")
    decide(j, request_path, "scr-manager", "awaitingProvisioning")
    sign_out(j)

    # 5. Provisioning grants it, for 30 minutes rather than the 60 asked for.
    sign_in_as(j, server, marcus, "provisioning")
    j.visit(request_path, "request-as-provisioning")
    assert j.by_id("durationMinutes").get_attribute("value") == "60"
    j.type_into("durationMinutes", "30")
    choose_radio(j, "decision-approve")
    j.shot("grant-as-provisioning")
    j.click_and_wait(j.by_id("decide-button"), "decided-as-provisioning")
    assert j.by_id("request-status").get_attribute("data-status") == "granted"
    grant_url = j.by_id("grant-link").get_attribute("href")
    assert grant_url and re.search(r"/grants/[^/]+$", grant_url), f"#grant-link href is {grant_url!r}"
    sign_out(j)

    # 6. The caseworker now sees the sensitive contact.
    sign_in_as(j, server, liam, "caseworker")
    search_contacts(j, SENSITIVE_NINO, "caseworker-with-grant")
    results = j.by_id("contact-results")
    assert "restricted record" not in results.text.lower(), "with a grant he should see the record"
    links = results.find_elements(By.XPATH, f'.//tbody//tr//a[normalize-space()="{SENSITIVE_NAME}"]')
    assert links, f"#contact-results has no link to {SENSITIVE_NAME}: {results.text!r}"
    j.click_and_wait(links[0], "contact-with-grant")
    contact_path = j.path
    assert re.fullmatch(r"/contacts/[^/]+", contact_path), f"expected /contacts/<id>, on {j.driver.current_url}"
    assert j.text("contact-name") == SENSITIVE_NAME

    # 7. Thirty minutes pass: the contact is closed to him again. Moving the clock wakes the expiry job, which
    # may already have ended his sessions; signed in again, he is refused (and the refusal audited).
    advance_clock(server, 30)
    j.visit(contact_path, "contact-after-expiry")
    if j.path == "/sign-in":
        j.driver.delete_all_cookies()
        sign_in_as(j, server, liam, "caseworker")
        j.visit(contact_path, "contact-after-expiry-signed-in-again")
    assert j.heading() == "You cannot do this", (
        f"after the grant ends the contact should be refused, on {j.driver.current_url}"
    )
    assert SENSITIVE_SURNAME not in j.driver.page_source, "the contact is visible after the grant ended"

    # 8. The expiry job ends the grant; the team leader witnesses his log-off.
    j.driver.delete_all_cookies()
    sign_in_as(j, server, sarah, "teamLeader")

    # The grant-time notice already says "witness their log-off when it ends"; wait for the one the
    # expiry job sends ("... for 20010004 expired: witness their log-off and confirm it").
    def told_to_witness(d) -> bool:
        d.refresh()
        body = " ".join(d.find_element(By.TAG_NAME, "body").text.split())
        return f"for {CASEWORKER} expired: witness their log-off" in body

    try:
        WebDriverWait(j.driver, EXPIRY_WAIT_S, poll_frequency=1).until(told_to_witness)
    except TimeoutException:
        j.shot("home-no-logoff-notification")
        raise AssertionError(
            f"within {EXPIRY_WAIT_S}s the team leader's home never asked her to witness the log-off"
        ) from None
    j.shot("home-witness-logoff")

    j.visit(urlparse(grant_url).path, "grant-expired")
    assert j.text("grant-status") == "expired"
    j.click_and_wait(j.by_id("confirm-logoff-button"), "logoff-confirmed")
    assert TEAM_LEADER in j.text("grant-logoff")
    # Her inbox page keeps every notice; she clears what she has dealt with.
    j.visit("/notifications", "inbox")
    assert "witness their log-off" in page_text(j)
    j.click_and_wait(j.by_id("mark-all-read"), "inbox-cleared")
    assert j.by_id("no-unread").is_displayed()
    sign_out(j)

    # 9. The SCR manager monitors: the decisions by stage, then the request's evidence tells its whole story.
    sign_in_as(j, server, robert, "scrManager")
    j.visit("/monitoring", "monitoring")
    stages = j.by_id("stages").text
    assert "Provisioning" in stages and "Team leader" in stages, f"the stages table should list each stage by name: {stages!r}"
    # The charts draw the same figures, each with a text alternative and its data table.
    for chart in ("chart-requests-per-day", "chart-time-to-decide", "chart-live-grants-by-team", "chart-overdue-log-offs"):
        assert j.by_id(chart).find_elements(By.TAG_NAME, "h3"), f"the monitoring page should have the chart {chart}"
    per_day = j.text("chart-requests-per-day-summary")
    assert "granted" in per_day and "in all" in per_day, f"the chart of requests per day should say what it shows: {per_day!r}"
    j.visit(request_path, "request-as-scr-manager-after")
    j.click_and_wait(j.by_id("evidence-link"), "evidence")
    # When, as people read it ("3 December 2026 at 11:13pm"), and who.
    logoff = j.text("evidence-logoff")
    assert re.match(r"\d{1,2} [A-Z][a-z]+ 20\d\d at \d{1,2}(:\d\d)?(am|pm)|.* at (midday|midnight)", logoff) and TEAM_LEADER in logoff, logoff
    history = j.by_id("evidence-history").text
    for step in ("submitted", "teamLeader.approve", "scrManager.approve", "provisioning.approve"):
        assert step in history, f"the evidence should show {step}: {history!r}"
    access = j.by_id("evidence-access").text
    assert "success" in access and "denied" in access, f"the views under the grant and the refusal after it: {access!r}"
    assert "grant.ended" in j.by_id("evidence-audit").text
    sign_out(j)

    # 10. No SMTP server is set for this server: an administrator sees every email waiting on the outbox page.
    alex = account(server, "90000001", ["administrator"])
    sign_in_as(j, server, alex, "administrator")
    j.visit("/outbox", "outbox")
    assert "No SMTP server is set" in j.text("smtp-status")
    waiting = j.by_id("pending").text
    assert "sarah.whitfield@childmaintenance.gov.uk" in waiting and "cm2012.specialclientrecords@childmaintenance.gov.uk" in waiting
    assert SENSITIVE_SURNAME not in j.driver.page_source, "an email named the client"
    sign_out(j)
