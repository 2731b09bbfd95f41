"""The rules every voucher obeys, as pure checks over plain values.

``check_voucher`` returns every problem at once (a list, empty when the voucher is sound), so
an import can report all bad rows together and a page can mark every bad cell.
"""

from __future__ import annotations

from typing import NamedTuple

from villagebooks.common.errors import FieldProblem
from villagebooks.common.i18n import gettext_lazy as _
from villagebooks.common.money import BALANCE_MAX_FEN, MAX_FEN, format_fen

TOO_FEW_LINES = _("凭证至少需要两条分录")
UNBALANCED = _("借贷不平衡：借方合计 {debit}，贷方合计 {credit}")
BOTH_SIDES = _("一条分录只能填借方或贷方之一")
NO_AMOUNT = _("借方和贷方不能都为空或为零")
NEGATIVE = _("金额不能为负数（更正已记账凭证请用红字冲销）")
EMPTY_SUMMARY = _("摘要不能为空")
SUMMARY_TOO_LONG = _("摘要不能超过200个字")
EMPTY_ACCOUNT = _("科目不能为空")
LINE_TOO_LARGE = _("金额超出范围：一条分录最多 {limit} 元")
VOUCHER_TOO_LARGE = _("凭证借方合计 {total} 超出范围：一张凭证最多 {limit} 元")


class LineInput(NamedTuple):
    """One line as a user gave it: account by code, dimensions by name, money in fen.

    A named tuple rather than a frozen dataclass: just as immutable, and built in a third of
    the time, which counts when an import makes two million of them.
    """

    summary: str
    account_code: str
    debit_fen: int = 0
    credit_fen: int = 0
    fund_name: str = ""
    counterparty_name: str = ""
    row: int | None = None
    project_code: str = ""  # last, so that positional construction stays as it was


def check_line(line: LineInput, *, allow_negative: bool = False) -> list[FieldProblem]:
    problems = []
    if not line.summary.strip():
        problems.append(FieldProblem("summary", EMPTY_SUMMARY, line.row))
    elif len(line.summary) > 200:
        problems.append(FieldProblem("summary", SUMMARY_TOO_LONG, line.row))
    if not line.account_code.strip():
        problems.append(FieldProblem("account", EMPTY_ACCOUNT, line.row))
    if line.debit_fen and line.credit_fen:
        problems.append(FieldProblem("credit", BOTH_SIDES, line.row))
    elif not line.debit_fen and not line.credit_fen:
        problems.append(FieldProblem("debit", NO_AMOUNT, line.row))
    elif not allow_negative and (line.debit_fen < 0 or line.credit_fen < 0):
        field = "debit" if line.debit_fen < 0 else "credit"
        problems.append(FieldProblem(field, NEGATIVE, line.row))
    # Amounts parsed by common.money are within MAX_FEN already; fen may also come from code
    # (a claim, a year close), and no line may hold what its balance row could not add.
    if not (-MAX_FEN <= line.debit_fen <= MAX_FEN and -MAX_FEN <= line.credit_fen <= MAX_FEN):
        for field, amount in (("debit", line.debit_fen), ("credit", line.credit_fen)):
            if not -MAX_FEN <= amount <= MAX_FEN:
                message = LINE_TOO_LARGE.format(limit=format_fen(MAX_FEN))
                problems.append(FieldProblem(field, message, line.row))
    return problems


def check_voucher(lines: list[LineInput], *, allow_negative: bool = False) -> list[FieldProblem]:
    """All problems of a voucher's lines: each line, the line count, and Σdebit = Σcredit."""
    problems = []
    debit = credit = 0
    for line in lines:  # one pass: an import checks a county's two million lines here
        problems += check_line(line, allow_negative=allow_negative)
        debit += line.debit_fen
        credit += line.credit_fen
    first_row = lines[0].row if lines else None
    if len(lines) < 2:
        problems.append(FieldProblem("lines", TOO_FEW_LINES, first_row))
    if max(abs(debit), abs(credit)) > BALANCE_MAX_FEN:
        # Its total is the voucher's amount and, at posting, is summed into balance rows in SQL.
        total = format_fen(max(abs(debit), abs(credit)))
        message = VOUCHER_TOO_LARGE.format(total=total, limit=format_fen(BALANCE_MAX_FEN))
        problems.append(FieldProblem("lines", message, first_row))
    if debit != credit:
        problems.append(
            FieldProblem(
                "lines", UNBALANCED.format(debit=format_fen(debit), credit=format_fen(credit)), first_row
            )
        )
    return problems


def negate(lines: list[LineInput]) -> list[LineInput]:
    """The red copy (红字) of a voucher: same accounts and sides, amounts negated."""
    return [
        LineInput(
            summary=line.summary,
            account_code=line.account_code,
            debit_fen=-line.debit_fen,
            credit_fen=-line.credit_fen,
            fund_name=line.fund_name,
            counterparty_name=line.counterparty_name,
            project_code=line.project_code,
        )
        for line in lines
    ]
