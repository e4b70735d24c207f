"""Records journey: a sensitive contact seen by SCR, routed and assigned through the SCR hopper,
hidden from an ordinary caseworker, and every view and denial left in the audit trail."""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import Account, CaseworkServer, Journey
from test_foundation import choose_role, sign_in, sign_out

SENSITIVE_NAME = "Karen Holloway"
SENSITIVE_SURNAME = "Holloway"
SENSITIVE_NINO_SPACED = "AB 12 34 56 C"
SENSITIVE_NINO = "AB123456C"
SENSITIVE_SCIN = "SCIN4471"

SCR_CASEWORKER = "30000003"  # Nadia Petrova, scrCaseworker
SCR_MANAGER = "30000002"  # Robert Ainsworth, scrManager + scrCaseworker
SCR_ASSIGNEE = "30000004"  # Owen Pritchard, scrCaseworker
CASEWORKER = "20010002"  # Tom Baxter, caseworker
ADMINISTRATOR = "90000001"


# ---------------------------------------------------------------------- helpers


def account(server: CaseworkServer, staff_id: str, roles: list[str]) -> Account:
    found = [a for a in server.accounts if a.staff_id == staff_id]
    assert found, f"the demo seed has no account {staff_id}"
    assert sorted(found[0].roles) == sorted(roles), (
        f"demo account {staff_id} should hold {roles}, holds {found[0].roles}"
    )
    return found[0]


def sign_in_as(j: Journey, server: CaseworkServer, acct: Account, role: str) -> None:
    sign_in(j, acct, server.password)
    if len(acct.roles) > 1:
        choose_role(j, acct, role)
    assert j.path == "/", f"{acct.staff_id} should land on home after signing in, on {j.driver.current_url}"


def select_value(j: Journey, element_id: str, value: str) -> None:
    select = Select(j.by_id(element_id))
    offered = [o.get_attribute("value") for o in select.options]
    assert value in offered, f"#{element_id} offers {offered}, not {value!r}"
    select.select_by_value(value)
    assert select.first_selected_option.get_attribute("value") == value


def search_contacts(j: Journey, query: str, label: str) -> None:
    j.visit("/contacts", f"contacts-{label}")
    j.type_into("q", query)
    j.click_and_wait(j.by_id("search-button"), f"results-{label}")


def sr_row(j: Journey, sr_id: str):
    return j.driver.find_elements(By.CSS_SELECTOR, f'tr.hopper-item[data-sr-id="{sr_id}"]')


def without_search_box(source: str) -> str:
    """The page source minus the search box's own <input id="q" ...> tag (it echoes the query)."""
    stripped, count = re.subn(r'<input\b[^>]*\bid="q"[^>]*>', "", source)
    assert count == 1, f"expected one search box in the page source, found {count}"
    return stripped


# ---------------------------------------------------------------------- the journey


