"""Statement layouts belong to the platform, or to a county for its own ledgers (issue 18,
defect 4: a village's administrator changed 货币资金's formula for every ledger on the platform).

Two counties: 江油市 (新安镇 > 黑滩村 HT01; 武都镇 > 青林村 QL01) and 涪城区 (城厢街道 > 青龙村 QLC1).
Each ledger opens 2025 with 库存现金 1,000.00 and 银行存款 80,000.00 against 资本 81,000.00, so
货币资金 (line 1, 101+102) is 81,000.00 in each under the platform's layout.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.models import AuditEntry
from villagebooks.ledger import services
from villagebooks.regions.services import regions_import_csv, system_user
from villagebooks.regions.tests.conftest import COUNTY, HEITAN, PROVINCE, QINGLIN, TOWNSHIP
from villagebooks.reports.breakdown import build_village_statements
from villagebooks.reports.models import StatementKind, StatementLayout
from villagebooks.reports.scope import scope_for_ledger, scope_for_region
from villagebooks.reports.statements import (
    FORBIDDEN_LAYOUT,
    FORBIDDEN_OVERRIDE,
    LAYOUTS_DIFFER,
    NO_OVERRIDE,
    NOT_A_COUNTY,
    build_balance_sheet,
    layout_in_force,
    layout_to_data,
    specs_from_data,
    statement_layout_override_drop,
    statement_layout_save,
)
from villagebooks.web.selectors import statement_line_terms

pytestmark = pytest.mark.django_db

FUCHENG, QINGLONG = "510703000000", "510703001201"
SHEET = StatementKind.BALANCE_SHEET
CASH = 8_100_000  # 货币资金 of each ledger under the platform's layout


@pytest.fixture
def books(region_tree):
    system = system_user()
    regions_import_csv(
        actor=system,
        text=(
            "code,name,parent_code,kind\n"
            f"{FUCHENG},涪城区,510700000000,county\n"
            "510703001000,城厢街道,510703000000,township\n"
            f"{QINGLONG},青龙村,510703001000,village\n"
        ),
    )
    for village, code in ((HEITAN, "HT01"), (QINGLIN, "QL01"), (QINGLONG, "QLC1")):
        ledger = services.ledger_create(
            actor=system,
            village_code=village,
            code=code,
            name=code,
            chart="2023",
            start_year=2025,
            start_month=1,
        )
        services.opening_balances_set(
            actor=system,
            ledger=ledger,
            rows=[
                services.OpeningInput(account_code="101", debit_fen=100_000),
                services.OpeningInput(account_code="102", debit_fen=8_000_000),
                services.OpeningInput(account_code="301", credit_fen=8_100_000),
            ],
        )


@pytest.fixture
def heitan_admin(make_user, region_tree):
    return make_user("heitan-admin", "admin", region_tree[HEITAN])


@pytest.fixture
def province_admin(make_user, region_tree):
    return make_user("province-admin", "admin", region_tree[PROVINCE])


@pytest.fixture
def county_admin(make_user, region_tree):
    return make_user("jiangyou-admin", "admin", region_tree[COUNTY])


def platform_layout(kind=SHEET):
    return specs_from_data(layout_to_data(StatementLayout.objects.get(chart="2023", kind=kind, region=None)))


def cash_from_bank_only():
    """The platform's balance sheet with 货币资金 = 102 only (the formula the defect's attacker wrote)."""
    title, lines, check = platform_layout()
    return title, [replace(line, formula="102") if line.line_no == 1 else line for line in lines], check


def save(actor, layout, region=None):
    title, lines, check = layout
    return statement_layout_save(
        actor=actor, chart="2023", kind=SHEET, title=title, lines=lines, check=check, region=region
    )


def cash(code=None, region=None) -> tuple[int, int]:
    system = system_user()
    if code:
        scope = scope_for_ledger(user=system, ledger_code=code, from_key=202506, to_key=202506)
    else:
        scope = scope_for_region(user=system, region_code=region, from_key=202506, to_key=202506)
    return build_balance_sheet(scope).line(1).amounts


# Who may change which layout -------------------------------------------------------------------


def test_a_village_admin_cannot_change_the_platform_layout(books, heitan_admin):
    before = list(StatementLayout.objects.values_list("id", "updated_at"))

    with pytest.raises(NotPermitted) as error:
        save(heitan_admin, cash_from_bank_only())

    assert error.value.problems[0].message == FORBIDDEN_LAYOUT
    assert list(StatementLayout.objects.values_list("id", "updated_at")) == before
    assert cash("QLC1") == (CASH, CASH)  # another county's balance sheet is untouched


def test_a_county_admin_cannot_change_the_platform_layout_either(books, county_admin):
    with pytest.raises(NotPermitted):
        save(county_admin, cash_from_bank_only())


def test_the_layout_command_as_a_village_admin_is_refused(books, heitan_admin, tmp_path):
    path = tmp_path / "sheet.json"
    data = layout_to_data(StatementLayout.objects.get(chart="2023", kind=SHEET, region=None))
    data["lines"][1]["formula"] = "102"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    for region in ([], ["--region", COUNTY]):
        with pytest.raises(CommandError):
            call_command(
                "statement_layout", "import", "--kind", SHEET, "--file", str(path), *region,
                "--user", "heitan-admin", stdout=io.StringIO(),
            )  # fmt: skip
    assert cash("HT01") == (CASH, CASH)


def test_a_platform_admin_changes_the_platform_layout(books, province_admin):
    save(province_admin, cash_from_bank_only())

    assert cash("HT01") == cash("QLC1") == (8_000_000, 8_000_000)


def test_a_village_admin_cannot_write_its_countys_override(books, heitan_admin, region_tree):
    with pytest.raises(NotPermitted) as error:
        save(heitan_admin, cash_from_bank_only(), region=region_tree[COUNTY])

    assert error.value.problems[0].message == FORBIDDEN_OVERRIDE.format(region="江油市")
    assert not StatementLayout.objects.filter(region__isnull=False).exists()


def test_a_county_admin_cannot_write_another_countys_override(books, county_admin):
    from villagebooks.regions.models import Region

    with pytest.raises(NotPermitted):
        save(county_admin, cash_from_bank_only(), region=Region.objects.get(code=FUCHENG))


def test_an_override_is_for_a_county_only(books, county_admin, region_tree):
    with pytest.raises(DomainError) as error:
        save(county_admin, cash_from_bank_only(), region=region_tree[TOWNSHIP])

    assert error.value.problems[0].message == NOT_A_COUNTY.format(region="新安镇")


# What an override changes ----------------------------------------------------------------------


def test_a_county_override_applies_to_that_countys_ledgers_only(books, county_admin, region_tree):
    save(county_admin, cash_from_bank_only(), region=region_tree[COUNTY])

    assert cash("HT01") == cash("QL01") == (8_000_000, 8_000_000)
    assert cash("QLC1") == (CASH, CASH)  # 涪城区 keeps the platform's
    assert cash(region=TOWNSHIP) == (8_000_000, 8_000_000)  # a region within the county
    assert cash(region=COUNTY) == (16_000_000, 16_000_000)
    entry = AuditEntry.objects.filter(action="statement_layout_save").latest("id")
    assert (entry.actor, entry.detail["region"]) == (county_admin, COUNTY)


def test_a_region_over_counties_adds_each_countys_statement(books, county_admin, region_tree):
    save(county_admin, cash_from_bank_only(), region=region_tree[COUNTY])

    sheet = build_balance_sheet(
        scope_for_region(user=system_user(), region_code=PROVINCE, from_key=202506, to_key=202506)
    )

    # 江油市's two ledgers by its formula (102), 涪城区's by the platform's (101+102).
    assert sheet.line(1).amounts == (8_000_000 * 2 + CASH, 8_000_000 * 2 + CASH)
    # 资产总计 adds line 1 through each county's own formula; 江油市's books then do not balance
    # by 库存现金 1,000.00 a ledger, and the total says so.
    assert sheet.line(21).amounts == sheet.line(1).amounts
    assert sheet.differences == (-200_000, -200_000)
    assert len(sheet.layouts) == 2
    # The drill-down cannot name one list of accounts behind line 1; behind line 2 it can.
    assert statement_line_terms(layouts=sheet.layouts, line_no=1) is None
    assert statement_line_terms(layouts=sheet.layouts, line_no=2) == [(1, "", "111")]


def test_a_region_over_counties_whose_layouts_differ_in_their_lines_is_refused(
    books, county_admin, region_tree
):
    title, lines, check = platform_layout()
    renamed = [replace(line, label="现金及银行存款") if line.line_no == 1 else line for line in lines]
    save(county_admin, (title, renamed, check), region=region_tree[COUNTY])

    with pytest.raises(DomainError) as error:
        cash(region=PROVINCE)

    assert error.value.problems[0].message == LAYOUTS_DIFFER.format(
        statement="资产负债表", regions="平台格式、江油市"
    )
    assert cash(region=COUNTY) == (CASH * 2, CASH * 2)  # within the county: its own lines


def test_the_region_page_says_why_counties_with_different_lines_are_not_added(books, client, region_tree):
    title, lines, check = platform_layout()
    renamed = [replace(line, label="现金及银行存款") if line.line_no == 1 else line for line in lines]
    save(system_user(), (title, renamed, check), region=region_tree[COUNTY])
    client.force_login(system_user())

    response = client.get(f"/regions/{PROVINCE}/reports/balance-sheet/", {"from": "2025-06", "to": "2025-06"})

    page = response.content.decode()
    assert LAYOUTS_DIFFER.format(statement="资产负债表", regions="平台格式、江油市") in page
    assert "货币资金" not in page and "现金及银行存款" not in page


def test_the_village_breakdown_reads_each_ledger_by_its_own_layout(books, county_admin, region_tree):
    save(county_admin, cash_from_bank_only(), region=region_tree[COUNTY])

    report = build_village_statements(
        scope_for_region(user=system_user(), region_code=PROVINCE, from_key=202506, to_key=202506)
    )

    assert {row.ledger_code: row.amounts[0] for row in report.rows} == {
        "HT01": 8_000_000,
        "QL01": 8_000_000,
        "QLC1": CASH,
    }


# The command: export, import and drop an override ----------------------------------------------


def test_export_import_and_drop_a_countys_override(books, county_admin, tmp_path):
    path = tmp_path / "sheet.json"
    err = io.StringIO()
    call_command(
        "statement_layout", "export", "--kind", SHEET, "--region", COUNTY, "--file", str(path),
        stdout=io.StringIO(), stderr=err,
    )  # fmt: skip
    assert "“江油市”没有自定义格式，导出的是平台格式" in err.getvalue()
    data = json.loads(path.read_text(encoding="utf-8"))
    data["lines"][1]["formula"] = "102"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    out = io.StringIO()
    call_command(
        "statement_layout", "import", "--kind", SHEET, "--region", COUNTY, "--file", str(path),
        "--user", "jiangyou-admin", stdout=out,
    )  # fmt: skip
    assert out.getvalue().startswith("已导入“江油市”自定义的资产负债表格式（2023）")
    assert cash("HT01") == (8_000_000, 8_000_000) and cash("QLC1") == (CASH, CASH)
    exported = io.StringIO()
    call_command("statement_layout", "export", "--kind", SHEET, "--region", COUNTY, stdout=exported)
    assert json.loads(exported.getvalue())["lines"][1]["formula"] == "102"
    platform = io.StringIO()
    call_command("statement_layout", "export", "--kind", SHEET, stdout=platform)
    assert json.loads(platform.getvalue())["lines"][1]["formula"] == "101+102"

    call_command(
        "statement_layout", "drop", "--kind", SHEET, "--region", COUNTY, "--user", "jiangyou-admin",
        stdout=io.StringIO(),
    )  # fmt: skip
    assert cash("HT01") == (CASH, CASH)
    dropped = AuditEntry.objects.get(action="statement_layout_drop")
    assert dropped.detail["layout"]["lines"][1]["formula"] == "102"  # what was dropped, kept in the log


def test_dropping_needs_an_override_and_the_right(books, county_admin, heitan_admin, region_tree):
    with pytest.raises(DomainError) as error:
        statement_layout_override_drop(
            actor=county_admin, chart="2023", kind=SHEET, region=region_tree[COUNTY]
        )
    assert error.value.problems[0].message == NO_OVERRIDE.format(
        region="江油市", statement="资产负债表", chart="2023"
    )

    save(county_admin, cash_from_bank_only(), region=region_tree[COUNTY])
    with pytest.raises(NotPermitted):
        statement_layout_override_drop(
            actor=heitan_admin, chart="2023", kind=SHEET, region=region_tree[COUNTY]
        )
    with pytest.raises(CommandError, match="需要 --region"):
        call_command("statement_layout", "drop", "--kind", SHEET, stdout=io.StringIO())
    assert (
        layout_in_force(chart="2023", kind=SHEET, region=region_tree[HEITAN]).region_id
        == region_tree[COUNTY].pk
    )
