"""Signing in with the organisation's identity provider (OpenID Connect), against a real provider: oidc-provider-mock.

The mock runs from e2e/.venv-oidc (Python >= 3.12; scripts/lib/deps.sh's ensure_oidc_venv makes it) as a subprocess on
a free 127.0.0.1 port, with --require-registration (so the client ID, its secret, client_secret_basic and the
redirect URI are all really checked) and --require-nonce. This module starts its own `casework serve` on a scratch
CASEWORK_DATA_DIR with the demo seed and CASEWORK_OIDC_* pointing at the mock; password sign-in is then off by default.

The mock takes its issuer from the Host header of each request, so everything here (Casework's settings, the browser,
requests) uses http://127.0.0.1:PORT, never localhost. It does not check PKCE: it accepts any code_verifier, so the
journeys can only check that Casework sends an S256 challenge. Chromium here resolves no host but 127.0.0.1: the
mock's pages link a stylesheet on a CDN, which must not be fetched.

Journeys (headless Chromium, screenshots through conftest's Journey): a caseworker signs in through the mock's form
and lands on home; an unknown staff ID is refused with its reason; a person with two roles is sent to choose one.
Without a browser: the callback link cannot be used by another browser or twice, and POST /api/v1/auth/tokens takes
an ID token (and refuses one tampered with, or one made for another client).
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.common.by import By

from conftest import OUTPUT_DIR, REPO_ROOT, Account, CaseworkServer, Journey, _free_port, _tail
from resilience_support import PASSWORD, Server, base_env, scratch_dir, seed_demo
from test_foundation import check_signed_in_page, choose_role

MOCK_PYTHON = REPO_ROOT / "e2e" / ".venv-oidc" / "bin" / "python"
MOCK_START_S = 30
HTTP_TIMEOUT_S = 15
TOM = "20010002"  # Tom Baxter, caseworker
SARAH = "20010001"  # Sarah Whitfield, caseworker and teamLeader
UNKNOWN_STAFF_ID = "99999999"


# ---------------------------------------------------------------------- the identity provider


@dataclass
class MockProvider:
    issuer: str
    process: subprocess.Popen = field(repr=False)
    log_path: Path = field(repr=False)
    http: requests.Session = field(repr=False)

    def set_user(self, sub: str, claims: dict) -> None:
        """PUT /users/{sub}: the claims its ID tokens carry for that subject (any claim, as given)."""
        answer = self.http.put(f"{self.issuer}/users/{urllib.parse.quote(sub, safe='')}", json=claims, timeout=HTTP_TIMEOUT_S)
        assert answer.status_code == 204, f"PUT /users/{sub}: {answer.status_code} {answer.text[:300]}"

    def register_client(self, redirect_uri: str) -> tuple[str, str]:
        """RFC 7591 registration; with --require-registration only registered clients may sign in. Returns (id, secret)."""
        answer = self.http.post(f"{self.issuer}/oauth2/clients", timeout=HTTP_TIMEOUT_S, json={
            "redirect_uris": [redirect_uri], "token_endpoint_auth_method": "client_secret_basic"})
        assert answer.status_code == 201, f"POST /oauth2/clients: {answer.status_code} {answer.text[:300]}"
        body = answer.json()
        return body["client_id"], body["client_secret"]

    def id_token(self, client_id: str, client_secret: str, redirect_uri: str, sub: str) -> str:
        """An ID token for `sub`, got as a relying party would but without a browser: the authorization form is
        POSTed directly, then the code is exchanged (client_secret_basic)."""
        params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
                  "scope": "openid profile email", "state": "api-test", "nonce": "api-test-nonce"}
        authorized = self.http.post(f"{self.issuer}/oauth2/authorize", params=params, data={"sub": sub},
                                    allow_redirects=False, timeout=HTTP_TIMEOUT_S)
        assert authorized.status_code == 302, f"authorize: {authorized.status_code} {authorized.text[:300]}"
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(authorized.headers["Location"]).query)
        assert "code" in query, f"authorize redirected without a code: {authorized.headers['Location']}"
        token = self.http.post(f"{self.issuer}/oauth2/token", auth=(client_id, client_secret), timeout=HTTP_TIMEOUT_S,
                               data={"grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": redirect_uri})
        assert token.status_code == 200, f"token: {token.status_code} {token.text[:300]}"
        return token.json()["id_token"]


def _wait_for_mock(issuer: str, process: subprocess.Popen, log_path: Path, http: requests.Session) -> None:
    deadline = time.monotonic() + MOCK_START_S
    last = "no answer yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"oidc-provider-mock exited with {process.returncode}; log tail:\n{_tail(log_path)}")
        try:
            answer = http.get(issuer + "/.well-known/openid-configuration", timeout=2)
            if answer.status_code == 200:
                discovered = answer.json()["issuer"]
                assert discovered == issuer, f"the mock names its issuer {discovered!r}, expected {issuer!r}"
                return
            last = f"status {answer.status_code}"
        except requests.RequestException as exc:
            last = str(exc)
        time.sleep(0.2)
    raise AssertionError(f"oidc-provider-mock did not answer within {MOCK_START_S}s ({last}); log tail:\n{_tail(log_path)}")


@pytest.fixture(scope="module")
def mock_provider() -> MockProvider:
    if not os.access(MOCK_PYTHON, os.X_OK):
        pytest.fail(f"{MOCK_PYTHON} is missing: run scripts/test (or, in bash, "
                    "`CASEWORK_ROOT=$PWD; source scripts/lib/deps.sh; ensure_oidc_venv`) to make e2e/.venv-oidc")
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    log_path = OUTPUT_DIR / "oidc-mock.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTHLIB_", "FLASK_"))}
    env["NO_COLOR"] = "1"
    http = requests.Session()
    http.trust_env = False  # never a proxy: everything here is on 127.0.0.1
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(MOCK_PYTHON), "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port),
             "--require-registration", "--require-nonce"],
            cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_mock(issuer, process, log_path, http)
        yield MockProvider(issuer=issuer, process=process, log_path=log_path, http=http)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        http.close()


# ---------------------------------------------------------------------- Casework, signed in through the mock


@dataclass
class OIDCCasework:
    server: CaseworkServer
    client_id: str
    client_secret: str
    redirect_uri: str
    http: requests.Session = field(repr=False)

    @property
    def base(self) -> str:
        return self.server.base_url

    def account(self, staff_id: str) -> Account:
        found = [a for a in self.server.accounts if a.staff_id == staff_id]
        assert found, f"the demo seed has no staff ID {staff_id}"
        return found[0]


@pytest.fixture(scope="module")
def casework(mock_provider: MockProvider) -> OIDCCasework:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    redirect_uri = f"{base}/auth/oidc/callback"
    client_id, client_secret = mock_provider.register_client(redirect_uri)
    data_dir = scratch_dir("casework-oidc-")
    env = base_env(data_dir, CASEWORK_OIDC_ISSUER=mock_provider.issuer, CASEWORK_OIDC_CLIENT_ID=client_id,
                   CASEWORK_OIDC_CLIENT_SECRET=client_secret, CASEWORK_PUBLIC_URL=base)
    for name in ("CASEWORK_PASSWORD_SIGN_IN", "CASEWORK_OIDC_STAFF_ID_CLAIM", "CASEWORK_TEST_CLOCK"):
        env.pop(name, None)  # the defaults are what is tested: password sign-in off, claim `staff_id`
    server = Server("oidc-sign-in-server", env, port)
    http = requests.Session()
    http.trust_env = False
    try:
        accounts = seed_demo(env)
        server.start()
        yield OIDCCasework(
            server=CaseworkServer(base_url=base, password=PASSWORD, accounts=accounts, data_dir=data_dir,
                                  log_path=server.log_path, process=server.process),
            client_id=client_id, client_secret=client_secret, redirect_uri=redirect_uri, http=http)
    finally:
        server.stop()
        http.close()
        shutil.rmtree(data_dir, ignore_errors=True)


# ---------------------------------------------------------------------- the browser


def _loopback_only_driver() -> webdriver.Chrome:
    """conftest's headless Chromium, resolving no host name at all (the mock's pages link a CDN stylesheet)."""
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CASEWORK_CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
                "--lang=en-GB", "--no-first-run", "--disable-extensions",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"credentials_enable_service": False,
                                              "profile.password_manager_enabled": False,
                                              "profile.password_manager_leak_detection": False})
    service = ChromeService(executable_path=os.environ.get("CASEWORK_CHROMEDRIVER", "/usr/bin/chromedriver"),
                            log_output=str(OUTPUT_DIR / "chromedriver-oidc.log"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    return driver


@pytest.fixture
def journey(request: pytest.FixtureRequest, casework: OIDCCasework) -> Journey:
    driver = _loopback_only_driver()
    try:
        j = Journey(driver, casework.server, request.node.name)
        yield j
        report = getattr(request.node, "rep_call", None)
        if report is None or report.failed:
            j.save_failure()
            (OUTPUT_DIR / f"{j.name}-FAILED-server.log").write_text(_tail(casework.server.log_path, 200))
    finally:
        driver.quit()


def navigation_status(j: Journey) -> int | None:
    """The HTTP status of the page shown, after any redirects (Navigation Timing's responseStatus, Chromium 109 on)."""
    return j.driver.execute_script(
        "const n = performance.getEntriesByType('navigation')[0]; return n ? n.responseStatus : null;")


def open_sign_in_page(j: Journey) -> None:
    j.visit("/sign-in", "sign-in")
    assert j.path == "/sign-in", f"expected the sign-in page, on {j.driver.current_url}"
    assert not j.driver.find_elements(By.CSS_SELECTOR, "input[type=password]"), \
        "with an identity provider set (and CASEWORK_PASSWORD_SIGN_IN unset) the sign-in page should have no password field"
    assert not j.driver.find_elements(By.ID, "staffId"), "no staff ID field either when password sign-in is off"
    button = j.by_id("organisation-sign-in")
    assert "Sign in with your organisation account" in " ".join(button.text.split())


def sign_in_through_provider(j: Journey, mock: MockProvider, casework: OIDCCasework, sub: str) -> None:
    """From the sign-in page: the organisation button, the mock's authorization form as `sub`, back to Casework."""
    open_sign_in_page(j)
    j.click_and_wait(j.by_id("organisation-sign-in"), "provider-form")
    here = urllib.parse.urlsplit(j.driver.current_url)
    assert f"{here.scheme}://{here.netloc}{here.path}" == f"{mock.issuer}/oauth2/authorize", \
        f"the organisation button should lead to the provider's authorization endpoint, on {j.driver.current_url}"
    query = dict(urllib.parse.parse_qsl(here.query))
    assert query.get("response_type") == "code", query
    assert query.get("client_id") == casework.client_id, query
    assert query.get("redirect_uri") == casework.redirect_uri, query
    assert "openid" in query.get("scope", "").split(), query
    assert query.get("state") and query.get("nonce"), f"state and nonce must be sent: {query}"
    assert query.get("code_challenge_method") == "S256", query
    challenge = query.get("code_challenge", "")
    assert len(challenge) == 43 and "=" not in challenge, f"an S256 challenge is 43 base64url characters: {challenge!r}"
    base64.urlsafe_b64decode(challenge + "=")  # base64url, or this raises
    j.type_into("subject-input", sub)
    j.click_and_wait(j.driver.find_element(By.CSS_SELECTOR, "#subject-input ~ button[type=submit]"), "back-at-casework")


def assert_not_signed_in(j: Journey) -> None:
    assert not j.driver.find_elements(By.ID, "status-bar"), "a refused sign-in must not sign in"
    j.visit("/", "home-after-refusal")
    assert j.path == "/sign-in", f"/ should send someone not signed in to /sign-in, on {j.driver.current_url}"


# ---------------------------------------------------------------------- journeys


def test_caseworker_signs_in_with_organisation_account(
    journey: Journey, mock_provider: MockProvider, casework: OIDCCasework
) -> None:
    tom = casework.account(TOM)
    mock_provider.set_user("tom.baxter@example.gov.uk",
                           {"staff_id": TOM, "name": "Tom Baxter", "email": "tom.baxter@example.gov.uk"})
    sign_in_through_provider(journey, mock_provider, casework, "tom.baxter@example.gov.uk")
    check_signed_in_page(journey, casework.server, tom, "caseworker")
    assert journey.text("status-user") == f"{TOM} - Tom Baxter"
    journey.click_and_wait(journey.by_id("sign-out-button"), "after-sign-out")
    journey.visit("/", "home-after-sign-out")
    assert journey.path == "/sign-in", f"/ should redirect to /sign-in once signed out, on {journey.driver.current_url}"


def test_unknown_staff_id_is_refused_with_the_reason(
    journey: Journey, mock_provider: MockProvider, casework: OIDCCasework
) -> None:
    mock_provider.set_user("stranger@example.org", {"staff_id": UNKNOWN_STAFF_ID, "name": "A Stranger"})
    sign_in_through_provider(journey, mock_provider, casework, "stranger@example.org")
    assert journey.path == "/auth/oidc/callback", f"the refusal is shown at the callback, on {journey.driver.current_url}"
    status = navigation_status(journey)
    assert status == 401, f"a refused sign-in should answer 401, got {status}"
    reason = journey.text("sign-in-refused")
    assert UNKNOWN_STAFF_ID in reason and "no member of staff" in reason, f"#sign-in-refused says: {reason!r}"
    journey.by_id("organisation-sign-in")  # the way to try again is still there
    assert_not_signed_in(journey)


def test_person_with_several_roles_is_asked_to_choose(
    journey: Journey, mock_provider: MockProvider, casework: OIDCCasework
) -> None:
    sarah = casework.account(SARAH)
    assert {"caseworker", "teamLeader"} <= set(sarah.roles), sarah
    mock_provider.set_user("sarah.whitfield@example.gov.uk", {"staff_id": SARAH, "name": "Sarah Whitfield"})
    sign_in_through_provider(journey, mock_provider, casework, "sarah.whitfield@example.gov.uk")
    assert journey.path == "/choose-role", f"two roles: expected /choose-role, on {journey.driver.current_url}"
    choose_role(journey, sarah, "teamLeader")
    check_signed_in_page(journey, casework.server, sarah, "teamLeader")


# ---------------------------------------------------------------------- without a browser


def _authorize_without_browser(casework: OIDCCasework, mock: MockProvider, browser: requests.Session, sub: str) -> str:
    """GET /auth/oidc/start in `browser` (which keeps Casework's state cookie), then the mock's form as `sub`;
    returns the callback URL the provider sends the browser back to."""
    started = browser.get(casework.base + "/auth/oidc/start", allow_redirects=False, timeout=HTTP_TIMEOUT_S)
    assert started.status_code in (302, 303), f"/auth/oidc/start: {started.status_code} {started.text[:300]}"
    authorized = browser.post(started.headers["Location"], data={"sub": sub}, allow_redirects=False, timeout=HTTP_TIMEOUT_S)
    assert authorized.status_code == 302, f"the mock's form: {authorized.status_code} {authorized.text[:300]}"
    callback = authorized.headers["Location"]
    assert callback.startswith(casework.redirect_uri + "?"), callback
    return callback


def test_callback_link_works_once_and_only_in_the_browser_that_started(
    mock_provider: MockProvider, casework: OIDCCasework
) -> None:
    mock_provider.set_user("tom.baxter@example.gov.uk", {"staff_id": TOM, "name": "Tom Baxter"})
    with requests.Session() as browser, requests.Session() as other:
        browser.trust_env = other.trust_env = False
        callback = _authorize_without_browser(casework, mock_provider, browser, "tom.baxter@example.gov.uk")

        elsewhere = other.get(callback, allow_redirects=False, timeout=HTTP_TIMEOUT_S)
        assert elsewhere.status_code == 401, f"another browser's callback: {elsewhere.status_code} {elsewhere.text[:300]}"
        assert 'id="sign-in-refused"' in elsewhere.text and "not started here" in elsewhere.text, elsewhere.text[:2000]

        done = browser.get(callback, allow_redirects=False, timeout=HTTP_TIMEOUT_S)
        assert done.status_code in (302, 303) and done.headers["Location"] == "/", \
            f"the callback should sign Tom in and send him to /: {done.status_code} {done.headers.get('Location')} {done.text[:300]}"

        again = browser.get(callback, allow_redirects=False, timeout=HTTP_TIMEOUT_S)
        assert again.status_code == 401, f"the same callback twice: {again.status_code} {again.text[:300]}"
        assert 'id="sign-in-refused"' in again.text, again.text[:2000]


def test_api_token_from_an_id_token(mock_provider: MockProvider, casework: OIDCCasework) -> None:
    http = casework.http
    tokens = casework.base + "/api/v1/auth/tokens"
    mock_provider.set_user("tom.baxter@example.gov.uk", {"staff_id": TOM, "name": "Tom Baxter"})
    mock_provider.set_user("sarah.whitfield@example.gov.uk", {"staff_id": SARAH, "name": "Sarah Whitfield"})
    tom_id_token = mock_provider.id_token(casework.client_id, casework.client_secret, casework.redirect_uri,
                                          "tom.baxter@example.gov.uk")

    made = http.post(tokens, json={"idToken": tom_id_token, "role": "caseworker"}, timeout=HTTP_TIMEOUT_S)
    assert made.status_code == 201, f"POST /api/v1/auth/tokens with an idToken: {made.status_code} {made.text[:500]}"
    body = made.json()
    assert (body["staffId"], body["role"], body["name"]) == (TOM, "caseworker", "Tom Baxter"), body
    current = http.get(tokens + "/current", headers={"Authorization": f"Bearer {body['token']}"}, timeout=HTTP_TIMEOUT_S)
    assert current.status_code == 200 and current.json()["staffId"] == TOM, f"{current.status_code} {current.text[:300]}"

    sarah_id_token = mock_provider.id_token(casework.client_id, casework.client_secret, casework.redirect_uri,
                                            "sarah.whitfield@example.gov.uk")
    made = http.post(tokens, json={"idToken": sarah_id_token, "role": "teamLeader"}, timeout=HTTP_TIMEOUT_S)
    assert made.status_code == 201, f"{made.status_code} {made.text[:500]}"
    assert (made.json()["staffId"], made.json()["role"]) == (SARAH, "teamLeader"), made.json()

    # One character of the signature changed: refused.
    head, payload, signature = tom_id_token.split(".")
    flipped = ("A" if signature[10] != "A" else "B")
    tampered = ".".join([head, payload, signature[:10] + flipped + signature[11:]])
    refused = http.post(tokens, json={"idToken": tampered, "role": "caseworker"}, timeout=HTTP_TIMEOUT_S)
    assert refused.status_code == 401, f"a tampered ID token: {refused.status_code} {refused.text[:500]}"
    assert "signature" in refused.text, refused.text[:500]

    # A token the same provider made for another client is not for Casework.
    other_redirect = "http://127.0.0.1:9/elsewhere/callback"
    other_id, other_secret = mock_provider.register_client(other_redirect)
    foreign = mock_provider.id_token(other_id, other_secret, other_redirect, "tom.baxter@example.gov.uk")
    refused = http.post(tokens, json={"idToken": foreign, "role": "caseworker"}, timeout=HTTP_TIMEOUT_S)
    assert refused.status_code == 401, f"an ID token for another client: {refused.status_code} {refused.text[:500]}"
    assert other_id in refused.text, refused.text[:500]

    # Password sign-in is off when a provider is set (CASEWORK_PASSWORD_SIGN_IN unset).
    password = http.post(tokens, json={"staffId": TOM, "password": PASSWORD}, timeout=HTTP_TIMEOUT_S)
    assert password.status_code == 403, f"password sign-in should be off: {password.status_code} {password.text[:300]}"
