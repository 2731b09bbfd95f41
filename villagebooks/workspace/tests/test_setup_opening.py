"""The opening-balance grid: every leaf account, dimensions where required, saved only balanced."""

import pytest

from villagebooks.ledger import services
from villagebooks.ledger.models import AccountBalance, Ledger, LedgerStatus, OpeningBalance
from villagebooks.ledger.tests.books import balance, post
from villagebooks.workspace.tests import setup_support
from villagebooks.workspace.tests.setup_support import queries_of, rows, text

outsider, supervisor = setup_support.outsider, setup_support.supervisor  # fixtures

URL = "/ledgers/TM01/opening-balances/"
FIELDS = ("account", "fund", "counterparty", "debit", "credit")


@pytest.fixture
def tm01(new_ledger, accountant):
    """土门村's ledger in set-up, with a fund, two households and a bank sub-account."""
    services.fund_create(
        actor=accountant, ledger=new_ledger, name="县交通局道路补助", kind="earmarked_transfer"
    )
    for name in ("张三", "李四"):
        services.counterparty_create(actor=accountant, ledger=new_ledger, name=name, kind="household")
    services.account_add(actor=accountant, ledger=new_ledger, parent_code="102", code="10201", name="信用社")
    return new_ledger


def _grid(client):
    """The grid's rows as the page sends them back untouched: (account, fund, party, debit, credit)."""
    page = client.get(URL)
    return page, [(r.account.code, r.fund, r.counterparty, r.debit, r.credit) for r in page.context["rows"]]


def _post(client, entries: dict, extra: tuple = ()):
    """Post the page's grid with amounts filled in: ``entries`` maps an account (its first row)
    to (fund, counterparty, debit, credit); ``extra`` rows follow their account's first row, as
    the "add a row" button inserts them."""
    _page, grid = _grid(client)
    posted = []
    for code, *values in grid:
        posted.append((code, *entries.pop(code)) if code in entries else (code, *values))
        posted.extend(row for row in extra if row[0] == code)
    assert not entries, f"no such rows: {entries}"
    return client.post(URL, {name: [row[i] for row in posted] for i, name in enumerate(FIELDS)})


def _openings(ledger):
    return sorted(
        (
            o.account.code,
            o.fund.name if o.fund else "",
            o.counterparty.name if o.counterparty else "",
            o.debit_fen,
            o.credit_fen,
        )
        for o in OpeningBalance.objects.filter(ledger=ledger).select_related(
            "account", "fund", "counterparty"
        )
    )


def test_the_grid_lists_every_leaf_account_with_its_dimensions(client, tm01, accountant):
    client.force_login(accountant)
    page, grid = _grid(client)
    assert page.status_code == 200
    codes = [row[0] for row in grid]
    # Leaves only: 102 has a sub-account now and 322 has two; every row starts empty.
    assert "102" not in codes and "10201" in codes and "322" not in codes
    assert codes[:3] == ["101", "10201", "111"]
    assert {"32201", "32202", "241", "112"} <= set(codes)
    assert len(codes) == 42 - 2 + 3
    assert all(row[1:] == ("", "", "", "") for row in grid)
    html = page.content.decode()
    assert 'aria-label="241 的资金来源"' in html and 'aria-label="112 的往来单位"' in html
    assert 'aria-label="101 的资金来源"' not in html
    assert "<option>县交通局道路补助</option>" in html and "<option>李四</option>" in html
    assert rows(page)["difference"] == ["", "差额（借方 − 贷方）", "0.00"]
    assert "借贷平衡，合计 0.00" in text(page)


