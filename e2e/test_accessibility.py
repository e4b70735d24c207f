"""Accessibility: every page template checked by axe-core, a keyboard-only CSUA150 and decision, and the pages at
320 px wide and at 200% zoom.

Every page a journey reaches is checked by axe-core (WCAG 2.2 AA tags) in conftest's `Journey.shot`; a journey
fails when any page had a violation. The first test here reaches each page template at least once, including
forms shown with their errors, so a template no other journey visits is still checked.
"""

from __future__ import annotations

import re

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import OUTPUT_DIR, CaseworkServer, Journey
from test_foundation import sign_out
from test_records import SENSITIVE_NINO, account, search_contacts, select_value, sign_in_as
from test_temporary_access import raise_enquiry_and_open_access_form

CASEWORKER = "20010002"  # Tom Baxter
TEAM_LEADER = "20010001"  # Sarah Whitfield, caseworker and team leader
SCR_MANAGER = "30000002"  # Robert Ainsworth
ADMINISTRATOR = "90000001"  # Alex Morgan
TOOL_ADMIN = "35220900"  # Paul Cox, toolCaseWorker and toolSystemAdministrator


def first_link(j: Journey, container_id: str, label: str) -> None:
    links = j.by_id(container_id).find_elements(By.CSS_SELECTOR, "a[href]")
    assert links, f"#{container_id} has no links on {j.driver.current_url}"
    j.click_and_wait(links[0], label)


def submit_empty(j: Journey, button_id: str, label: str) -> None:
    """Submit the form as it is, and expect the error summary (which axe then checks too)."""
    j.click_and_wait(j.by_id(button_id), label)
    assert j.driver.find_elements(By.CSS_SELECTOR, ".govuk-error-summary"), f"{label}: no error summary on {j.driver.current_url}"


def test_every_page_template_passes_axe(journey: Journey, casework_server: CaseworkServer) -> None:
    j = journey
    server = casework_server
    tom = account(server, CASEWORKER, ["caseworker"])

    # Signed out: the sign-in page, then its refusal.
    j.visit("/sign-in", "sign-in")
    j.type_into("staffId", CASEWORKER)
    j.type_into("password", "not the password")
    j.click_and_wait(j.by_id("sign-in-button"), "sign-in-refused")

    # A caseworker's pages: home, records, service requests, the CSUA150 form and its errors.
    sign_in_as(j, server, tom, "caseworker")
    search_contacts(j, "Smith", "search")
    j.visit("/contacts/new", "contact-form")
    submit_empty(j, "save-contact", "contact-form-errors")
    j.visit("/service-requests", "service-requests")
    j.visit("/service-requests/new", "service-request-form")
    select_value(j, "type", "generalEnquiry")
    j.type_into("description", "Caller asks about a payment")
    j.click_and_wait(j.by_id("create-sr-button"), "service-request")
    j.visit("/cases/new", "case-form")
    submit_empty(j, "create-case", "case-form-errors")
    j.type_into("receivingParent", "CE246810B")  # Anita Patel
    j.type_into("payingParent", "LM135790D")  # Gary Morris
    j.click_and_wait(j.by_id("create-case"), "case")
    assert re.fullmatch(r"/cases/[^/]+", j.path) and j.path != "/cases/new", f"expected the new case, on {j.driver.current_url}"
    j.visit("/access-requests", "access-requests")
    j.visit("/access-requests/new", "access-request-form")
    submit_empty(j, "submit-request", "access-request-form-errors")
    j.visit("/staff", "staff-search")
    j.visit(f"/staff/{CASEWORKER}", "staff-view")
    j.visit("/notifications", "notifications")
    j.visit("/account/password", "change-password")
    submit_empty(j, "change-password-button", "change-password-errors")
    j.visit("/contacts/00000000-0000-0000-0000-000000000000", "error-page")
    assert "Page not found" in j.heading()
    # His team's hopper, from his home page.
    j.visit("/", "home")
    hoppers = j.driver.find_elements(By.CSS_SELECTOR, "a[href^='/hoppers/']")
    assert hoppers, "a caseworker's home links to their team's hopper"
    j.click_and_wait(hoppers[0], "hopper")
    sign_out(j)

    # An SCR manager: a sensitive contact and its cases, monitoring, the audit trail.
    robert = account(server, SCR_MANAGER, ["scrManager", "scrCaseworker"])
    sign_in_as(j, server, robert, "scrManager")
    j.visit("/", "home-scr-manager")
    j.visit("/monitoring", "monitoring")
    j.visit("/audit", "audit")
    j.visit("/hoppers/scr", "scr-hopper")
    j.visit("/choose-role", "choose-role")
    sign_out(j)
    nadia = account(server, "30000003", ["scrCaseworker"])
    sign_in_as(j, server, nadia, "scrCaseworker")
    search_contacts(j, SENSITIVE_NINO, "sensitive")
    first_link(j, "contact-results", "contact")
    sign_out(j)

    # An administrator: the staff form, the outbox.
    alex = account(server, ADMINISTRATOR, ["administrator"])
    sign_in_as(j, server, alex, "administrator")
    j.visit(f"/staff/{CASEWORKER}/edit", "staff-form")
    j.visit("/outbox", "outbox")
    sign_out(j)

    # The receipts and payments tool: users, a user's grant and profile, cases, a case, reports.
    paul = account(server, TOOL_ADMIN, ["toolCaseWorker", "toolSystemAdministrator"])
    sign_in_as(j, server, paul, "toolSystemAdministrator")
    j.visit("/tool/users", "tool-users")
    j.visit("/tool/users/new", "tool-user-new")
    j.visit(f"/tool/users/{TOOL_ADMIN}/grant", "tool-grant")
    j.visit(f"/tool/users/{TOOL_ADMIN}/profiles/toolCaseWorker", "tool-user-edit")
    j.visit("/tool/cases", "tool-cases")
    j.visit("/tool/cases/new", "tool-case-new")
    j.visit("/tool/reports", "tool-reports")
    sign_out(j)

    assert j.pages_checked >= 30, f"axe checked only {j.pages_checked} pages"


