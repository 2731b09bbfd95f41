"""The statistics (农经统计年报, issue 16 part 2) and the dashboard (part 3) on the demo county.

Every check of every form passes for the county, each township and each village, in the closed
year and the open one; the cells agree with the statements they restate and with the per-village
breakdown; the counts are the register's; a broken form (a row's formula wrong) makes its check
fail, with both sides' figures and the villages named. The dashboard's figures are the reports'.

The demo is loaded once for the module inside a transaction rolled back at its end, so this
module holds only tests that read it.
"""

from __future__ import annotations

import io
import json
from datetime import date

import openpyxl
import pytest
from django.core.management import call_command

from villagebooks.common.errors import DomainError
from villagebooks.ledger.domain.chart import DATA_DIR
from villagebooks.reports.breakdown import build_village_statements
from villagebooks.reports.catalog import REPORT_KINDS
from villagebooks.reports.dashboard import build_dashboard
from villagebooks.reports.scope import scope_for_region
from villagebooks.reports.statements import build_balance_sheet, build_income_statement
from villagebooks.reports.statistics import build_statistics, drill_rows, form_for, statistics_rows
from villagebooks.reports.xlsx import render_xlsx

COUNTY = "510781000000"
FORMS = ("income-distribution", "assets-liabilities", "basic")