def test_a_balanced_grid_is_saved_with_its_dimensions_and_activates_the_ledger(client, tm01, accountant):
    client.force_login(accountant)
    response = _post(
        client,
        {
            "10201": ("", "", "80,000.00", ""),
            "112": ("", "张三", "1200.5", ""),
            "241": ("县交通局道路补助", "", "", "30000"),
            "301": ("", "", "", "51200.50"),
        },
        extra=(("112", "", "李四", "", ""),),  # an added row left empty is ignored
    )
    assert response.status_code == 302 and response["Location"] == URL
    assert _openings(tm01) == [
        ("10201", "", "", 8_000_000, 0),
        ("112", "", "张三", 120_050, 0),
        ("241", "县交通局道路补助", "", 0, 3_000_000),
        ("301", "", "", 0, 5_120_050),
    ]
    assert Ledger.objects.get(pk=tm01.pk).status == LedgerStatus.ACTIVE
    assert balance(tm01, "102") == 8_000_000
    page, grid = _grid(client)
    assert "期初余额已保存：借方合计 81,200.50，贷方合计 81,200.50" in text(page)
    # Shown again with thousands separators; saving the page as shown changes nothing.
    assert ("112", "", "张三", "1,200.50", "") in grid and (
        "241",
        "县交通局道路补助",
        "",
        "",
        "30,000.00",
    ) in grid
    assert ("10201", "", "", "80,000.00", "") in grid
    assert rows(page)["total"] == ["", "合计", "81,200.50", "81,200.50"]


def test_two_households_on_one_account_take_two_rows(client, tm01, accountant):
    client.force_login(accountant)
    response = _post(
        client,
        {"112": ("", "张三", "100.00", ""), "301": ("", "", "", "300.00")},
        extra=(("112", "", "李四", "200.00", ""),),
    )
    assert response.status_code == 302
    assert _openings(tm01) == [
        ("112", "", "张三", 10_000, 0),
        ("112", "", "李四", 20_000, 0),
        ("301", "", "", 0, 30_000),
    ]
    _page, grid = _grid(client)
    assert [row for row in grid if row[0] == "112"] == [
        ("112", "", "张三", "100.00", ""),
        ("112", "", "李四", "200.00", ""),
    ]


def test_an_unbalanced_grid_is_refused_and_the_stored_balances_stay(client, tm01, accountant):
    services.opening_balances_set(
        actor=accountant,
        ledger=tm01,
        rows=[services.OpeningInput("10201", debit_fen=500), services.OpeningInput("301", credit_fen=500)],
    )
    client.force_login(accountant)
    response = _post(client, {"10201": ("", "", "100.00", ""), "301": ("", "", "", "90.00")})
    assert response.status_code == 400
    assert "期初余额不平衡：借方合计 100.00，贷方合计 90.00" in text(response)
    assert rows(response)["total"] == ["", "合计", "100.00", "90.00"]
    assert rows(response)["difference"] == ["", "差额（借方 − 贷方）", "10.00"]
    assert "借贷不平衡，差额 10.00，不能保存" in text(response)
    # What was typed is shown again, not what is stored.
    typed = [(r.account.code, r.debit, r.credit) for r in response.context["rows"] if r.debit or r.credit]
    assert typed == [("10201", "100.00", ""), ("301", "", "90.00")]
    assert _openings(tm01) == [("10201", "", "", 500, 0), ("301", "", "", 0, 500)]


@pytest.mark.parametrize(
    ("entries", "account", "message"),
    [
        ({"10201": ("", "", "12.345", "")}, "10201", "借方：金额最多两位小数"),
        ({"10201": ("", "", "abc", "")}, "10201", "借方：不是有效的金额"),
        ({"10201": ("", "", "", "-5")}, "10201", "贷方：金额不能为负数"),
        ({"10201": ("", "", "5", "5")}, "10201", "借方和贷方只能填一个"),
        ({"241": ("", "", "", "5"), "10201": ("", "", "5", "")}, "241", "科目 241 必须指定资金来源"),
        ({"112": ("", "", "5", ""), "301": ("", "", "", "5")}, "112", "科目 112 必须指定往来单位"),
        ({"112": ("", "王五", "5", ""), "301": ("", "", "", "5")}, "112", "往来单位“王五”不存在于本账套"),
    ],
)
def test_bad_rows_are_marked_with_their_reason_and_nothing_is_saved(
    client, tm01, accountant, entries, account, message
):
    client.force_login(accountant)
    response = _post(client, entries)
    assert response.status_code == 400
    marked = [(r.account.code, r.errors) for r in response.context["rows"] if r.errors]
    assert marked == [(account, [message])]
    assert "有 1 行需要修改" in text(response)
    assert f"{account} " in text(response) and message in text(response)
    assert OpeningBalance.objects.filter(ledger=tm01).count() == 0
    assert Ledger.objects.get(pk=tm01.pk).status == LedgerStatus.SETUP