# ---------------------------------------------------------------------- the keyboard


def focused_id(j: Journey) -> str:
    return j.driver.execute_script("return document.activeElement ? (document.activeElement.id || '') : ''")


def tab_to(j: Journey, element_id: str, limit: int = 120) -> None:
    """Press Tab until the element has the focus, and check that the focus can be seen on it."""
    for _ in range(limit):
        if focused_id(j) == element_id:
            visible = j.driver.execute_script(
                "const s = getComputedStyle(document.activeElement);"
                " return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'"
                " || s.backgroundColor === 'rgb(255, 221, 0)';"
            )
            assert visible, f"#{element_id} has the focus but shows no focus indicator"
            return
        ActionChains(j.driver).send_keys(Keys.TAB).perform()
    raise AssertionError(f"Tab never reached #{element_id} on {j.driver.current_url} (stuck at #{focused_id(j)})")


def type_keys(j: Journey, text: str) -> None:
    ActionChains(j.driver).send_keys(text).perform()


def press(j: Journey, key: str, label: str) -> None:
    """Press a key that loads a new page, and wait for it."""
    j.driver.execute_script("window.__caseworkOldPage = true;")
    ActionChains(j.driver).send_keys(key).perform()
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(j.driver, 20, poll_frequency=0.1).until(
        lambda d: d.execute_script("return window.__caseworkOldPage !== true && document.readyState === 'complete';"),
        message=f"no new page after pressing a key for {label!r}",
    )
    j.shot(label)


