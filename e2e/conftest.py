"""Fixtures for the Casework browser journeys.

Session scope: a scratch CASEWORK_DATA_DIR, `casework seed --demo --json`, then
`casework serve` on a free 127.0.0.1 port, waited for on GET /health.
Function scope: a fresh headless Chromium per journey, wrapped in `Journey`, which
screenshots every page it visits to test-output/e2e/<test>-<NN>-<step>.png and, when the
journey fails, saves the page source and a last screenshot next to them.

Environment:
  CASEWORK_BIN            the casework binary (default .build/debug/casework, relative to
                          the repository root)
  CASEWORK_DEMO_PASSWORD  the demo accounts' password (default Casework-Demo-2026)
  CASEWORK_CHROMIUM       browser binary (default /usr/bin/chromium)
  CASEWORK_CHROMEDRIVER   driver binary (default /usr/bin/chromedriver)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from axe_selenium_python import Axe
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT_DIR = REPO_ROOT / "test-output" / "e2e"
DEFAULT_DEMO_PASSWORD = "Casework-Demo-2026"
HEALTH_TIMEOUT_S = 60
SEED_TIMEOUT_S = 300
WAIT_S = 20
# WCAG 2.2 AA, as the public sector accessibility regulations require: every page a journey reaches is checked.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = json.dumps({"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
# The page templates axe has checked in this run (each page names its template on <body data-template>). With
# CASEWORK_AXE_EVERY_TEMPLATE=1 (scripts/test sets it for the whole suite) the run fails unless every template in
# Resources/Views was checked at least once.
TEMPLATES_CHECKED: set[str] = set()
VIEWS_DIR = REPO_ROOT / "Resources" / "Views"


# ---------------------------------------------------------------------- the server


@dataclass
class Account:
    staff_id: str
    name: str
    roles: list[str]
    team: str | None = None
    team_leader_staff_id: str | None = None


@dataclass
class CaseworkServer:
    base_url: str
    password: str
    accounts: list[Account]
    data_dir: Path
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    def url(self, path: str) -> str:
        return self.base_url + path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _binary() -> Path:
    raw = os.environ.get("CASEWORK_BIN") or ".build/debug/casework"
    path = Path(raw)
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _parse_accounts(stdout: str) -> list[Account]:
    try:
        data = json.loads(stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(
            "`casework seed --demo --json` must print only a JSON list on stdout "
            f"({exc}); stdout began with:\n{stdout[:2000]}"
        ) from None
    assert isinstance(data, list) and data, f"seed --demo --json printed no accounts: {data!r}"
    accounts = []
    for item in data:
        assert isinstance(item, dict), f"account is not an object: {item!r}"
        for key in ("staffId", "name", "roles"):
            assert key in item, f"account lacks {key!r}: {item!r}"
        assert isinstance(item["roles"], list), f"roles is not a list: {item!r}"
        accounts.append(
            Account(
                staff_id=str(item["staffId"]),
                name=str(item["name"]),
                roles=[str(r) for r in item["roles"]],
                team=item.get("team"),
                team_leader_staff_id=item.get("teamLeaderStaffId"),
            )
        )
    return accounts


def _wait_for_health(base_url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    last = "no answer yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"casework serve exited with {process.returncode} before answering /health; "
                f"log tail:\n{_tail(log_path)}"
            )
        try:
            with urllib.request.urlopen(base_url + "/health", timeout=2) as resp:
                if resp.status == 200:
                    return
                last = f"status {resp.status}"
        except urllib.error.HTTPError as exc:
            last = f"status {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.25)
    raise AssertionError(
        f"GET /health did not answer 200 within {HEALTH_TIMEOUT_S}s ({last}); "
        f"log tail:\n{_tail(log_path)}"
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # Vapor shuts down cleanly on SIGINT/SIGTERM
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def pytest_configure(config: pytest.Config) -> None:
    shutil.rmtree(OUTPUT_DIR, ignore_errors=True)
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="session")
def casework_server() -> CaseworkServer:
    binary = _binary()
    if not os.access(binary, os.X_OK):
        pytest.fail(f"casework binary not found at {binary} (build it, or set CASEWORK_BIN)")

    data_dir = Path(tempfile.mkdtemp(prefix="casework-e2e-"))
    env = os.environ.copy()
    env.pop("DATABASE_URL", None)  # the journeys run on the embedded SQLite default
    env["CASEWORK_DATA_DIR"] = str(data_dir)
    env["CASEWORK_DEMO_PASSWORD"] = env.get("CASEWORK_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
    env["CASEWORK_TEST_CLOCK"] = "1"
    # The journeys move the test clock by hours between one person's pages; the idle timeout has its own tests.
    env["CASEWORK_SESSION_IDLE_MINUTES"] = "1440"

    process = None
    log_file = None
    try:
        migrate = subprocess.run(
            [str(binary), "migrate"], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
            timeout=SEED_TIMEOUT_S, stdin=subprocess.DEVNULL,
        )
        if migrate.returncode != 0:
            pytest.fail(f"`casework migrate` exited {migrate.returncode}:\n{migrate.stderr[-3000:]}")
        seed = subprocess.run(
            [str(binary), "seed", "--demo", "--json"],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True,
            timeout=SEED_TIMEOUT_S, stdin=subprocess.DEVNULL,
        )
        (OUTPUT_DIR / "seed.stdout.txt").write_text(seed.stdout)
        (OUTPUT_DIR / "seed.stderr.txt").write_text(seed.stderr)
        if seed.returncode != 0:
            pytest.fail(
                f"`casework seed --demo --json` exited {seed.returncode}:\n"
                f"{seed.stderr[-3000:]}\n{seed.stdout[-2000:]}"
            )
        accounts = _parse_accounts(seed.stdout)

        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        log_path = OUTPUT_DIR / "server.log"
        log_file = open(log_path, "wb")
        process = subprocess.Popen(
            [str(binary), "serve", "--hostname", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
            stdout=log_file, stderr=subprocess.STDOUT,
        )
        _wait_for_health(base_url, process, log_path)
        yield CaseworkServer(
            base_url=base_url,
            password=env["CASEWORK_DEMO_PASSWORD"],
            accounts=accounts,
            data_dir=data_dir,
            log_path=log_path,
            process=process,
        )
    finally:
        if process is not None:
            _stop(process)
        if log_file is not None:
            log_file.close()
        shutil.rmtree(data_dir, ignore_errors=True)


# ---------------------------------------------------------------------- the browser


def _new_driver() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CASEWORK_CHROMIUM", "/usr/bin/chromium")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--lang=en-GB",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(arg)
    options.add_experimental_option(
        "prefs",
        {
            "credentials_enable_service": False,
            "profile.password_manager_enabled": False,
            "profile.password_manager_leak_detection": False,
        },
    )
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    service = ChromeService(
        executable_path=os.environ.get("CASEWORK_CHROMEDRIVER", "/usr/bin/chromedriver"),
        log_output=str(OUTPUT_DIR / "chromedriver.log"),
    )
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    return driver


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")


class Journey:
    """A browser journey: navigation helpers that screenshot every page reached."""

    def __init__(self, driver: webdriver.Chrome, server: CaseworkServer, test_name: str):
        self.driver = driver
        self.server = server
        self.name = _safe(test_name)
        self.step = 0
        self.screenshots: list[Path] = []
        self.pages_checked = 0
        self.accessibility_problems: list[str] = []

    # -- output
    def shot(self, label: str) -> Path:
        """Screenshot the page reached, and check it with axe-core."""
        self.step += 1
        path = OUTPUT_DIR / f"{self.name}-{self.step:02d}-{_safe(label)}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))
        self.screenshots.append(path)
        self.check_accessibility(label)
        return path

    def check_accessibility(self, label: str) -> None:
        """Runs axe-core (WCAG 2.2 AA tags) on the page as it is now and keeps what it finds; the journey fails at its
        end when anything was found (see the `journey` fixture), with every page's violations listed."""
        if not self.driver.current_url.startswith(self.server.base_url):
            return  # another site (the identity provider's pages) is not ours to check
        content_type = self.driver.execute_script("return document.contentType")
        if content_type != "text/html":
            return  # a JSON or CSV answer opened in the browser
        template = self.driver.execute_script("return document.body ? document.body.getAttribute('data-template') : null")
        if template:
            TEMPLATES_CHECKED.add(template)
        axe = Axe(self.driver)
        axe.inject()
        # A JSON string, not a dict: axe-selenium-python pastes it into the script as it is.
        results = axe.run(options=AXE_OPTIONS)
        self.pages_checked += 1
        for violation in results.get("violations", []):
            targets = [" ".join(node["target"]) for node in violation["nodes"]][:5]
            self.accessibility_problems.append(
                f"{label} ({self.path}): {violation['id']} [{violation['impact']}] {violation['help']}: {targets}"
            )

    def save_failure(self) -> None:
        try:
            (OUTPUT_DIR / f"{self.name}-FAILED.html").write_text(
                f"<!-- {self.driver.current_url} -->\n{self.driver.page_source}"
            )
            self.driver.save_screenshot(str(OUTPUT_DIR / f"{self.name}-FAILED.png"))
        except WebDriverException:
            pass

    # -- navigation
    def _wait_ready(self) -> None:
        WebDriverWait(self.driver, WAIT_S, poll_frequency=0.1).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
        )

    def visit(self, path: str, label: str) -> None:
        self.driver.get(self.server.url(path))
        self._wait_ready()
        self.shot(label)

    def click_and_wait(self, element: WebElement, label: str) -> None:
        """Click something that loads a new page (link or submit), wait for it, screenshot."""
        # Mark the current document; the new one will not carry the mark. (Waiting for
        # the old <html> to go stale races with chromedriver mid-navigation.)
        self.driver.execute_script("window.__caseworkOldPage = true;")
        element.click()

        def loaded_new_page(d: webdriver.Chrome) -> bool:
            try:
                return bool(
                    d.execute_script(
                        "return window.__caseworkOldPage !== true"
                        " && document.readyState === 'complete';"
                    )
                )
            except WebDriverException:  # the page is between documents
                return False

        WebDriverWait(self.driver, WAIT_S, poll_frequency=0.1).until(
            loaded_new_page, message=f"no new page loaded after clicking for step {label!r}"
        )
        self.shot(label)

    # -- reading
    @property
    def path(self) -> str:
        return urlparse(self.driver.current_url).path

    def by_id(self, element_id: str) -> WebElement:
        found = self.driver.find_elements(By.ID, element_id)
        assert found, f"no element with id {element_id!r} on {self.driver.current_url}"
        return found[0]

    def text(self, element_id: str) -> str:
        return " ".join(self.by_id(element_id).text.split())

    def heading(self) -> str:
        found = self.driver.find_elements(By.CSS_SELECTOR, "main h1") or self.driver.find_elements(
            By.TAG_NAME, "h1"
        )
        assert found, f"no <h1> on {self.driver.current_url}"
        return " ".join(found[0].text.split())

    def type_into(self, element_id: str, value: str) -> None:
        field_ = self.by_id(element_id)
        field_.clear()
        field_.send_keys(value)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def journey(request: pytest.FixtureRequest, casework_server: CaseworkServer) -> Journey:
    driver = _new_driver()
    try:
        driver.delete_all_cookies()
        j = Journey(driver, casework_server, request.node.name)
        yield j
        report = getattr(request.node, "rep_call", None)
        if report is None or report.failed:
            j.save_failure()
        elif j.accessibility_problems:
            (OUTPUT_DIR / f"{j.name}-ACCESSIBILITY.txt").write_text("\n".join(j.accessibility_problems) + "\n")
            pytest.fail(
                f"axe-core found {len(j.accessibility_problems)} WCAG 2.2 AA violation(s) on the pages of this journey:\n  "
                + "\n  ".join(j.accessibility_problems),
                pytrace=False,
            )
    finally:
        driver.quit()


