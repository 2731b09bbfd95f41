"""The Content-Security-Policy in a real browser: the pages the other journeys do not open (the
API docs, the print button) work under it, and the harness does catch what the policy refuses
(every browser test fails on a refusal: conftest.py's ``pages`` fixture)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.browsing import log_in

pytestmark = pytest.mark.browser


def test_the_api_docs_render_under_the_policy(pages, app):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "kuaiji")
    page.goto(app.url + "/api/docs")
    expect(page.locator(".swagger-ui .information-container")).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()


def test_the_print_button_prints_from_a_script_file(pages, app):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "kuaiji")
    for path in ("/ledgers/HT01/reports/balance-sheet/?from=2025-01&to=2025-03&print=1",):
        page.goto(app.url + path)
        # An arrow function: Playwright calls a function that an expression evaluates to.
        page.evaluate("() => { window.printCalls = 0; window.print = () => { window.printCalls += 1; }; }")
        # The toolbar is hidden in the print view by app.css (.print-view .no-print), so the
        # button is clicked from a script rather than with the mouse.
        page.evaluate("document.querySelector('.print-toolbar [data-print]').click()")
        expect(page.locator("body")).to_have_class(re.compile(r"\bprint-view\b"))
        assert page.evaluate("window.printCalls") == 1


def test_the_harness_sees_what_the_policy_refuses(pages, app):
    page = pages.open()
    page.goto(app.url + "/login/")
    # An inline handler, as injected markup would carry one: the policy must refuse to run it.
    page.evaluate("document.body.setAttribute('onclick', 'window.ran = true'); document.body.click()")
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran === undefined")
    assert any("script-src" in violation for violation in pages.csp_violations), pages.csp_violations
    pages.csp_violations.clear()
