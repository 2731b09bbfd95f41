"""The fund passport and project execution through the API: the identity on every row, the
drill-down to lines and payees, a region's villages, and 404 for another township."""

from __future__ import annotations

from villagebooks.funds import services
from villagebooks.funds.tests.support import advance_to, import_allocations, import_projects
from villagebooks.ledger.tests.books import post

FUND = "县交通局道路补助"


def _books(ledger, accountant, reviewer, manager, tmp_path):
    import_allocations(tmp_path, accountant)
    import_projects(tmp_path, accountant)
    advance_to(ledger, manager, "P01", "实施")
    services.milestones_set(
        actor=accountant,
        ledger=ledger,
        code="P01",
        milestones=[services.MilestoneInput("开工预付 40%", "实施", 8_000_000)],
    )
    from villagebooks.ledger import services as ledger_services

    ledger_services.counterparty_create(actor=accountant, ledger=ledger, name="江油市交通运输局")
    post(
        ledger,
        accountant,
        reviewer,
        f"""
        2025-03-02 收到道路补助
          借 102 银行存款   300000.00
          贷 241 专项应付款 300000.00  fund={FUND}
        2025-04-10 道路硬化工程款
          借 153 在建工程   50000.00  fund={FUND} project=P01
          贷 102 银行存款   50000.00
        2025-11-10 结余退回
          借 241 专项应付款  20000.00  fund={FUND} party=江油市交通运输局
          贷 102 银行存款    20000.00
        """,
    )


def test_the_passport_lines_and_execution(
    ledger, accountant, reviewer, manager, tmp_path, acc, api_as, outsider
):
    _books(ledger, accountant, reviewer, manager, tmp_path)
    body = acc.get("/api/funds/HT01/passport?to=2025-12").json()
    [row] = body["rows"]
    assert (row["allocated"], row["spent"], row["committed"], row["balance"], row["returned"]) == (
        "300000.00",
        "50000.00",
        "30000.00",
        "200000.00",
        "20000.00",
    )
    lines = acc.get(f"/api/funds/HT01/passport/lines?to=2025-12&figure=returned&fund={row['fund_id']}").json()
    assert lines["total"] == "20000.00" and [x["summary"] for x in lines["lines"]] == ["结余退回"]
    region = acc.get("/api/funds/510781000000/passport?to=2025-12").json()
    assert [v["ledger"] for v in region["villages"]] == ["HT01"]
    [execution] = acc.get("/api/funds/HT01/execution?to=2025-12").json()
    assert (execution["rate"], execution["paid"], execution["overdue"]) == ("25.00", "50000.00", True)
    assert acc.get("/api/funds/HT01/execution?to=2025-09&overdue=true").json() == []
    project = acc.get("/api/funds/HT01/passport?to=2025-12&project=P01").json()
    assert project["rows"][0]["spent"] == "50000.00" and project["rows"][0]["returned"] == "0.00"
    assert api_as(outsider).get("/api/funds/HT01/passport?to=2025-12").status_code == 404
    assert acc.get("/api/funds/HT01/passport?to=2025-13").status_code == 422


def test_the_reports_of_the_catalogue_through_the_api(ledger, accountant, reviewer, manager, tmp_path, acc):
    _books(ledger, accountant, reviewer, manager, tmp_path)
    body = acc.get("/api/ledgers/HT01/reports/fund-passport?from=2025-01&to=2025-12").json()
    assert body["rows"][0]["allocation"] == "A-2025-01" and body["rows"][0]["returned"] == "20000.00"
    body = acc.get("/api/ledgers/HT01/reports/funds-unspent?from=2025-12&to=2025-12&months=6").json()
    assert [row["unspent"] for row in body["rows"]] == ["230000.00"]
