"""The browser-test harness: the real app served by ``villagebooks runserver`` on a temporary
SQLite file, driven by Debian's Chromium through Playwright.

The server always gets its own database (``DATABASE_URL`` is overridden in its environment),
so the harness behaves the same whether the rest of the suite runs on SQLite or PostgreSQL.
It is set up once a session the way an operator would: migrate, load data through the
services (``seed_app.py``), start the server; it is stopped when the session ends. Playwright
never downloads a browser: without ``/usr/bin/chromium`` every browser test is skipped.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path

import pytest

from tests.e2e.browsing import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CJK_FONT_MISSING,
    NO_CHROMIUM,
    PASSWORD,
    REPO,
    App,
    Pages,
    cjk_font_installed,
    villagebooks_command,
)

SEED = Path(__file__).resolve().parent / "seed_app.py"
SERVER_START_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(command: list[str], env: dict, what: str) -> None:
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def _wait_until_serving(server: subprocess.Popen, app: App) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"runserver exited with {server.returncode}:\n{app.log_tail()}")
        try:
            with urllib.request.urlopen(app.url + "/login/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"runserver did not answer within {SERVER_START_SECONDS}s:\n{app.log_tail()}")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The running app with its set-up data; stopped when the session ends."""
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    if not cjk_font_installed():
        warnings.warn(CJK_FONT_MISSING, stacklevel=1)
    home = tmp_path_factory.mktemp("e2e-app")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{home / 'villagebooks.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "villagebooks.settings",
        "VILLAGEBOOKS_HOME": str(home),
        "VILLAGEBOOKS_MEDIA_ROOT": str(home / "attachments"),
        "VILLAGEBOOKS_DEBUG": "1",
        "VILLAGEBOOKS_ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
        "PYTHONUNBUFFERED": "1",
    }
    command = villagebooks_command()
    _run([*command, "migrate", "--noinput", "--verbosity", "0"], env, "villagebooks migrate")
    _run([sys.executable, str(SEED), PASSWORD], env, "loading the set-up data")

    port = _free_port()
    log = home / "runserver.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [*command, "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    running = App(url=f"http://127.0.0.1:{port}", log=log)
    try:
        _wait_until_serving(server, running)
        yield running
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless. Module-scoped on purpose: while Playwright's sync API runs
    it keeps an event loop in this thread, and Django refuses ORM calls from such a thread, so
    the browser must not outlive the browser tests into the rest of the session."""
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def pages(browser, app):
    """A factory of pages; afterwards, fails the test if any page reached outside the app or did
    something the Content-Security-Policy refused."""
    opened = Pages(browser=browser, app=app)
    yield opened
    opened.close()
    assert opened.external == [], f"pages asked for resources outside the app: {opened.external}"
    assert opened.csp_violations == [], f"the Content-Security-Policy refused: {opened.csp_violations}"
