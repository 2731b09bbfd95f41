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
