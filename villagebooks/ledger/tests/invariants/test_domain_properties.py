"""Hypothesis over the pure domain rules (no database): the voucher check, the year-close
builder and the amount in words."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from villagebooks.common.money import amount_in_words
from villagebooks.ledger.domain.chart import chart_rules
from villagebooks.ledger.domain.closing import YearEndBalance, build_year_close
from villagebooks.ledger.domain.vouchers import LineInput, check_voucher, negate

# ---------------------------------------------------------------------------------------------
# check_voucher accepts exactly the sound, balanced vouchers

SUMMARIES = ["购买水泥", "", "   ", "摘" * 200, "摘" * 201]
CODES = ["102", "513", "", "  "]
AMOUNT = st.integers(min_value=1, max_value=10**12)
SIDE = st.one_of(st.just(0), AMOUNT, st.integers(min_value=-(10**6), max_value=-1))


def _well_formed(line: LineInput) -> bool:
    return (
        bool(line.summary.strip())
        and len(line.summary) <= 200
        and bool(line.account_code.strip())
        and (line.debit_fen == 0) != (line.credit_fen == 0)
        and line.debit_fen >= 0
        and line.credit_fen >= 0
    )


@st.composite
def lines_of_vouchers(draw):
    """Lines that are mostly sound; about half the time a last line makes them balance."""
    sound = st.builds(
        lambda on_debit, amount, code: LineInput(
            summary="购买水泥",
            account_code=code,
            debit_fen=amount if on_debit else 0,
            credit_fen=0 if on_debit else amount,
        ),
        st.booleans(),
        AMOUNT,
        st.sampled_from(["102", "513", "121"]),
    )
    anything = st.builds(
        LineInput,
        summary=st.sampled_from(SUMMARIES),
        account_code=st.sampled_from(CODES),
        debit_fen=SIDE,
        credit_fen=SIDE,
    )
    lines = draw(st.lists(st.one_of(sound, sound, sound, anything), max_size=6))
    if draw(st.booleans()):
        gap = sum(line.debit_fen for line in lines) - sum(line.credit_fen for line in lines)
        if gap:
            lines.append(
                LineInput(summary="平衡", account_code="102", debit_fen=max(-gap, 0), credit_fen=max(gap, 0))
            )
    return lines


@settings(max_examples=200, deadline=None)
@given(lines_of_vouchers())
def test_check_voucher_accepts_exactly_the_sound_balanced_vouchers(lines):
    balanced = sum(line.debit_fen for line in lines) == sum(line.credit_fen for line in lines)
    sound = len(lines) >= 2 and all(_well_formed(line) for line in lines) and balanced
    problems = check_voucher(lines)
    assert (problems == []) == sound
    assert any(p.message.startswith("借贷不平衡") for p in problems) == (not balanced)
    if sound:
        # Its red copy is refused as an ordinary voucher but accepted as a reversal.
        assert check_voucher(negate(lines)) != []
        assert check_voucher(negate(lines), allow_negative=True) == []


# ---------------------------------------------------------------------------------------------
# build_year_close: every voucher balances and the income statement accounts end at zero

RULES = chart_rules("2023")
INCOME = ["501", "502", "503", "504"]
EXPENSE = ["511", "512", "51301", "51302", "514", "515", "521"]
NET = st.one_of(st.just(0), st.integers(min_value=-(10**11), max_value=10**11))


@st.composite
def year_ends(draw):
    keys = draw(
        st.lists(
            st.tuples(
                st.sampled_from(INCOME + EXPENSE),
                st.sampled_from(["", "道路补助"]),
                st.sampled_from(["", "张三"]),
            ),
            unique=True,
            max_size=12,
        )
    )
    return [
        YearEndBalance(
            account_code=code,
            category="income" if code in INCOME else "expense",
            net_debit_fen=draw(NET),
            fund_name=fund,
            counterparty_name=party,
        )
        for code, fund, party in keys
    ]


@settings(max_examples=150, deadline=None)
@given(
    balances=year_ends(),
    profit=NET,
    appropriated=NET,
    appropriations=st.dictionaries(
        st.sampled_from(sorted(RULES.appropriations)), st.integers(min_value=-5, max_value=10**10)
    ),
)
def test_year_close_vouchers_balance_and_leave_income_and_expense_at_zero(
    balances, profit, appropriated, appropriations
):
    vouchers = build_year_close(
        year=2025,
        rules=RULES,
        balances=balances,
        profit_net_debit_fen=profit,
        appropriation_net_debit_fen=appropriated,
        appropriations=appropriations,
        members_counterparty="全体成员",
    )
    nets: dict[tuple[str, str, str], int] = defaultdict(int)
    for b in balances:
        nets[(b.account_code, b.fund_name, b.counterparty_name)] += b.net_debit_fen
    nets[(RULES.profit_account, "", "")] += profit
    nets[(RULES.appropriation_code, "", "")] += appropriated
    undistributed_before = nets[(RULES.undistributed_code, "", "")]
    for voucher in vouchers:
        assert check_voucher(list(voucher.lines)) == []
        for line in voucher.lines:
            nets[(line.account_code, line.fund_name, line.counterparty_name)] += (
                line.debit_fen - line.credit_fen
            )
    closed = {
        key: net
        for key, net in nets.items()
        if key[0] in INCOME + EXPENSE or key[0] in (RULES.profit_account, RULES.appropriation_code)
    }
    assert {key: net for key, net in closed.items() if net} == {}
    given_out = sum(amount for amount in appropriations.values() if amount > 0)
    result = profit + sum(b.net_debit_fen for b in balances)
    assert (
        nets[(RULES.undistributed_code, "", "")] - undistributed_before == result + appropriated + given_out
    )
    if appropriations.get("向成员分配", 0) > 0:
        assert nets[("211", "", "全体成员")] == -appropriations["向成员分配"]
    # The village's own decisions are ordinary vouchers; the rest are system closing entries.
    assert [v.is_system_closing for v in vouchers if "收益分配：" in v.summary] == [
        False for amount in appropriations.values() if amount > 0
    ]


# ---------------------------------------------------------------------------------------------
# amount in words (人民币大写), accounting-rules.md §7

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = {"拾": 10, "佰": 100, "仟": 1000}
ALLOWED = set(DIGITS) | set(SMALL_UNITS) | set("万亿元角分整")


def _integer_words_to_int(text: str) -> int:
    total = section = number = 0
    for char in text:
        if char in DIGITS:
            number = DIGITS.index(char)
        elif char in SMALL_UNITS:
            section += number * SMALL_UNITS[char]
            number = 0
        elif char == "万":
            total += (section + number) * 10**4
            section = number = 0
        elif char == "亿":
            total = (total + section + number) * 10**8
            section = number = 0
        else:
            raise ValueError(f"unexpected {char!r} in {text!r}")
    return total + section + number


def words_to_fen(words: str) -> int:
    """A reader of 大写 amounts written independently of the writer: words → fen."""
    body = words.removesuffix("整")
    yuan_text, _, cents_text = body.rpartition("元")
    cents = re.fullmatch(r"零?(?:([壹贰叁肆伍陆柒捌玖])角)?(?:([壹贰叁肆伍陆柒捌玖])分)?", cents_text)
    if cents is None:
        raise ValueError(f"cannot read the cents of {words!r}")
    jiao, fen = (DIGITS.index(d) if d else 0 for d in cents.groups())
    return _integer_words_to_int(yuan_text) * 100 + jiao * 10 + fen


@pytest.mark.parametrize(
    "yuan, words",
    [
        ("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"),
        ("1234.50", "壹仟贰佰叁拾肆元伍角整"),
        ("1001.00", "壹仟零壹元整"),
        ("10005.00", "壹万零伍元整"),
        ("20500300.00", "贰仟零伍拾万零叁佰元整"),
        ("100000000.00", "壹亿元整"),
        ("107000.53", "壹拾万柒仟元零伍角叁分"),
    ],
)
def test_amount_in_words_matches_the_table_of_the_rules(yuan, words):
    fen = int(yuan.replace(".", ""))
    assert amount_in_words(fen) == words
    assert words_to_fen(words) == fen


def _written_zero_runs(number: int) -> int:
    """How many 零 the yuan part of ``number`` needs, by 会计基础工作规范 art. 52.

    Each run of zeros between two non-zero digits gives one 零, except the form the rules leave
    open: zeros that end a group of four (万位, 亿位 zero) while the next digit, the 千位, is not
    zero may go unwritten, and money.py leaves them out (1501000 → 壹佰伍拾万壹仟), as Chinese
    numbers are read; a whole group of zeros is still written (100001000 → 壹亿零壹仟).
    """
    digits = str(number)
    written = 0
    for run in re.finditer(r"(?<=[1-9])0+(?=[1-9])", digits):
        low = len(digits) - run.end()  # power of ten of the run's last zero
        high = len(digits) - 1 - run.start()
        if not (low % 4 == 0 and high - low <= 2):
            written += 1
    return written


@settings(max_examples=1000, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_amount_in_words_reads_back_and_follows_the_writing_rules(fen):
    words = amount_in_words(fen)
    assert words_to_fen(words) == fen
    assert set(words) <= ALLOWED  # never 一二三, 〇 or 十
    assert words.endswith("整") == (fen % 10 == 0)  # 整 after 元 or 角, never after 分
    yuan, cents = divmod(fen, 100)
    if fen == 0:
        assert words == "零元整"
        return
    assert not words.startswith("零") and "零零" not in words
    assert "亿万" not in words  # an all-zero group gives no 万
    # A zero 元 or 角 digit before a written cent gives one 零 too: the form money.py chose
    # where the rules leave the choice open (壹拾万柒仟元零伍角叁分).
    zero_before_cents = yuan > 0 and cents > 0 and (yuan % 10 == 0 or cents < 10)
    assert words.count("零") == _written_zero_runs(yuan) + zero_before_cents
