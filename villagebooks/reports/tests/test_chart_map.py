"""Mixed charts (issue 16, part 5): a county whose villages keep books on the 2004 and the 2023
charts adds the 2004 ones to its 2023 trial balance and statements through the 新旧衔接 map
(``data/chart-map-2004-2023.json``), says how many ledgers on which chart it added and which
pairs of the map are not confirmed; the map is checked and an installation may correct it.

江油市 has 黑滩村 (HT01, 2023 chart, 新安镇) and 青林村 (QL04, 2004 chart, 武都镇), both from
January 2023. QL04 opens with 银行存款 50,000 against 资本, then in 2023: 应付款 (2004: 202)
1,000 received, 管理费用 (541) 600, 发包及上交收入 (511, UNSURE → 501) 8,000, 在建工程 (154 → 153)
2,000. HT01 opens with 银行存款 80,000 against 资本 and books 经营收入 5,000 and 应付款 (211) 700.
"""

import json

import pytest

from villagebooks.common.errors import NotPermitted
from villagebooks.ledger import services
from villagebooks.ledger.domain.chart import DATA_DIR, chart_templates
from villagebooks.ledger.tests.books import post
from villagebooks.reports.chart_map import FILE_NAME, ChartMapError, chart_map, load_map
from villagebooks.reports.scope import scope_for_region
from villagebooks.reports.statements import build_balance_sheet, build_income_statement
from villagebooks.reports.trial_balance import build_trial_balance

COUNTY, WUDU = "510781000000", "510781101000"

OLD_2023 = """
    2023-02-01 收到应付款
      借 102 银行存款          1000.00
      贷 202 应付款            1000.00  party=张三
    2023-03-01 收到土地发包款
      借 102 银行存款          8000.00
      贷 511 发包及上交收入    8000.00
    2023-05-01 购买办公用品
      借 541 管理费用           600.00
      贷 102 银行存款           600.00
    2023-06-01 修建水渠
      借 154 在建工程          2000.00
      贷 102 银行存款          2000.00
"""

NEW_2023 = """
    2023-04-01 收到鱼塘承包费
      借 102 银行存款          5000.00
      贷 501 经营收入          5000.00
    2023-04-02 收到押金
      借 102 银行存款           700.00
      贷 211 应付款             700.00  party=张三
"""


def _ledger(actor, checker, *, village, code, chart, opening_fen, text):
    ledger = services.ledger_create(
        actor=actor, village_code=village, code=code, name=code, chart=chart, start_year=2023, start_month=1
    )
    services.counterparty_create(actor=actor, ledger=ledger, name="张三", kind="household")
    services.opening_balances_set(
        actor=actor,
        ledger=ledger,
        rows=[
            services.OpeningInput(account_code="102", debit_fen=opening_fen),
            services.OpeningInput(account_code="301", credit_fen=opening_fen),
        ],
    )
    ledger.refresh_from_db()
    post(ledger, actor, checker, text)
    return ledger


@pytest.fixture
def county(region_tree, accountant, reviewer, make_user):
    wudu = make_user("wudu-accountant", "accountant", region_tree[WUDU])
    wudu_reviewer = make_user("wudu-reviewer", "reviewer", region_tree[WUDU])
    _ledger(
        accountant,
        reviewer,
        village="510781100201",
        code="HT01",
        chart="2023",
        opening_fen=8_000_000,
        text=NEW_2023,
    )
    _ledger(
        wudu,
        wudu_reviewer,
        village="510781101201",
        code="QL04",
        chart="2004",
        opening_fen=5_000_000,
        text=OLD_2023,
    )
    return make_user("county", "county", region_tree[COUNTY])


def _scope(user, chart="2023"):
    return scope_for_region(user=user, region_code=COUNTY, from_key=202301, to_key=202312, chart=chart)


def test_the_shipped_map_covers_every_2004_account_with_a_2023_one_and_names_its_source():
    mapping = load_map(DATA_DIR / FILE_NAME)
    assert {t.code for t in chart_templates("2004")} <= set(mapping.pairs)
    assert {p.new for p in mapping.pairs.values()} <= {t.code for t in chart_templates("2023")}
    assert "财会〔2023〕14号" in mapping.source
    # The chart's own notes: 在建工程 was 154, 固定资产清理 153, 应付款 202, 应付工资 211.
    assert [mapping.new_code(c) for c in ("154", "153", "202", "211", "541", "20201")] == [
        "153",
        "154",
        "211",
        "212",
        "513",
        "21101",
    ]
    unsure = {p.old for p in mapping.unsure}
    assert {"212", "511"} <= unsure  # 应付福利费 and 发包及上交收入: accounting-rules.md says UNSURE
    assert all(p.unsure for p in mapping.unsure)


