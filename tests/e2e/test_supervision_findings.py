"""A finding from an alert to its closure in a real browser: the township's supervisor sees a
large cash payment of 黑滩村 (HT32) among the alerts, drawn as bars, ticks it and opens a finding;
the accountant answers with a scanned receipt; the supervisor closes it and dismisses the alert
with a reason, which is counted for its rule. HT32 is this module's own ledger (imported with the CLI)."""

from __future__ import annotations

import subprocess

import pytest

from tests.e2e.browsing import (
    ATTACHMENT,
    app_command,
    app_environment,
    log_in,
    screenshot,
    villagebooks_command,
)

pytestmark = pytest.mark.browser
VOUCHERS = """ledger,voucher,date,summary,account,debit,credit,fund,counterparty
HT32,1,2025-03-02,收到租金,102,50000.00,,,
HT32,1,2025-03-02,收到租金,501,,50000.00,,
HT32,2,2025-03-05,提取现金,101,3000.00,,,
HT32,2,2025-03-05,提取现金,102,,3000.00,,
HT32,3,2025-03-09,临时用工,513,2500.00,,,张三
HT32,3,2025-03-09,临时用工,101,,2500.00,,
"""


@pytest.fixture(scope="module")
def books(app, tmp_path_factory):
    app_command(
        app, "create-ledger", "--user=kuaiji", "--village=510781100201", "--code=HT32", "--name=黑滩村（HT32）",
        "--chart=2023", "--start=2025-01", "--no-opening",
    )  # fmt: skip
    app_command(
        app, "create-counterparty", "--user=kuaiji", "--ledger=HT32", "--name=张三", "--kind=household"
    )
    path = tmp_path_factory.mktemp("ht32") / "vouchers.csv"
    path.write_text(VOUCHERS, encoding="utf-8")
    app_command(app, "import-vouchers", "--user=kuaiji", str(path), "--post")
    done = subprocess.run(
        [*villagebooks_command(), "add-user", "jiandu", "--role=supervisor", "--region=510781100000",
         "--full-name=镇纪委监督员", "--password-stdin"],
        env=app_environment(app), input=app.password + "\n", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return "HT32"


def test_alert_to_finding_to_closure(pages, app, books, tmp_path):
    from playwright.sync_api import expect

    supervisor = pages.open()
    log_in(supervisor, app, "jiandu")
    supervisor.get_by_role("link", name="监督预警").click()
    supervisor.locator("#f-ledger").fill("HT32")
    supervisor.locator("#f-from").fill("2025-01")
    supervisor.locator("#f-to").fill("2025-12")
    supervisor.get_by_role("button", name="查看").click()
    row = supervisor.locator("#alerts tbody tr", has_text="一笔现金支付 2,500.00 元")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("黑滩村")
    expect(supervisor.locator("#by-rule tr", has_text="大额现金").locator("svg rect")).to_be_visible()
    screenshot(supervisor, "supervision-01-alerts")
    row.get_by_role("checkbox").check()
    supervisor.get_by_role("button", name="将勾选的预警立为问题线索").click()
    expect(supervisor.locator("#f-amount")).to_have_value("2500.00")
    supervisor.locator("#f-deadline").fill("2099-01-31")
    supervisor.locator("#f-responsible").fill("黑滩村报账员")
    supervisor.get_by_role("button", name="立案").click()
    expect(supervisor.locator("h1")).to_contain_text("问题线索第1号")
    expect(supervisor.locator("#state")).to_have_text("待整改")

    accountant = pages.open()
    log_in(accountant, app, "kuaiji")
    accountant.goto(f"{app.url}/supervision/findings/HT32/1/")
    accountant.locator("#r-measures").fill("改为银行转账，补签用工协议")
    accountant.locator("#r-returned").fill("0")
    receipt = tmp_path / "用工协议.pdf"
    receipt.write_bytes(ATTACHMENT)
    accountant.locator("#r-files").set_input_files(str(receipt))
    accountant.get_by_role("button", name="提交整改").click()
    expect(accountant.locator("#state")).to_have_text("已整改待核实")
    expect(accountant.locator("#steps")).to_contain_text("用工协议.pdf")

    supervisor.reload()
    supervisor.locator("#v-note").fill("协议已核对")
    supervisor.get_by_role("button", name="核实销号").click()
    expect(supervisor.locator("#state")).to_have_text("已销号")
    expect(supervisor.locator("#steps tbody tr")).to_have_count(3)
    screenshot(supervisor, "supervision-02-finding-closed")

    # Rectified, the alert is judged settled, with the reason: it leaves the list and is counted.
    supervisor.goto(f"{app.url}/supervision/?ledger=HT32&from=2025-01&to=2025-12")
    cash = supervisor.locator("#alerts tbody tr", has_text="一笔现金支付 2,500.00 元")
    cash.get_by_label("排除理由").fill("已整改销号（问题线索第1号）")
    cash.get_by_role("button", name="排除").click()
    expect(supervisor.locator("#alerts tbody tr", has_text="一笔现金支付 2,500.00 元")).to_have_count(0)
    counts = supervisor.locator("#by-rule tr", has_text="大额现金").locator("td.num")
    expect(counts).to_have_text(["0", "1"])
    assert pages.external == [] and pages.csp_violations == []
