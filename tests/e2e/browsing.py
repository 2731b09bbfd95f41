"""What the browser tests share: the browser and its flags, the running app, pages that may
load nothing from outside the app, screenshots, and the log-in step every journey takes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
NO_CHROMIUM = "Chromium not installed: apt-get install chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PASSWORD = "Cunzhang-2025-test"
DESKTOP = {"width": 1366, "height": 768}
# The scanned acceptance certificate seed_app.py attaches to the road payment (a minimal PDF:
# attachments are checked by content).
ATTACHMENT_NAME = "道路验收单.pdf"
ATTACHMENT = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PHONE = {"width": 360, "height": 740}


# Each refusal of the Content-Security-Policy, reported on the console (Chromium reports most of
# them there by itself; the event catches the rest, such as a refused inline handler).
CSP_PREFIX = "CSP violation:"
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " + (event.blockedURI || "inline")
    + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


CJK_FONT_MISSING = (
    "no Chinese font is installed: screenshots show boxes for Chinese text "
    "(apt-get install fonts-noto-cjk); the tests themselves read the text, not the pixels"
)


def cjk_font_installed() -> bool:
    """Whether fontconfig, which Chromium on Linux draws its fonts from, has a Chinese font."""
    if shutil.which("fc-list") is None:
        return True  # cannot tell; do not cry wolf
    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return bool(listed.stdout.strip())


def villagebooks_command() -> list[str]:
    """The ``villagebooks`` console script beside this Python, or ``python -m villagebooks.cli``
    (the same entry point) where the project is not pip-installed into this environment."""
    script = Path(sys.executable).parent / "villagebooks"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "villagebooks.cli"]


@dataclass
class App:
    url: str
    log: Path
    password: str = PASSWORD

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


@dataclass
class Pages:
    """Opens pages in fresh browser contexts (one a user) and records every request that leaves
    the app: the pages must load nothing from outside it (no CDN, no web fonts). It also records
    what the Content-Security-Policy refused: a page the policy breaks fails its test."""

    browser: object
    app: App
    external: list[str] = field(default_factory=list)
    contexts: list = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def open(self, *, viewport: dict = DESKTOP):
        context = self.browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
        context.set_default_timeout(10_000)
        context.route("**/*", self._only_the_app)
        # Added by the browser, not the page: the policy does not apply to it.
        context.add_init_script(CSP_LISTENER)
        context.on("console", self._console)
        self.contexts.append(context)
        return context.new_page()

    def _console(self, message) -> None:
        text = message.text
        if text.startswith(CSP_PREFIX) or "Content Security Policy" in text:
            self.csp_violations.append(f"{message.page.url if message.page else ''}: {text}")

    def _only_the_app(self, route) -> None:
        url = route.request.url
        if url.startswith(self.app.url + "/"):
            route.continue_()
        elif url.startswith(("chrome://", "chrome-extension://")):
            # Chromium's own PDF viewer, drawing a PDF attachment the page frames: not the page.
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def screenshot(page, name: str) -> Path:
    """A full-page PNG under test-output/screenshots/, for a human to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, app: App, username: str) -> None:
    """Log in with the keyboard only, as a user at the login page would."""
    from playwright.sync_api import expect

    page.goto(app.url + "/login/")
    expect(page.locator("#id_username")).to_be_focused()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(app.password)
    page.keyboard.press("Enter")
    page.wait_for_url(app.url + "/")


def app_environment(app) -> dict[str, str]:
    """The environment of a process that works on the running app's database and files
    (conftest.py keeps them beside the server's log)."""
    home = app.log.parent
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{home / 'villagebooks.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "villagebooks.settings",
        "VILLAGEBOOKS_HOME": str(home),
        "VILLAGEBOOKS_MEDIA_ROOT": str(home / "attachments"),
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
    }


def app_command(app, *args: str) -> str:
    """Run ``villagebooks ARGS`` against the running app's database, as an operator would; its output."""
    done = subprocess.run(
        [*villagebooks_command(), *args],
        cwd=REPO,
        env=app_environment(app),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"{args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout
