"""The entry grid's reading rules, without a database: which rows are lines, how an account cell
is resolved (code, name, path, pinyin initials; never a guess), where each problem shows."""

from datetime import date

from villagebooks.common.errors import FieldProblem
from villagebooks.ledger.domain.vouchers import TOO_FEW_LINES, LineInput
from villagebooks.workspace.vouchers import grid

ACCOUNTS = [
    grid.account_choice(
        code="102", name="银行存款", parent_names=[], requires_fund=False, requires_counterparty=False
    ),
    grid.account_choice(
        code="112", name="应收款", parent_names=[], requires_fund=False, requires_counterparty=True
    ),
    grid.account_choice(
        code="241", name="专项应付款", parent_names=[], requires_fund=True, requires_counterparty=False
    ),
    grid.account_choice(
        code="51301",
        name="办公费",
        parent_names=["管理费用"],
        requires_fund=False,
        requires_counterparty=False,
    ),
    grid.account_choice(
        code="50201",
        name="办公费",
        parent_names=["经营支出"],
        requires_fund=False,
        requires_counterparty=False,
    ),
]


def test_pinyin_initials_of_account_names():
    assert grid.pinyin_initials("管理费用") == "glfy"
    assert grid.pinyin_initials("银行存款") == "yhck"  # 行 read háng in 银行
    assert grid.pinyin_initials("长期借款") == "cqjk"
    assert grid.pinyin_initials("ABC公司2号") == "abcgs2h"


def test_an_account_choice_carries_its_path_and_both_initials():
    office = ACCOUNTS[3]
    assert office.path == "管理费用/办公费"
    assert (office.initials, office.path_initials) == ("bgf", "glfybgf")
    assert office.as_json() == {
        "code": "51301",
        "name": "办公费",
        "path": "管理费用/办公费",
        "py": "bgf",
        "ppy": "glfybgf",
        "fund": False,
        "party": False,
    }


def test_an_account_cell_is_read_by_code_name_path_or_initials():
    assert grid.resolve_account("102", ACCOUNTS) == ("102", "")
    assert grid.resolve_account("102 银行存款", ACCOUNTS) == ("102", "")
    assert grid.resolve_account("  51301  ", ACCOUNTS) == ("51301", "")
    assert grid.resolve_account("银行存款", ACCOUNTS) == ("102", "")
    assert grid.resolve_account("yhck", ACCOUNTS) == ("102", "")
    assert grid.resolve_account("YHCK", ACCOUNTS) == ("102", "")
    assert grid.resolve_account("管理费用/办公费", ACCOUNTS) == ("51301", "")
    assert grid.resolve_account("管理费用-办公费", ACCOUNTS) == ("51301", "")
    assert grid.resolve_account("glfybgf", ACCOUNTS) == ("51301", "")
    assert grid.resolve_account("", ACCOUNTS) == ("", "")


def test_digits_go_to_the_service_as_a_code_even_when_not_in_the_list():
    # The service says whether 999 exists, is a leaf and is active: one rule, one place.
    assert grid.resolve_account("999", ACCOUNTS) == ("999", "")


def test_an_ambiguous_or_unknown_account_is_refused_not_guessed():
    code, problem = grid.resolve_account("办公费", ACCOUNTS)
    assert code == ""
    assert problem == "“办公费”对应多个科目（51301 管理费用/办公费、50201 经营支出/办公费），请输入科目编码"
    code, problem = grid.resolve_account(
        "glf", ACCOUNTS
    )  # a prefix only: the page's menu offers, the server takes exact
    assert (code, problem) == ("", "科目“glf”不存在于本账套，请输入科目编码、名称或拼音首字母")


def test_rows_are_read_from_the_posted_cells_and_capped():
    data = {"line-count": "3", "line-0-summary": " 买纸 ", "line-0-debit": "12.50", "line-2-account": "102"}
    rows, problem = grid.rows_from_post(data)
    assert problem == ""
    assert [(r.summary, r.account, r.debit) for r in rows] == [
        ("买纸", "", "12.50"),
        ("", "", ""),
        ("", "102", ""),
    ]
    assert rows[1].is_blank() and not rows[2].is_blank()
    rows, problem = grid.rows_from_post({"line-count": "51"})
    assert (len(rows), problem) == (50, "一张凭证最多 50 条分录")
    assert grid.rows_from_post({"line-count": "x"}) == ([], "")


def test_lines_skip_blank_rows_and_keep_the_grid_row_number():
    rows = [
        grid.GridRow(summary="买纸", account="glfybgf", debit="1,234.50"),
        grid.GridRow(),
        grid.GridRow(summary="买纸", account="yhck", credit="1234.5"),
    ]
    lines = grid.lines_from_rows(rows, ACCOUNTS)
    assert lines == [
        LineInput(summary="买纸", account_code="51301", debit_fen=123_450, row=1),
        LineInput(summary="买纸", account_code="102", credit_fen=123_450, row=3),
    ]
    assert all(not row.errors for row in rows)


def test_unreadable_cells_get_their_own_message():
    rows = [
        grid.GridRow(summary="买纸", account="zz", debit="12.345"),
        grid.GridRow(summary="x", credit="abc"),
    ]
    grid.lines_from_rows(rows, ACCOUNTS)
    assert rows[0].errors == {
        "account": "科目“zz”不存在于本账套，请输入科目编码、名称或拼音首字母",
        "debit": "金额最多两位小数",
    }
    assert rows[1].errors == {"credit": "不是有效的金额"}


def test_problems_land_on_their_cells_and_the_rest_is_returned():
    rows = [grid.GridRow(summary="a"), grid.GridRow(summary="b")]
    left = grid.place_problems(
        rows,
        [
            FieldProblem("fund", "科目 241 必须指定资金来源", 2),
            FieldProblem("fund", "second message for the same cell", 2),
            FieldProblem("lines", TOO_FEW_LINES, 1),
            FieldProblem("date", "期间 2025-01 已结账"),
        ],
    )
    assert rows[1].errors == {"fund": "科目 241 必须指定资金来源"}
    assert [p.field for p in left] == ["lines", "date"]


def test_compact_keeps_the_lines_and_leaves_room_to_type():
    rows = [grid.GridRow(), grid.GridRow(summary="a"), grid.GridRow()]
    shown = grid.compact(rows)
    assert [r.summary for r in shown] == ["a", "", "", "", ""]
    full = [grid.GridRow(summary=str(i)) for i in range(grid.MAX_LINES)]
    assert len(grid.compact(full)) == grid.MAX_LINES
    assert len(grid.compact([grid.GridRow(summary=str(i)) for i in range(7)])) == 8


def test_dates_and_totals():
    assert grid.parse_date("2025-04-02") == (date(2025, 4, 2), "")
    assert grid.parse_date("20250402") == (date(2025, 4, 2), "")
    assert grid.parse_date("") == (None, "请填写凭证日期")
    assert grid.parse_date("2025-02-30") == (None, "日期“2025-02-30”无效，格式应为 YYYY-MM-DD")
    rows = [grid.GridRow(debit="10.00"), grid.GridRow(credit="4"), grid.GridRow(credit="bad")]
    assert grid.totals(rows) == (1000, 400)
