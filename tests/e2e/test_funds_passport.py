"""The county's view of earmarked money in a real browser: the execution page's bars (inline SVG,
no script), a project's page where the county office records its 审核 with the review's PDF
attached, and the fund passport drilled down to the voucher lines and the payee.

A ledger of its own (HT35, made with the CLI, its allocation, project and vouchers imported as an
operator would) keeps the other journeys' figures intact.
"""

from __future__ import annotations

import pytest

from tests.e2e.browsing import app_command, log_in, screenshot

pytestmark = pytest.mark.browser

ALLOCATIONS = """allocation,ledger,date,issuer,document_number,fund,fund_kind,amount,purpose,allowed_accounts,project,control,负面清单
E2E-35,HT35,2025-01-05,江油市交通运输局,江交〔2025〕35号,道路补助35,上级专项资金,100000.00,村道硬化,153;513,,warn,521
"""
PROJECTS = """ledger,project,name,kind,fund,account,budget,start,end,control
HT35,P35,村道硬化三十五,基础设施,道路补助35,153,80000.00,2025-01-10,2025-03-31,warn
"""
VOUCHERS = """ledger,voucher,date,summary,account,debit,credit,fund,counterparty,project
HT35,J-1,2025-01-08,收到道路补助,102,100000,,,,
HT35,J-1,2025-01-08,收到道路补助,241,,100000,道路补助35,,
HT35,J-2,2025-02-20,村道硬化进度款,153,20000,,道路补助35,江油路桥三十五,P35
HT35,J-2,2025-02-20,村道硬化进度款,102,,20000,,,
"""
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def road35(app, tmp_path_factory):
    folder = tmp_path_factory.mktemp("funds35")
    app_command(
        app, "create-ledger", "--user=kuaiji", "--village=510781100201", "--code=HT35",
        "--name=黑滩村（HT35）", "--chart=2023", "--start=2025-01", "--no-opening",
    )  # fmt: skip
    for name, text in (("a.csv", ALLOCATIONS), ("p.csv", PROJECTS), ("v.csv", VOUCHERS)):
        (folder / name).write_text(text, encoding="utf-8")
    app_command(app, "import-allocations", str(folder / "a.csv"), "--user=kuaiji")
    app_command(app, "import-projects", str(folder / "p.csv"), "--user=kuaiji")
    app_command(app, "import-vouchers", str(folder / "v.csv"), "--post", "--create-missing", "--user=kuaiji")
    return folder


def test_the_county_reads_the_rates_decides_and_drills_the_passport(pages, app, road35):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "xian")
    page.goto(f"{app.url}/funds/execution/?ledger=HT35&to=2025-12")
    expect(page.locator("#project-chart svg")).to_have_count(1)
    expect(page.locator("#project-chart")).to_contain_text("25.0%")  # 20,000 of 80,000
    expect(page.locator("#fund-chart")).to_contain_text("20.0%")  # 20,000 of 100,000
    expect(page.locator("#execution")).to_contain_text("逾期")  # planned to end in March
    screenshot(page, "funds-01-execution")

    page.locator("#execution").get_by_role("link", name="P35").click()
    expect(page.locator("#project-state")).to_have_text("申报")
    review = road35 / "审核意见35.pdf"
    review.write_bytes(PDF)
    page.locator('#advance input[name="document"]').set_input_files(str(review))
    page.locator("#advance button[type=submit]").click()
    expect(page.locator("#project-state")).to_have_text("审核")
    expect(page.locator("#acts")).to_contain_text("审核意见35.pdf")
    expect(page.locator("#advance")).to_have_count(0)  # 立项 is the agency's step
    screenshot(page, "funds-02-county-review")

    page.goto(f"{app.url}/funds/passport/?ledger=HT35&to=2025-12")
    row = page.locator('#passport tr[data-allocation="E2E-35"]')
    expect(row).to_contain_text("100,000.00")
    row.get_by_role("link", name="20,000.00").click()
    expect(page.locator("#passport-lines")).to_contain_text("村道硬化进度款")
    expect(page.locator("#payees")).to_contain_text("江油路桥三十五")
    screenshot(page, "funds-03-passport-lines")
    assert pages.external == []
