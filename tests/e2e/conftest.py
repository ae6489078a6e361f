"""Browser journeys: Playwright drives Debian's Chromium (headless) against pytest-django's live
server. Marked `e2e`: skipped with the reason when Chromium or Playwright is missing, failed
instead with REQUIRE_SERVICES=1 (see tests/services.py).

Each journey ends with a screenshot under its tmp_path (`screenshots/`) and, when
E2E_SCREENSHOT_DIR is set, a copy there.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests import services
from tests.factories import PASSWORD

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
]


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: a browser journey (needs Chromium at /usr/bin/chromium)")


@pytest.fixture(scope="module")
def browser(django_db_setup, django_db_blocker):
    """Chromium for one module's journeys.

    Playwright's sync API keeps an event loop running in this thread while it is started, and
    Django refuses ORM calls from a thread with a running loop; the journeys' own set-up and
    checks are plain synchronous code all the same, so the refusal is lifted while the browser
    is open (and only then). The test database is set up before, outside the loop.
    """
    services.require_chromium()
    from django.db import connections
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # With a loop running, Django's per-thread connections are looked up per async context
    # instead: hand that context the connections the test database was set up on (which also
    # hold what serialized_rollback restores), so the tests keep using the same ones.
    opened = {alias: connections[alias] for alias in connections}
    playwright = sync_playwright().start()
    for alias, connection in opened.items():
        connections[alias] = connection
    try:
        chromium = playwright.chromium.launch(
            executable_path=services.CHROMIUM, headless=True, args=BROWSER_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Journey:
    """One person's browser tab on the live server, with what a person would do in it."""

    def __init__(self, browser, base_url: str, shots: Path):
        self.context = browser.new_context(base_url=base_url, viewport={"width": 1400, "height": 1000})
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.shots = shots
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on(
            "console",
            lambda message: (
                self.errors.append(f"console: {message.text}") if message.type == "error" else None
            ),
        )

    def text(self) -> str:
        return self.page.locator("body").inner_text()

    def log_in(self, username: str, *, admin: bool = True) -> None:
        self.page.goto("/admin/login/" if admin else "/accounts/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_load_state()
        assert "Please enter the correct username and password" not in self.text()

    def log_out(self) -> None:
        self.page.get_by_role("button", name="Log out").first.click()
        self.page.wait_for_load_state()

    def screenshot(self, name: str) -> Path:
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        extra = os.environ.get("E2E_SCREENSHOT_DIR")
        if extra:
            Path(extra).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(extra) / path.name)
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def journey(browser, live_server, tmp_path):
    """journey() opens a fresh browser context (its own cookies) on the live server."""
    opened: list[Journey] = []

    def open_tab() -> Journey:
        tab = Journey(browser, live_server.url, tmp_path / "screenshots")
        opened.append(tab)
        return tab

    yield open_tab
    for tab in opened:
        tab.close()


def no_script_errors(tab: Journey) -> list[str]:
    """What went wrong in the page's scripts, less missing resources (a favicon) the app never had."""
    return [e for e in tab.errors if "Failed to load resource" not in e]
