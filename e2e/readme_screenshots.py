"""Takes the README's screenshots from a running Casework (not a test: run it by hand after a visible change).

usage: e2e/.venv/bin/python e2e/readme_screenshots.py BASE_URL
The server should hold the demo organisation and some history (`casework seed --demo`, then
`casework seed --scale 0.002` for monitoring with figures in it). Writes docs/screenshots/*.png.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PASSWORD = os.environ.get("CASEWORK_DEMO_PASSWORD", "Casework-Demo-2026")


def browser() -> webdriver.Chrome:
    opts = webdriver.ChromeOptions()
    opts.binary_location = os.environ.get("CASEWORK_CHROMIUM", "/usr/bin/chromium")
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,900", "--hide-scrollbars"]:
        opts.add_argument(arg)
    return webdriver.Chrome(service=webdriver.ChromeService(os.environ.get("CASEWORK_CHROMEDRIVER", "/usr/bin/chromedriver")), options=opts)


def sign_in(d: webdriver.Chrome, base: str, staff_id: str, role: str | None) -> None:
    d.delete_all_cookies()
    d.get(base + "/sign-in")
    d.find_element(By.ID, "staffId").send_keys(staff_id)
    d.find_element(By.ID, "password").send_keys(PASSWORD)
    d.find_element(By.ID, "sign-in-button").click()
    time.sleep(0.5)
    if role and "/choose-role" in d.current_url:
        d.find_element(By.CSS_SELECTOR, f"label[for='role-{role}']").click()
        d.find_element(By.ID, "continue-button").click()
        time.sleep(0.5)


def page(d: webdriver.Chrome, base: str, path: str, name: str, height: int = 900) -> None:
    d.set_window_size(1100, height)
    d.get(base + path)
    time.sleep(0.5)
    d.save_screenshot(str(OUT / f"{name}.png"))
    print(f"{path} -> docs/screenshots/{name}.png")


def element(d: webdriver.Chrome, base: str, path: str, element_id: str, name: str) -> None:
    d.set_window_size(1100, 2400)
    d.get(base + path)
    time.sleep(0.5)
    d.find_element(By.ID, element_id).screenshot(str(OUT / f"{name}.png"))
    print(f"{path}#{element_id} -> docs/screenshots/{name}.png")


def main(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    d = browser()
    try:
        sign_in(d, base, "20010002", None)
        page(d, base, "/access-requests/new", "csua150-form", height=1500)
        sign_in(d, base, "20010001", "teamLeader")
        page(d, base, "/", "team-leader-home", height=1000)
        sign_in(d, base, "30000002", "scrManager")
        page(d, base, "/hoppers/scr", "scr-hopper", height=900)
        element(d, base, "/monitoring", "chart-time-to-decide", "monitoring-chart")
    finally:
        d.quit()


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
