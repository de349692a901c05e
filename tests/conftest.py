"""Test-session plumbing: which services are here, the browser, and transactional tests.

Tests that need PostgreSQL, Redis, a browser or ClamAV's daemon carry the markers ``postgres``,
``redis``, ``browser`` and ``clamd``. When a service is absent they are deselected (not skipped)
and the summary says how many were not run and why; with ``CNILCASE_REQUIRE_SERVICES=1`` (CI) an
absent service fails the run instead.
"""

from __future__ import annotations

import os
import socket
from contextlib import ExitStack
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connections
from django.test import TransactionTestCase

from tests.support import audit_protection_bypassed

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CLAMD = os.environ.get("CLAMD", "/usr/sbin/clamd")
REQUIRE_SERVICES = os.environ.get("CNILCASE_REQUIRE_SERVICES", "") not in ("", "0", "false")

_not_run: dict[str, list[str]] = {}


def _redis_reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _absent_services() -> dict[str, str]:
    absent = {}
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        absent["postgres"] = "needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/name"
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis"):
        absent["redis"] = "needs Redis: set CELERY_BROKER_URL=redis://127.0.0.1:6379/15"
    elif not _redis_reachable(broker):
        absent["redis"] = f"needs Redis, but {broker} does not answer"
    if not os.access(CHROMIUM, os.X_OK):
        absent["browser"] = f"needs Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM=)"
    if not os.access(CLAMD, os.X_OK):
        absent["clamd"] = f"needs ClamAV's daemon at {CLAMD} (apt-get install clamav-daemon, or set CLAMD=)"
    return absent


def pytest_configure(config):
    config.addinivalue_line("markers", "clamd: runs a real ClamAV daemon (Debian's clamav-daemon)")


def pytest_collection_modifyitems(config, items):
    absent = _absent_services()
    if not absent:
        return
    kept, dropped = [], []
    for item in items:
        missing = [m for m in absent if item.get_closest_marker(m)]
        if missing:
            dropped.append(item)
            for m in missing:
                _not_run.setdefault(absent[m], []).append(item.nodeid)
        else:
            kept.append(item)
    if dropped and REQUIRE_SERVICES:
        raise pytest.UsageError(
            "CNILCASE_REQUIRE_SERVICES is set but services are missing:\n  " + "\n  ".join(_not_run)
        )
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_terminal_summary(terminalreporter):
    if not _not_run:
        return
    total = len({nodeid for nodeids in _not_run.values() for nodeid in nodeids})
    terminalreporter.write_sep("=", f"{total} tests not run: services absent", yellow=True)
    for reason, nodeids in _not_run.items():
        terminalreporter.write_line(f"{len(nodeids):5d} {reason}")


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path_factory):
    """Each test stores evidence and staged imports in folders of its own, never in the project's var/."""
    root = tmp_path_factory.mktemp("evidence")
    imports = tmp_path_factory.mktemp("imports")
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root}},
        "imports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": imports}},
    }
    return root


# --- Transactional tests and the append-only audit log -----------------------------------------
# Transactional tests (live server, real Celery worker, concurrency) end with Django's flush,
# which TRUNCATEs (PostgreSQL) or DELETEs (SQLite) every table, and the audit log's database
# triggers rightly refuse that. The flush suspends the triggers the way a database administrator
# would, and only for the flush.


_original_fixture_teardown = TransactionTestCase._fixture_teardown


def _fixture_teardown(self):
    with ExitStack() as stack:
        for alias in self._databases_names(include_mirrors=False):
            connections[alias].ensure_connection()
            stack.enter_context(audit_protection_bypassed(connections[alias]))
        _original_fixture_teardown(self)


TransactionTestCase._fixture_teardown = _fixture_teardown


# --- Browser ------------------------------------------------------------------------------------
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="session")
def _browser():
    """One Chromium for the whole run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class A11yPage:
    """A Playwright page whose every visited page must be checked with axe-core before the test ends."""

    def __init__(self, page, base_url):
        from axe_playwright_python.sync_playwright import Axe

        self.page = page
        self.base_url = base_url
        self._axe = Axe()
        self.visited: list[str] = []
        self.checked: set[str] = set()
        page.on("framenavigated", self._on_navigation)

    def _on_navigation(self, frame):
        if frame == self.page.main_frame:
            path = urlparse(frame.url).path
            if path not in self.visited:
                self.visited.append(path)

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        self.check_accessibility()
        return response

    def check_accessibility(self):
        """Run axe-core on the current page; fail on serious or critical violations."""
        self.page.wait_for_load_state("load")
        results = self._axe.run(self.page)
        blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
        assert not blocking, f"axe-core on {self.page.url}:\n" + "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in blocking
        )
        self.checked.add(urlparse(self.page.url).path)

    def unchecked(self) -> list[str]:
        return [path for path in self.visited if path not in self.checked]


@pytest.fixture
def browser_page(_browser, live_server):
    """A fresh browser context (French, Europe/Paris) on the live server."""
    context = _browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = A11yPage(context.new_page(), live_server.url)
    yield page
    unchecked = page.unchecked()
    context.close()
    assert not unchecked, f"pages visited but never checked with axe-core: {unchecked}"


@pytest.fixture
def login(browser_page):
    """Log a user in through the real pages: e-mail, password, then a TOTP code."""
    from tests.support import PASSWORD, fresh_code

    def _login(user, password=PASSWORD):
        page = browser_page.page
        browser_page.goto("/accounts/login/")
        page.fill("input[name=username]", user.email)
        page.fill("input[name=password]", password)
        page.click("main button[type=submit]")
        page.wait_for_url("**/accounts/2fa/verify/**")
        browser_page.check_accessibility()
        page.fill("input[name=otp_token]", fresh_code(user))
        page.click("main button[type=submit]")
        page.wait_for_url(browser_page.base_url + "/")
        browser_page.check_accessibility()
        return page

    return _login