def test_keyboard_only_csua150_and_decision(journey: Journey, casework_server: CaseworkServer) -> None:
    j = journey
    server = casework_server
    tom = account(server, CASEWORKER, ["caseworker"])
    sign_in_as(j, server, tom, "caseworker")
    sr_reference = raise_enquiry_and_open_access_form(j)

    # From here on, only the keyboard: Tab between fields, Space for a radio, Enter to send.
    j.driver.find_element(By.TAG_NAME, "body").click()  # start from the top of the page, as a fresh load would
    j.driver.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);")
    tab_to(j, "purpose-viewContact")
    ActionChains(j.driver).send_keys(Keys.SPACE).perform()
    assert j.by_id("purpose-viewContact").is_selected(), "Space should choose the focused radio"
    tab_to(j, "serviceRequestId")
    type_keys(j, sr_reference)
    tab_to(j, "nino")
    type_keys(j, SENSITIVE_NINO)
    tab_to(j, "justification")
    type_keys(j, "Keyboard-only request: the client asked for a call back about her payments.")
    tab_to(j, "submit-request")
    press(j, Keys.ENTER, "keyboard-request-sent")
    match = re.fullmatch(r"/access-requests/([^/]+)", j.path)
    assert match and match.group(1) != "new", f"Enter should send the form, on {j.driver.current_url}"
    request_path = j.path
    assert j.by_id("request-status").get_attribute("data-status") == "awaitingTeamLeader"
    sign_out(j)

    # The team leader approves, by keyboard alone.
    sarah = account(server, TEAM_LEADER, ["caseworker", "teamLeader"])
    sign_in_as(j, server, sarah, "teamLeader")
    j.visit(request_path, "keyboard-request-as-team-leader")
    tab_to(j, "decision-approve")
    ActionChains(j.driver).send_keys(Keys.SPACE).perform()
    assert j.by_id("decision-approve").is_selected(), "Space should choose Approve"
    tab_to(j, "decide-button")
    press(j, Keys.SPACE, "keyboard-decided")
    assert j.path == request_path
    assert j.by_id("request-status").get_attribute("data-status") == "awaitingScrManager"
    sign_out(j)


# ---------------------------------------------------------------------- narrow screens and zoom


def overflow(j: Journey) -> int:
    """How many CSS pixels the page is wider than the window (0 when nothing makes it scroll sideways)."""
    return j.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth;")


def test_pages_reflow_at_320_pixels_and_200_percent_zoom(journey: Journey, casework_server: CaseworkServer) -> None:
    j = journey
    server = casework_server
    out = OUTPUT_DIR.parent / "reflow"
    out.mkdir(parents=True, exist_ok=True)
    pages = {
        "caseworker": (account(server, CASEWORKER, ["caseworker"]), "caseworker", ["/access-requests/new", "/service-requests"]),
        "team-leader": (account(server, TEAM_LEADER, ["caseworker", "teamLeader"]), "teamLeader", ["/", "/access-requests"]),
        "scr-manager": (account(server, SCR_MANAGER, ["scrManager", "scrCaseworker"]), "scrManager", ["/hoppers/scr", "/monitoring"]),
        "tool": (account(server, TOOL_ADMIN, ["toolCaseWorker", "toolSystemAdministrator"]), "toolCaseWorker", ["/tool/cases", "/tool/reports"]),
    }
    for who, (acct, role, paths) in pages.items():
        j.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        j.driver.set_window_size(1280, 900)
        sign_in_as(j, server, acct, role)
        for path in paths:
            slug = re.sub(r"[^a-z0-9]+", "-", path).strip("-") or "home"
            # 320 CSS pixels wide: WCAG 1.4.10's reflow width (1280 px at 400%).
            j.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                     {"width": 320, "height": 800, "deviceScaleFactor": 1, "mobile": False})
            j.visit(path, f"{who}-{slug}-320px")
            assert overflow(j) <= 0, f"{path} is {overflow(j)} px wider than a 320 px window: it should reflow"
            j.driver.save_screenshot(str(out / f"{who}-{slug}-320px.png"))
            # 200% zoom on a 1280 px screen: 640 CSS pixels, each drawn twice the size.
            j.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                     {"width": 640, "height": 900, "deviceScaleFactor": 2, "mobile": False})
            j.visit(path, f"{who}-{slug}-200pc")
            assert overflow(j) <= 0, f"{path} at 200% zoom is {overflow(j)} px wider than the window"
            j.driver.save_screenshot(str(out / f"{who}-{slug}-200pc.png"))
        j.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        sign_out(j)