def test_a_county_trial_balance_adds_the_2004_ledgers_under_their_2023_codes(county):
    scope = _scope(county)
    assert len(scope.ledger_ids) == 1 and len(scope.mapped_ledger_ids) == 1
    report = build_trial_balance(scope)
    rows = {row.code: row for row in report.rows}
    assert report.is_balanced
    assert rows["102"].closing_fen == 8_000_000 + 570_000 + 5_000_000 + 640_000
    assert rows["211"].closing_credit_fen == 70_000 + 100_000  # 202 应付款 of the 2004 ledger
    assert rows["211"].name == "应付款"
    assert rows["153"].closing_fen == 200_000 and rows["153"].name == "在建工程"  # was 154
    assert rows["513"].debit_fen == 60_000  # 541 管理费用
    assert rows["501"].credit_fen == 500_000 + 800_000  # 511 发包及上交收入 (UNSURE → 经营收入)
    assert "541" not in rows and "202" not in rows  # no old codes left
    note = scope.mapping_note
    assert "1 个 2023 制度账套" in note and "1 个 2004 制度账套" in note
    assert "212→211" in note and "511→501" in note


def test_the_county_statements_include_every_village(county):
    sheet = build_balance_sheet(_scope(county))
    assert sheet.is_balanced
    native = build_balance_sheet(_scope(county).native())
    total = sheet.check[0]  # 资产总计
    by_line = {row.line_no: row.amounts for row in sheet.rows if row.amounts}
    native_lines = {row.line_no: row.amounts for row in native.rows if row.amounts}
    # QL04's assets at the end of 2023: 银行存款 56,400 (50,000 + 1,000 + 8,000 − 600 − 2,000) + 在建工程 2,000.
    assert by_line[total][1] - native_lines[total][1] == 5_640_000 + 200_000
    income = build_income_statement(_scope(county))
    labels = {row.label: row.amounts for row in income.rows if row.amounts}
    operating = next(v for k, v in labels.items() if "经营收入" in k)
    assert operating[1] == 500_000 + 800_000


def test_choosing_the_2004_chart_still_adds_only_2004_ledgers_unmapped(county):
    scope = _scope(county, chart="2004")
    assert scope.mapped_ledger_ids == () and scope.mapping_note == ""
    rows = {row.code: row for row in build_trial_balance(scope).rows}
    assert rows["202"].closing_credit_fen == 100_000 and "211" not in rows


def test_a_township_user_adds_only_what_it_may_see(county, accountant):
    scope = scope_for_region(user=accountant, region_code="510781100000", from_key=202301, to_key=202312)
    assert scope.mapped_ledger_ids == ()
    with pytest.raises(NotPermitted):
        scope_for_region(user=accountant, region_code=WUDU, from_key=202301, to_key=202312)


def test_the_county_page_says_what_it_added(client, county):
    client.force_login(county)
    html = client.get(
        f"/regions/{COUNTY}/reports/trial-balance/", {"from": "2023-01", "to": "2023-12"}
    ).content
    assert "另有 1 个 2004 制度账套按新旧衔接科目对照并入" in html.decode()
    xlsx = client.get(f"/regions/{COUNTY}/reports/balance-sheet.xlsx", {"from": "2023-01", "to": "2023-12"})
    assert xlsx.status_code == 200


def test_an_installation_corrects_the_map_and_a_broken_one_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("VILLAGEBOOKS_HOME", str(tmp_path))
    data = json.loads((DATA_DIR / FILE_NAME).read_text(encoding="utf-8"))
    for row in data["accounts"]:
        if row["from"] == "212":  # the county decides 应付福利费 goes to 应付工资
            row["to"], row.pop("unsure")
            row["to"] = "212"
    (tmp_path / FILE_NAME).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    mapping = chart_map()
    assert mapping.path == tmp_path / FILE_NAME
    assert mapping.new_code("212") == "212" and "212" not in {p.old for p in mapping.unsure}
    data["accounts"] = [row for row in data["accounts"] if row["from"] != "541"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ChartMapError, match="541"):
        load_map(broken)
    data["accounts"].append({"from": "541", "to": "999"})
    broken.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ChartMapError, match="999"):
        load_map(broken)


def test_a_broken_installation_map_is_an_error_at_the_chart_field_not_wrong_figures(
    client, county, tmp_path, monkeypatch
):
    monkeypatch.setenv("VILLAGEBOOKS_HOME", str(tmp_path))
    data = json.loads((DATA_DIR / FILE_NAME).read_text(encoding="utf-8"))
    data["accounts"] = [row for row in data["accounts"] if row["from"] != "541"]
    (tmp_path / FILE_NAME).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    client.force_login(county)
    response = client.get(f"/regions/{COUNTY}/reports/trial-balance/", {"from": "2023-01", "to": "2023-12"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "新旧科目对照表 chart-map-2004-2023.json 有误" in html and "541" in html
    assert 'data-code="102"' not in html