def test_a_grid_whose_columns_do_not_line_up_is_refused(client, tm01, accountant):
    client.force_login(accountant)
    data = {
        "account": ["10201", "301"],
        "fund": ["", ""],
        "counterparty": ["", ""],
        "debit": ["5"],
        "credit": ["", "5"],
    }
    response = client.post(URL, data)
    assert response.status_code == 400
    assert "表格数据不完整，请刷新页面后重新填写" in text(response)
    assert OpeningBalance.objects.filter(ledger=tm01).count() == 0


def test_once_anything_is_posted_the_opening_is_read_only(client, ledger, accountant, reviewer):
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-01-10 购买办公用品
          借 513 管理费用   100.00
          贷 102 银行存款   100.00
    """,
    )
    client.force_login(accountant)
    page = client.get("/ledgers/HT01/opening-balances/")
    assert page.status_code == 200
    assert "账套已有记账凭证，期初余额已是账簿的一部分，不能再修改。" in text(page)
    html = page.content.decode()
    assert 'name="debit"' not in html and "保存期初余额" not in html
    values = [(r.account.code, r.debit, r.credit) for r in page.context["rows"] if r.debit or r.credit]
    assert values == [("102", "80,000.00", ""), ("301", "", "80,000.00")]
    response = client.post(
        "/ledgers/HT01/opening-balances/",
        {"account": ["102"], "fund": [""], "counterparty": [""], "debit": ["1"], "credit": [""]},
    )
    assert response.status_code == 400
    assert "账套已有记账凭证，不能再修改期初余额" in text(response)
    assert AccountBalance.objects.filter(ledger=ledger, month=0).count() == 2


def test_viewers_read_the_grid_and_cannot_save_it(client, tm01, accountant, reviewer, supervisor):
    services.opening_balances_set(
        actor=accountant,
        ledger=tm01,
        rows=[services.OpeningInput("10201", debit_fen=500), services.OpeningInput("301", credit_fen=500)],
    )
    for user in (reviewer, supervisor):
        client.force_login(user)
        page = client.get(URL)
        assert page.status_code == 200
        assert 'name="debit"' not in page.content.decode()
        assert "您可以查看期初余额；录入和修改需要建账权限。" in text(page)
        response = client.post(
            URL, {"account": ["10201"], "fund": [""], "counterparty": [""], "debit": [""], "credit": [""]}
        )
        assert response.status_code == 403
    assert _openings(tm01) == [("10201", "", "", 500, 0), ("301", "", "", 0, 500)]


def test_another_townships_accountant_gets_404(client, tm01, outsider):
    client.force_login(outsider)
    assert client.get(URL).status_code == 404
    response = client.post(URL, {"account": [], "fund": [], "counterparty": [], "debit": [], "credit": []})
    assert response.status_code == 404
    assert Ledger.objects.get(pk=tm01.pk).status == LedgerStatus.SETUP


def test_the_grid_costs_the_same_queries_whatever_the_number_of_rows(client, tm01, accountant):
    client.force_login(accountant)
    few = queries_of(client, URL)
    for number in range(1, 11):
        services.account_add(
            actor=accountant, ledger=tm01, parent_code="513", code=f"513{number:02d}", name=f"费用{number}"
        )
    services.opening_balances_set(
        actor=accountant,
        ledger=tm01,
        rows=[
            services.OpeningInput("112", debit_fen=100, counterparty_name=name) for name in ("张三", "李四")
        ]
        + [services.OpeningInput("301", credit_fen=200)],
    )
    assert queries_of(client, URL) == few
