from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from villagebooks.common.money import (
    MAX_FEN,
    MoneyError,
    amount_in_words,
    fen_to_text,
    format_fen,
    yuan_to_fen,
)

# accounting-rules.md §7
WORDS = {
    "12345.67": "壹万贰仟叁佰肆拾伍元陆角柒分",
    "1234.50": "壹仟贰佰叁拾肆元伍角整",
    "1001.00": "壹仟零壹元整",
    "10005.00": "壹万零伍元整",
    "20500300.00": "贰仟零伍拾万零叁佰元整",
    "100000000.00": "壹亿元整",
    "107000.53": "壹拾万柒仟元零伍角叁分",
}


@pytest.mark.parametrize(("amount", "words"), WORDS.items())
def test_amount_in_words_matches_the_rules_table(amount, words):
    assert amount_in_words(yuan_to_fen(amount)) == words


@pytest.mark.parametrize(
    ("text", "fen"), [("1,234.50", 123450), ("0.01", 1), (" 12 ", 1200), ("-3.5", -350), ("¥8.00", 800)]
)
def test_parsing_yuan(text, fen):
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize(
    ("text", "message"), [("1.234", "两位小数"), ("abc", "不是有效"), ("", "不是有效"), ("nan", "不是有效")]
)
def test_parsing_refuses_instead_of_rounding(text, message):
    with pytest.raises(MoneyError, match=message):
        yuan_to_fen(text)


def test_floats_are_refused():
    with pytest.raises(MoneyError):
        yuan_to_fen(0.1)


@given(st.integers(min_value=-MAX_FEN, max_value=MAX_FEN))
def test_text_round_trip(fen):
    assert yuan_to_fen(fen_to_text(fen)) == fen
    assert yuan_to_fen(format_fen(fen)) == fen
    assert Decimal(fen_to_text(fen)) * 100 == fen


def test_words_never_use_forbidden_characters():
    for fen in (10, 100, 1000, 100000, 110, 101, 1010, 1000000001):
        words = amount_in_words(fen)
        assert not set(words) & set("一二三〇十"), words


DIGITS = dict(zip("零壹贰叁肆伍陆柒捌玖", range(10), strict=True))
PLACES = {"拾": 10, "佰": 100, "仟": 1000}
# Group markers, the longest first: 万亿 is one marker (10^12), not 万 then 亿.
GROUPS = [("万亿", 10**12), ("亿", 10**8), ("万", 10**4)]


def words_to_fen(words: str) -> int:
    """An independent reader of 人民币大写, so that hypothesis can check the writer round trip."""
    sign = -1 if words.startswith("负") else 1
    text = words.removeprefix("负").removesuffix("整")
    yuan_text, _, cents_text = text.rpartition("元") if "元" in text else ("", "", text)
    yuan, group, digit, index = 0, 0, 0, 0
    while index < len(yuan_text):
        char = yuan_text[index]
        marker = next(((m, v) for m, v in GROUPS if yuan_text.startswith(m, index)), None)
        if char in DIGITS:
            digit = DIGITS[char]
            index += 1
        elif char in PLACES:
            group += digit * PLACES[char]
            digit, index = 0, index + 1
        elif marker is not None:
            yuan += (group + digit) * marker[1]
            group, digit, index = 0, 0, index + len(marker[0])
        else:
            raise AssertionError(f"unexpected {char!r} in {words}")
    yuan += group + digit
    cents = 0
    for unit, value in (("角", 10), ("分", 1)):
        head, found, cents_text = cents_text.partition(unit)
        if found:
            cents += DIGITS[head[-1]] * value
        else:
            cents_text = head
    return sign * (yuan * 100 + cents)


@pytest.mark.parametrize(("amount", "words"), WORDS.items())
def test_the_reader_reads_the_rules_table(amount, words):
    assert words_to_fen(words) == yuan_to_fen(amount)


@given(st.integers(min_value=-MAX_FEN, max_value=MAX_FEN))
def test_amount_in_words_round_trips_through_a_reader(fen):
    words = amount_in_words(fen)
    assert words_to_fen(words) == fen
    # 整 exactly when the amount has no 分; never two 零 in a row.
    assert words.endswith("整") == (abs(fen) % 10 == 0)
    assert "零零" not in words


@pytest.mark.parametrize("text", ["1e999999999", "-1e30", "10000000000000.00"])
def test_huge_amounts_are_refused_as_too_large(text):
    with pytest.raises(MoneyError, match="金额超出"):
        yuan_to_fen(text)
