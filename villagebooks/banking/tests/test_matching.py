"""The automatic matching rule, without a database."""

from datetime import date

from villagebooks.banking.matching import BankItem, BookItem, auto_pairs, name_rank

D = date(2025, 3, 10)


def day(n: int) -> date:
    return date(2025, 3, n)


def test_amount_direction_and_date_window_decide():
    bank = [BankItem(1, day(10), 5000), BankItem(2, day(10), -5000), BankItem(3, day(10), 7000)]
    book = [BookItem(11, day(13), 5000), BookItem(12, day(6), -5000), BookItem(13, day(10), 7001)]
    assert auto_pairs(bank, book, window_days=3) == [(1, 11)]
    assert sorted(auto_pairs(bank, book, window_days=4)) == [(1, 11), (2, 12)]


def test_each_line_is_matched_once_nearest_date_first():
    bank = [BankItem(1, day(10), 100), BankItem(2, day(12), 100)]
    book = [BookItem(11, day(12), 100)]
    assert auto_pairs(bank, book, window_days=3) == [(2, 11)]
    book.append(BookItem(12, day(9), 100))
    assert sorted(auto_pairs(bank, book, window_days=3)) == [(1, 12), (2, 11)]


def test_the_counterpart_picks_among_equal_amounts_and_excludes_someone_else():
    bank = [BankItem(1, day(10), -300, counterpart="张三")]
    other = BookItem(11, day(10), -300, names=("李四",))
    silent = BookItem(12, day(11), -300, summary="支付劳务费")
    named = BookItem(13, day(12), -300, summary="支付张三劳务费")
    assert name_rank(bank[0], other) is None
    assert name_rank(bank[0], silent) == 1 and name_rank(bank[0], named) == 0
    assert auto_pairs(bank, [other, silent, named], window_days=3) == [(1, 13)]
    assert auto_pairs(bank, [other], window_days=3) == []
    assert auto_pairs(bank, [other, silent], window_days=3) == [(1, 12)]


def test_the_result_does_not_depend_on_the_order_of_the_lines():
    bank = [BankItem(i, day(1 + i % 5), 100 * (i % 3 + 1)) for i in range(1, 12)]
    book = [BookItem(100 + i, day(1 + i % 4), 100 * (i % 3 + 1)) for i in range(1, 12)]
    assert auto_pairs(bank, book, window_days=2) == auto_pairs(bank[::-1], book[::-1], window_days=2)