# ---------------------------------------------------------------------- dates


def acceptable_dates(server: CaseworkServer) -> set[str]:
    """Today's date as the status bar may show it: UTC or Europe/London, by the system clock
    or by the server's test clock (when it answers), with or without a leading zero."""
    instants = [dt.datetime.now(dt.timezone.utc), dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=2)]
    try:
        req = urllib.request.Request(
            server.url("/api/v1/test-clock"),
            data=json.dumps({"advanceMinutes": 0}).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=5) as resp:
            now = json.loads(resp.read())["now"]
            instants.append(dt.datetime.fromisoformat(now.replace("Z", "+00:00")))
    except Exception:  # noqa: BLE001 - the test clock is only a hint here
        pass
    zones = [dt.timezone.utc]
    try:
        from zoneinfo import ZoneInfo

        zones.append(ZoneInfo("Europe/London"))
    except Exception:  # noqa: BLE001 - no tz database: UTC only
        pass
    out = set()
    for instant in instants:
        for zone in zones:
            d = instant.astimezone(zone).date()
            out.add(f"{d.day} {d:%B} {d.year}")
            out.add(f"{d:%d} {d:%B} {d.year}")
    return out


def page_templates() -> set[str]:
    """Every page template (the layout and partials are parts of pages, not pages)."""
    return {p.stem for p in VIEWS_DIR.glob("*.leaf") if p.stem != "layout"}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CASEWORK_AXE_EVERY_TEMPLATE") != "1" or not TEMPLATES_CHECKED:
        return
    missing = sorted(page_templates() - TEMPLATES_CHECKED)
    report = OUTPUT_DIR / "axe-templates.txt"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("checked: " + ", ".join(sorted(TEMPLATES_CHECKED)) + "\nnot reached: " + ", ".join(missing) + "\n")
    if missing:
        print(f"\naxe-core never checked these page templates: {', '.join(missing)}")
        session.exitstatus = 1
    else:
        print(f"\naxe-core checked all {len(TEMPLATES_CHECKED)} page templates")