@pytest.fixture(scope="module")
def demo_county(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo county (4 villages, 2025 closed, 2026 booked to November), loaded once for the module."""
    from django.db import transaction
    from django.test import override_settings

    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    with django_db_blocker.unblock(), media, transaction.atomic():
        call_command(
            "demo",
            villages=4,
            vouchers=40,
            seed=5,
            today=date(2026, 11, 28),
            planted_villages=0,
            stdout=io.StringIO(),
        )
        yield
        transaction.set_rollback(True)


@pytest.fixture
def county_user(demo_county, db):
    from villagebooks.regions.services import system_user

    return system_user()


def _scope(user, year: int, region: str = COUNTY):
    return scope_for_region(user=user, region_code=region, from_key=year * 100 + 1, to_key=year * 100 + 12)


def _regions():
    from villagebooks.regions.models import Region

    return list(
        Region.objects.filter(kind__in=["county", "township", "village"]).values_list("code", flat=True)
    )


@pytest.mark.parametrize("year", [2025, 2026])
@pytest.mark.parametrize("slug", FORMS)
def test_every_check_passes_for_the_county_each_township_and_each_village(county_user, slug, year):
    for code in _regions():
        try:
            scope = _scope(county_user, year, code)
        except Exception:  # noqa: BLE001 -- a region without ledgers (the province above) is not asked
            continue
        table = build_statistics(scope, slug)
        assert table.checks or slug == "basic"
        for result in table.checks:
            assert result.passed, (code, year, result.check.text, result.left, result.right, result.failing)
        assert table.warning is None


def test_the_income_distribution_restates_the_income_statement(county_user):
    scope = _scope(county_user, 2025)
    table = build_statistics(scope, "income-distribution")
    income = build_income_statement(scope)
    line = {row.line_no: row.amounts[0] for row in income.rows if row.amounts is not None}
    value = {x.row.no: x.value for x in table.lines}
    assert value[1] == line[1]  # 经营收入
    assert value[7] == line[6]  # 经营收益
    assert value[11] == line[13]  # 本年收益
    assert value[12] == line[14]  # 年初未分配收益
    assert value[11] > 0 and value[15] > 0  # the demo sets a tenth of a profit aside in 2025
    # 2025 is closed: the year's distribution is 提取公积公益金 and, in the one village that
    # distributed a dividend by shares, 向成员分配 (农户分配) — the same as the statement's lines.
    assert value[15] == value[16] + value[19] and value[19] > 0 and value[20] == 0
    assert (value[16], value[19]) == (line[17], line[18]) and line[19] == 0
    assert value[22] == 4 == value[23] + value[24]
    # Village by village, the counts follow row 7 (经营收益), which is the breakdown's figure.
    breakdown = build_village_statements(scope)
    column = REPORT_KINDS["village-statements"].columns.index("operating_profit") - 3
    assert value[7] == breakdown.total[column]
    per_village = sorted(table.per_village[7].values())
    assert per_village == sorted(r.amounts[column] for r in breakdown.rows)
    assert value[25] == sum(1 for v in per_village if v > 0)
    assert value[26] == sum(1 for v in per_village if 0 < v < 5_000_000)
    assert value[27] == sum(1 for v in per_village if 5_000_000 <= v <= 10_000_000)
    assert value[28] == sum(1 for v in per_village if v > 10_000_000)


def test_the_assets_table_restates_the_balance_sheet_and_compares_with_last_year(county_user):
    table = build_statistics(_scope(county_user, 2026), "assets-liabilities")
    sheet = build_balance_sheet(_scope(county_user, 2026))
    line = {row.line_no: row.amounts for row in sheet.rows if row.amounts is not None}
    value = {x.row.no: x for x in table.lines}
    assert value[2].value == line[1][1]  # 货币资金, 期末
    assert value[18].value == line[21][1] == value[33].value  # 资产总计 = 负债和所有者权益总计
    assert value[28].value == line[41][1] and value[29].value == line[45][1]
    # Last year's 年末 is this year's 年初 (the balance sheet's first column).
    assert value[18].last == line[21][0]
    for x in table.lines:
        pct = x.change_pct
        expected = (
            x.last is not None and x.value != x.last and (pct is None or abs(pct) >= table.threshold * 100)
        )
        assert x.flagged == expected


def test_the_basic_table_counts_the_register(county_user):
    from villagebooks.registry.models import Household, Person

    table = build_statistics(_scope(county_user, 2026), "basic")
    value = {x.row.no: x.value for x in table.lines}
    assert value[1] == 4
    assert value[2] == Household.objects.count() > 0
    assert value[3] == Person.objects.filter(alive=True).count()
    assert value[4] == Person.objects.filter(alive=True, is_member=True).count()
    assert all(x.last is None for x in table.lines)  # the register keeps no years


def test_every_cell_drills_to_the_villages_that_add_up_to_it(county_user):
    table = build_statistics(_scope(county_user, 2026), "income-distribution")
    for line in table.lines:
        if not line.row.has_value:
            continue
        rows = drill_rows(table, line.row.no)
        assert sum(r.value for r in rows) == line.value
        if line.last is not None:
            assert sum(r.last for r in rows) == line.last
        changes = [abs(r.value - (r.last or 0)) for r in rows]
        assert changes == sorted(changes, reverse=True)


def test_a_broken_form_makes_its_check_fail_with_the_figures(county_user, tmp_path, monkeypatch):
    data = json.loads((DATA_DIR / "statistics-forms.json").read_text(encoding="utf-8"))
    form = next(f for f in data["versions"][0]["forms"] if f["slug"] == "income-distribution")
    row = next(r for r in form["rows"] if r["no"] == 1)
    row["formula"] = "501+503"  # 经营收入 wrongly taking in 补助收入
    (tmp_path / "statistics-forms.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("VILLAGEBOOKS_HOME", str(tmp_path))
    table = build_statistics(_scope(county_user, 2025), "income-distribution")
    results = {r.check.text: r for r in table.checks}
    broken = results["7 = 1 + 2 + 3 - 4 - 5"]
    subsidy = next(x.value for x in table.lines if x.row.no == 8)
    assert not broken.passed
    assert broken.right - broken.left == subsidy > 0
    assert broken.failing  # the villages whose own figures do not agree, with both sides
    assert all(right - left > 0 for _village, left, right in broken.failing)
    assert all(r.passed for text, r in results.items() if text != broken.check.text)
    assert "7 = 1 + 2 + 3 - 4 - 5" in table.warning
    kind = REPORT_KINDS["statistics-income-distribution"]
    assert kind.warning(table).startswith("1 项校验未通过")
    assert statistics_rows(table)[0][:3] == [
        1,
        "经营收入",
        str(table.lines[0].value // 100) + "." + f"{table.lines[0].value % 100:02d}",
    ]


def test_a_form_with_a_check_it_cannot_read_is_refused(county_user, tmp_path, monkeypatch):
    data = json.loads((DATA_DIR / "statistics-forms.json").read_text(encoding="utf-8"))
    data["versions"][0]["forms"][0]["checks"].append("7 = 1 + 99")
    (tmp_path / "statistics-forms.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("VILLAGEBOOKS_HOME", str(tmp_path))
    with pytest.raises(DomainError, match="7 = 1 \\+ 99"):
        form_for("income-distribution", 2025)
    with pytest.raises(DomainError, match="2022 年没有适用的统计报表格式"):
        form_for("basic", 2022)


def test_the_xlsx_has_the_forms_layout_and_its_checks(county_user):
    scope = _scope(county_user, 2025)
    kind = REPORT_KINDS["statistics-income-distribution"]
    table = kind.build(scope)
    sheet = openpyxl.load_workbook(io.BytesIO(render_xlsx(kind, scope, table))).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "村集体经济组织收益分配情况"
    assert values[1][4].startswith("农经统计年报 表六")
    assert values[2][0] == "编制单位：江油市" and values[2][2] == "2025 年度"
    assert values[3] == ["行次", "项目", "本年", "上年", "增减%"]
    first = values[4]
    assert first[0] == 1 and first[1] == "经营收入"
    assert round(first[2] * 100) == table.lines[0].value
    villages = next(row for row in values if row[1] == "汇总村数（个）")
    assert villages[2] == 4
    checks = values[values.index(next(r for r in values if r[0] == "表内校验")) + 1 :]
    assert [r[4] for r in checks[:7]] == ["通过"] * 7


def test_the_command_prints_a_year(county_user, capsys):
    call_command(
        "report", "statistics-income-distribution", "--region", COUNTY, "--year", "2025", "--user", "admin"
    )
    out = capsys.readouterr().out
    assert "村集体经济组织收益分配情况" in out and "2025-01 至 2025-12" in out
    assert "校验 7/7 项通过" in out
    call_command(
        "report",
        "statistics-basic",
        "--region",
        COUNTY,
        "--year",
        "2025",
        "--user",
        "admin",
        "--format",
        "csv",
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "line,item,value,last_year,change_percent,flagged"
    assert lines[1] == "1,村数（个）,4,,,"


def test_the_dashboard_figures_are_the_reports(county_user, settings):
    settings.VILLAGEBOOKS_DASHBOARD_ALERT_LEDGERS = 12
    scope = _scope(county_user, 2026)
    board = build_dashboard(scope, user=county_user)
    sheet = build_balance_sheet(scope)
    cash_line = next(row for row in sheet.rows if row.line_no == 1)
    assert board.last_month == 11  # the demo's books run to its "today", 28 November
    assert board.cash.this_year[10] == cash_line.amounts[1] == board.cash_now
    income = build_income_statement(scope)
    line = {row.line_no: row.amounts[0] for row in income.rows if row.amounts is not None}
    assert board.income_total == line[1] + line[5] + line[7] + line[8]
    assert board.spending_total == line[2] + line[3] + line[4] + line[9] + line[10] + line[12]
    assert board.income_total - board.spending_total == line[13]
    last = build_balance_sheet(_scope(county_user, 2025))
    assert board.cash.last_year[11] == next(row for row in last.rows if row.line_no == 1).amounts[1]
    table = build_statistics(scope, "income-distribution")
    value = {x.row.no: x.value for x in table.lines}
    bands = {band.row: band.count for band in board.bands}
    assert bands[None] == value[22] - value[25]
    assert [bands[26], bands[27], bands[28]] == [value[26], value[27], value[28]]
    assert sum(bands.values()) == board.villages == 4
    from villagebooks.ledger.models import Period

    closed = Period.objects.filter(year=2026, month__gte=1, status="closed")
    assert {row.village.ledger_codes[0]: row.months_closed for row in board.closing} == {
        code: closed.filter(ledger__code=code).count()
        for code in {row.village.ledger_codes[0] for row in board.closing}
    }
    assert all(row.months_closed > 0 for row in board.closing)
    from villagebooks.supervision.services import alerts_list

    found = alerts_list(actor=county_user, region_code=COUNTY, first="2026-01", last="2026-12")
    assert board.open_alerts == len(found.alerts)


def test_a_large_region_links_to_its_alerts_instead_of_counting_them(county_user, settings):
    assert build_dashboard(_scope(county_user, 2026), user=county_user).open_alerts is None  # by default
    settings.VILLAGEBOOKS_DASHBOARD_ALERT_LEDGERS = 3
    assert build_dashboard(_scope(county_user, 2026), user=county_user).open_alerts is None