def test_sensitive_contact_routed_assigned_hidden_and_audited(
    journey: Journey, casework_server: CaseworkServer
) -> None:
    j = journey
    server = casework_server
    nadia = account(server, SCR_CASEWORKER, ["scrCaseworker"])
    robert = account(server, SCR_MANAGER, ["scrManager", "scrCaseworker"])
    tom = account(server, CASEWORKER, ["caseworker"])
    admin = account(server, ADMINISTRATOR, ["administrator"])

    # 1. The SCR caseworker finds the sensitive contact by NINO and opens it.
    sign_in_as(j, server, nadia, "scrCaseworker")
    search_contacts(j, SENSITIVE_NINO_SPACED, "scr-by-nino")
    results = j.by_id("contact-results")
    assert "restricted record" not in results.text.lower(), "SCR should see the record, not a restriction"
    links = results.find_elements(By.XPATH, f'.//tbody//tr//a[normalize-space()="{SENSITIVE_NAME}"]')
    assert links, f"#contact-results has no link to {SENSITIVE_NAME}: {results.text!r}"
    j.click_and_wait(links[0], "contact-as-scr")
    contact_path = j.path
    match = re.fullmatch(r"/contacts/([^/]+)", contact_path)
    assert match, f"expected /contacts/<id>, on {j.driver.current_url}"
    contact_id = match.group(1)
    assert j.text("contact-name") == SENSITIVE_NAME
    j.by_id("contact-sensitive")
    assert j.text("contact-nino") == SENSITIVE_NINO_SPACED

    # 2. She raises a service request, links the contact and sends it for assignment.
    j.visit("/service-requests/new", "new-sr")
    select_value(j, "type", "generalEnquiry")
    j.type_into("description", "Client asks for a call back about her maintenance payments.")
    j.click_and_wait(j.by_id("create-sr-button"), "sr-created")
    match = re.fullmatch(r"/service-requests/([^/]+)", j.path)
    assert match and match.group(1) != "new", f"expected /service-requests/<id>, on {j.driver.current_url}"
    sr_id = match.group(1)
    sr_path = j.path
    assert j.text("sr-status") == "Open"

    j.type_into("link-contactId", SENSITIVE_NINO)
    j.click_and_wait(j.by_id("link-button"), "sr-contact-linked")
    assert j.path == sr_path, f"linking should return to the service request, on {j.driver.current_url}"
    assert SENSITIVE_NAME in j.text("sr-contacts")

    select_value(j, "status", "pendingAssignment")
    j.click_and_wait(j.by_id("status-button"), "sr-pending-assignment")
    assert j.path == sr_path, f"updating status should return to the service request, on {j.driver.current_url}"
    assert j.text("sr-status") == "Pending Assignment"
    assert j.text("sr-segment") == "SCR"
    assert j.by_id("sr-segment").get_attribute("data-segment") == "scr"
    sr_reference = j.text("sr-reference")
    assert sr_reference, "the service request should show its reference"
    sign_out(j)

    # 3. The SCR manager assigns it from the SCR hopper.
    sign_in_as(j, server, robert, "scrManager")
    j.visit("/hoppers/scr", "scr-hopper")
    rows = sr_row(j, sr_id)
    assert rows, f"the SCR hopper should list {sr_reference} (id {sr_id})"
    assert rows[0].get_attribute("data-reference") == sr_reference
    # One "Assign to" choice for the page, then the row's own Assign button.
    select_value(j, "assignee", SCR_ASSIGNEE)
    j.click_and_wait(j.by_id(f"assign-{sr_id}"), "scr-hopper-after-assign")
    assert not sr_row(j, sr_id), f"{sr_reference} should leave the hopper once assigned"
    j.visit(sr_path, "sr-assigned")
    assert j.text("sr-status") == "Assigned"
    assert j.by_id("sr-assignee").get_attribute("data-staff-id") == SCR_ASSIGNEE
    assert j.text("sr-assignee") == f"{SCR_ASSIGNEE} - Owen Pritchard"
    sign_out(j)

    # 4. An ordinary caseworker sees only "restricted record", and may not open the contact.
    sign_in_as(j, server, tom, "caseworker")
    search_contacts(j, SENSITIVE_NINO, "caseworker-by-nino")
    results = j.by_id("contact-results")
    restricted = results.find_elements(By.CSS_SELECTOR, "tr.restricted")
    assert restricted, f"#contact-results should hold a tr.restricted row: {results.text!r}"
    assert "restricted record" in restricted[0].text
    for secret in (SENSITIVE_SURNAME, SENSITIVE_NINO, SENSITIVE_NINO_SPACED, SENSITIVE_SCIN):
        assert secret not in results.text, f"#contact-results shows {secret!r} to a caseworker"
    source = j.driver.page_source
    assert SENSITIVE_SURNAME not in source, "the results page source names the sensitive contact"
    rest = without_search_box(source)
    for secret in (SENSITIVE_NINO, SENSITIVE_NINO_SPACED, SENSITIVE_SCIN, contact_path):
        assert secret not in rest, f"the results page source holds {secret!r} outside the search box"

    j.visit(contact_path, "contact-as-caseworker")
    assert j.heading() == "You cannot do this"
    source = j.driver.page_source
    for secret in (SENSITIVE_SURNAME, SENSITIVE_NINO, SENSITIVE_NINO_SPACED, SENSITIVE_SCIN):
        assert secret not in source, f"the refusal page holds {secret!r}"
    sign_out(j)

    # 5. The administrator finds the views and the denials in the audit trail.
    sign_in_as(j, server, admin, "administrator")
    # limit=500: other journeys on this shared server may add events for the same contact.
    j.visit(f"/audit?subject={contact_id}&limit=500", "audit-contact")
    tables = j.driver.find_elements(By.CSS_SELECTOR, "table.audit-table")
    assert tables, f"no audit events for contact {contact_id} on {j.driver.current_url}"
    rows = tables[0].find_elements(By.CSS_SELECTOR, "tbody tr")
    cells = [[" ".join(td.text.split()) for td in row.find_elements(By.TAG_NAME, "td")] for row in rows]
    # Columns: #, When, Who, Role, Action, Subject, Outcome, Detail.
    actions = {c[4] for c in cells if len(c) >= 7}
    outcomes = {(c[2], c[4], c[6]) for c in cells if len(c) >= 7}
    for action in ("contact.view", "contact.search"):
        assert action in actions, f"no {action} event for contact {contact_id}; actions seen: {sorted(actions)}"
    assert any(o == "denied" for _, _, o in outcomes), f"no denied event for contact {contact_id}: {sorted(outcomes)}"
    assert (CASEWORKER, "contact.view", "denied") in outcomes, (
        f"Tom Baxter's refused view should be audited as denied: {sorted(outcomes)}"
    )
    assert (SCR_CASEWORKER, "contact.view", "success") in outcomes, (
        f"Nadia Petrova's view should be audited: {sorted(outcomes)}"
    )
    sign_out(j)
