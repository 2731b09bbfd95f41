"""Pure rules, no database: voucher checks and the year-close builder."""

from hypothesis import given
from hypothesis import strategies as st

from villagebooks.ledger.domain.chart import chart_rules, chart_templates
from villagebooks.ledger.domain.closing import YearEndBalance, build_year_close
from villagebooks.ledger.domain.vouchers import LineInput, check_voucher, negate

RULES = chart_rules("2023")


def test_the_2023_chart_has_42_accounts_and_its_dimension_rules():
    templates = {t.code: t for t in chart_templates("2023")}
    assert len(templates) == 42
    assert (
        templates["241"].requires_fund and templates["503"].requires_fund and templates["231"].requires_fund
    )
    assert templates["112"].requires_counterparty and templates["211"].requires_counterparty
    assert not templates["102"].requires_fund
    assert len(chart_templates("2004")) == 35  # the 33 of the reference with 161 and 241 (UNSURE)
    assert chart_templates("2004")[-1].code == "561" and {"161", "241"} <= {
        t.code for t in chart_templates("2004")
    }


def test_a_balanced_two_line_voucher_has_no_problems():
    assert check_voucher([LineInput("a", "513", debit_fen=100), LineInput("a", "102", credit_fen=100)]) == []


amounts = st.integers(min_value=1, max_value=10**12)


@given(st.lists(amounts, min_size=1, max_size=6), st.lists(amounts, min_size=1, max_size=6))
def test_check_voucher_accepts_exactly_the_balanced_ones(debits, credits):
    lines = [LineInput("x", "513", debit_fen=d) for d in debits] + [
        LineInput("x", "102", credit_fen=c) for c in credits
    ]
    problems = check_voucher(lines)
    assert (problems == []) == (sum(debits) == sum(credits))


@given(st.lists(amounts, min_size=1, max_size=5))
def test_a_red_copy_negates_every_amount_on_the_same_side(values):
    lines = [LineInput("x", "513", debit_fen=v) for v in values] + [
        LineInput("x", "102", credit_fen=sum(values))
    ]
    red = negate(lines)
    assert [r.debit_fen for r in red] == [-line.debit_fen for line in lines]
    assert check_voucher(red, allow_negative=True) == []
    assert check_voucher(red) != []  # negative amounts only in reversals


balances = st.lists(
    st.builds(
        YearEndBalance,
        account_code=st.sampled_from(["501", "502", "503", "504", "511", "513", "514", "521"]),
        category=st.just("income"),
        net_debit_fen=st.integers(min_value=-(10**10), max_value=10**10),
    ).map(
        lambda b: YearEndBalance(
            b.account_code, "income" if b.account_code.startswith("50") else "expense", b.net_debit_fen
        )
    ),
    max_size=8,
)


@given(
    balances,
    st.integers(-(10**9), 10**9),
    st.integers(0, 10**9),
    st.dictionaries(st.sampled_from(["提取公积公益金", "向成员分配"]), st.integers(0, 10**9)),
)
def test_every_closing_voucher_balances_and_income_and_expense_end_at_zero(
    year_end, profit_before, appropriated_before, appropriations
):
    vouchers = build_year_close(
        year=2025,
        rules=RULES,
        balances=year_end,
        profit_net_debit_fen=profit_before,
        appropriation_net_debit_fen=appropriated_before,
        appropriations=appropriations,
        members_counterparty="全体成员",
    )
    net: dict[str, int] = {}
    for b in year_end:
        net[b.account_code] = net.get(b.account_code, 0) + b.net_debit_fen
    net[RULES.profit_account] = profit_before
    net[RULES.appropriation_code] = appropriated_before
    for voucher in vouchers:
        assert check_voucher(list(voucher.lines)) == [], voucher
        for line in voucher.lines:
            net[line.account_code] = net.get(line.account_code, 0) + line.debit_fen - line.credit_fen
    for code, value in net.items():
        if code[0] == "5" or code in (RULES.profit_account, RULES.appropriation_code):
            assert value == 0, code


def test_a_profit_is_closed_to_the_credit_of_undistributed_income():
    vouchers = build_year_close(
        year=2025,
        rules=RULES,
        balances=[YearEndBalance("501", "income", -1000), YearEndBalance("513", "expense", 300)],
        profit_net_debit_fen=0,
        appropriation_net_debit_fen=0,
        appropriations={},
        members_counterparty="全体成员",
    )
    assert [v.summary for v in vouchers] == ["结转本年收益", "结转本年收益至未分配收益"]
    assert [(line.account_code, line.debit_fen, line.credit_fen) for line in vouchers[1].lines] == [
        ("321", 700, 0),
        ("32201", 0, 700),
    ]
