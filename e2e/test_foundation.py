"""Foundation journeys: sign in, the status bar, each role's home, switching role, sign out."""

from __future__ import annotations

import json
import urllib.request

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By

from conftest import Account, CaseworkServer, Journey, acceptable_dates

ROLE_NAMES = {
    "caseworker": "Caseworker",
    "teamLeader": "Team leader",
    "scrManager": "SCR manager",
    "scrCaseworker": "SCR caseworker",
    "provisioning": "Provisioning (FLLS)",
    "cfat": "CFAT",
    "toolCaseWorker": "Case Worker",
    "toolSystemAdministrator": "System Administrator",
    "administrator": "Administrator",
}
SYSTEM_NAME = "Casework"
# The receipts and payments tool keeps its own name in the status bar, as in seed 004's screenshot.
TOOL_SYSTEM_NAME = "Transfer of Receipts to Future Scheme"
TOOL_ROLES = {"toolCaseWorker", "toolSystemAdministrator"}
WRONG_PASSWORD_MESSAGE = "Enter a correct staff ID and password"


# ---------------------------------------------------------------------- steps


def sign_in(j: Journey, account: Account, password: str) -> None:
    j.visit("/sign-in", "sign-in")
    j.type_into("staffId", account.staff_id)
    j.type_into("password", password)
    j.click_and_wait(j.by_id("sign-in-button"), "after-sign-in")


def choose_role(j: Journey, account: Account, role: str) -> None:
    assert j.path == "/choose-role", f"expected /choose-role, on {j.driver.current_url}"
    for r in account.roles:
        radio = j.by_id(f"role-{r}")
        assert radio.get_attribute("name") == "role", f"#role-{r} should have name=role"
        assert radio.get_attribute("value") == r, f"#role-{r} should have value={r}"
    radio = j.by_id(f"role-{role}")
    try:
        radio.click()
    except WebDriverException:
        # A styled radio may hide its input behind the label.
        j.driver.find_element(By.CSS_SELECTOR, f"label[for='role-{role}']").click()
    assert radio.is_selected(), f"could not select #role-{role}"
    j.shot(f"choose-{role}")
    j.click_and_wait(j.by_id("continue-button"), f"home-as-{role}")
    assert j.path == "/", f"choosing a role should land on /, on {j.driver.current_url}"


def check_signed_in_page(j: Journey, server: CaseworkServer, account: Account, role: str) -> None:
    assert j.path == "/", f"expected home (/), on {j.driver.current_url}"
    j.by_id("status-bar")
    status_bar = j.driver.find_element(By.ID, "status-bar")
    for part in ("status-user", "status-role", "status-system", "status-date"):
        assert status_bar.find_elements(By.ID, part), f"#{part} should be inside #status-bar"
    assert j.text("status-user") == f"{account.staff_id} - {account.name}"
    assert j.text("status-role") == ROLE_NAMES[role]
    assert j.text("status-system") == (TOOL_SYSTEM_NAME if role in TOOL_ROLES else SYSTEM_NAME)
    shown = j.text("status-date")
    allowed = acceptable_dates(server)
    assert shown in allowed, f"#status-date shows {shown!r}, expected one of {sorted(allowed)}"
    assert j.heading() == f"{ROLE_NAMES[role]} home"


def sign_out(j: Journey) -> None:
    j.click_and_wait(j.by_id("sign-out-button"), "after-sign-out")
    j.visit("/", "home-after-sign-out")
    assert j.path == "/sign-in", f"/ should redirect to /sign-in once signed out, on {j.driver.current_url}"


def account_for(server: CaseworkServer, role: str) -> Account:
    single = [a for a in server.accounts if a.roles == [role]]
    if single:
        return single[0]
    several = [a for a in server.accounts if role in a.roles]
    if several:
        return several[0]
    listed = ", ".join(f"{a.staff_id}:{'/'.join(a.roles)}" for a in server.accounts)
    pytest.fail(f"no demo account holds role {role!r} (accounts: {listed})")


# ---------------------------------------------------------------------- journeys


def test_health_answers_ok(casework_server: CaseworkServer) -> None:
    with urllib.request.urlopen(casework_server.url("/health"), timeout=10) as resp:
        assert resp.status == 200
        assert json.loads(resp.read()) == {"status": "ok"}


def test_demo_accounts_cover_every_role(casework_server: CaseworkServer) -> None:
    held = {r for a in casework_server.accounts for r in a.roles}
    assert set(ROLE_NAMES) <= held, f"no demo account holds: {sorted(set(ROLE_NAMES) - held)}"
    assert any(len(a.roles) >= 2 for a in casework_server.accounts), "no demo account holds two roles"


@pytest.mark.parametrize("role", list(ROLE_NAMES))
def test_sign_in_as_role(
    journey: Journey, casework_server: CaseworkServer, role: str
) -> None:
    account = account_for(casework_server, role)
    sign_in(journey, account, casework_server.password)
    if len(account.roles) > 1:
        choose_role(journey, account, role)
    check_signed_in_page(journey, casework_server, account, role)
    sign_out(journey)


def test_wrong_password_shows_error_and_keeps_staff_id(
    journey: Journey, casework_server: CaseworkServer
) -> None:
    account = casework_server.accounts[0]
    sign_in(journey, account, casework_server.password + "-wrong")
    summaries = journey.driver.find_elements(By.CSS_SELECTOR, ".govuk-error-summary")
    assert summaries, f"no .govuk-error-summary on {journey.driver.current_url}"
    assert WRONG_PASSWORD_MESSAGE in summaries[0].text
    assert journey.by_id("staffId").get_attribute("value") == account.staff_id
    assert not journey.driver.find_elements(By.ID, "status-bar"), "a failed sign-in must not sign in"
    journey.visit("/", "home-after-wrong-password")
    assert journey.path == "/sign-in", "a failed sign-in must not sign in"


def test_person_with_several_roles_switches_role(
    journey: Journey, casework_server: CaseworkServer
) -> None:
    several = [a for a in casework_server.accounts if len([r for r in a.roles if r in ROLE_NAMES]) >= 2]
    assert several, "no demo account holds two or more roles"
    account = several[0]
    first, second = [r for r in account.roles if r in ROLE_NAMES][:2]

    sign_in(journey, account, casework_server.password)
    choose_role(journey, account, first)
    check_signed_in_page(journey, casework_server, account, first)

    journey.click_and_wait(journey.by_id("switch-role"), "switch-role")
    choose_role(journey, account, second)
    check_signed_in_page(journey, casework_server, account, second)
    assert journey.text("status-role") != ROLE_NAMES[first]
    sign_out(journey)
