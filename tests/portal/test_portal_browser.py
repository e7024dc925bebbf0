"""The portal in a real browser: Debian's headless Chromium driven by Selenium over real HTTP.

Signs in from a link, filters the drafts, opens a timeline, downloads an export and is refused
another brand's draft; the page must raise no Content-Security-Policy violation on the way.
Screenshots go to /tmp/portal-shots/ (or $PORTAL_SHOTS). Skipped, with the reason, when
chromium or chromedriver is not installed (`apt-get install chromium chromium-driver`).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.slack.endpoint import SlackEndpoint
from bot.slack.server import HttpServer
from tests.portal.world import AUDITOR, World

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover - selenium is a dev dependency
    webdriver = None  # type: ignore[assignment]

pytestmark = pytest.mark.skipif(
    webdriver is None or CHROMIUM is None or not Path(CHROMEDRIVER).exists(),
    reason="browser tests need selenium and Debian's chromium + chromium-driver "
    "(apt-get install -y chromium chromium-driver; .ci/run does it)",
)
SHOTS = Path(os.environ.get("PORTAL_SHOTS", "/tmp/portal-shots"))


@pytest.fixture
def db_url(sqlite_url: str) -> str:  # one database is enough for the browser (SQLite)
    return sqlite_url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    from models.testing import scratch_database_url

    with scratch_database_url(None, tmp_path) as url:
        yield url


@pytest.fixture
def server(world: World) -> Iterator[HttpServer]:
    endpoint = SlackEndpoint("signing-secret", health=lambda: (True, "ok"))
    endpoint.portal = world.app
    running = HttpServer(endpoint, host="127.0.0.1", port=0).start()
    yield running
    running.stop()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    options.add_argument("--window-size=1280,1000")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.downloads = downloads  # type: ignore[attr-defined]
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def _shot(driver: object, name: str) -> None:
    driver.save_screenshot(str(SHOTS / f"{name}.png"))  # type: ignore[attr-defined]


def _csp_violations(driver: object) -> list[str]:
    logs = driver.get_log("browser")  # type: ignore[attr-defined]
    return [e["message"] for e in logs if "Content Security Policy" in e["message"]]


def test_an_auditor_in_a_real_browser(world: World, server: HttpServer, browser: object) -> None:
    d = browser
    wait = WebDriverWait(d, 15)  # type: ignore[arg-type]
    d.get(world.link(AUDITOR, base=server.url))  # type: ignore[attr-defined]
    assert d.find_element(By.TAG_NAME, "h1").text == "Sign in to the brandgate portal"  # type: ignore[attr-defined]
    _shot(d, "01-signin-confirm")
    d.find_element(By.ID, "signin").click()  # type: ignore[attr-defined]
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Dashboard"))
    chart = d.find_element(By.CSS_SELECTOR, "img.chart")  # type: ignore[attr-defined]
    wait.until(lambda _: d.execute_script("return arguments[0].complete", chart))  # type: ignore[attr-defined]
    assert d.execute_script("return arguments[0].naturalWidth", chart) > 100  # type: ignore[attr-defined]
    assert "Acme Outdoor" in d.page_source and "Other Studio" not in d.page_source  # type: ignore[attr-defined]
    _shot(d, "02-dashboard")

    d.find_element(By.LINK_TEXT, "Drafts").click()  # type: ignore[attr-defined]
    wait.until(ec.presence_of_element_located((By.ID, "f-q")))
    d.find_element(By.ID, "f-q").send_keys("sarek")  # type: ignore[attr-defined]
    Select(d.find_element(By.ID, "f-state")).select_by_value("rejected")  # type: ignore[attr-defined]
    d.find_element(By.ID, "filter").click()  # type: ignore[attr-defined]
    wait.until(ec.url_contains("q=sarek"))
    rows = d.find_elements(By.CSS_SELECTOR, "table.drafts tbody tr")  # type: ignore[attr-defined]
    revised = world.drafts["acme:revised"]
    assert len(rows) == 1 and f"#{revised}" in rows[0].text
    _shot(d, "03-drafts-filtered")

    rows[0].find_element(By.LINK_TEXT, f"#{revised}").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), f"Draft #{revised}"))
    assert d.find_element(By.CSS_SELECTOR, ".diff ins").text == "small: tested in Sarek."  # type: ignore[attr-defined]
    assert "Off-message this month." in d.page_source  # type: ignore[attr-defined]
    assert len(d.find_elements(By.CSS_SELECTOR, ".timeline li")) >= 6  # type: ignore[attr-defined]
    _shot(d, "04-timeline")
    d.get(f"{server.url}/portal/drafts/{world.drafts['acme:blocked']}")  # type: ignore[attr-defined]
    assert d.find_element(By.CSS_SELECTOR, "mark.level-error").text == "guarantee"  # type: ignore[attr-defined]
    _shot(d, "05-timeline-finding")

    d.find_element(By.LINK_TEXT, "Audit log").click()  # type: ignore[attr-defined]
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Audit log"))
    assert "The chain verifies." in d.page_source  # type: ignore[attr-defined]
    _shot(d, "06-audit")
    d.find_element(By.ID, "export-acme-jsonl").click()  # type: ignore[attr-defined]
    target = d.downloads / "audit-acme.jsonl"  # type: ignore[attr-defined]
    wait.until(lambda _: target.exists() and target.stat().st_size > 0)
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert lines and {e["brand"] for e in lines} == {"acme"}

    d.get(f"{server.url}/portal/drafts/{world.drafts['other:mine']}")  # type: ignore[attr-defined]
    assert d.find_element(By.TAG_NAME, "h1").text == "Not yours to see"  # type: ignore[attr-defined]
    assert "Zephyr" not in d.page_source  # type: ignore[attr-defined]
    _shot(d, "07-refused-other-brand")

    d.set_window_size(390, 844)  # type: ignore[attr-defined]
    d.get(f"{server.url}/portal/drafts")  # type: ignore[attr-defined]
    width = d.execute_script("return document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert width <= 400  # no sideways scrolling on a phone
    _shot(d, "08-phone-drafts")

    d.find_element(By.CSS_SELECTOR, ".signout button").click()  # type: ignore[attr-defined]
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Signed out"))
    d.get(f"{server.url}/portal/")  # type: ignore[attr-defined]
    assert d.find_element(By.TAG_NAME, "h1").text == "Sign in to the portal"  # type: ignore[attr-defined]
    _shot(d, "09-signed-out")
    assert _csp_violations(d) == []
