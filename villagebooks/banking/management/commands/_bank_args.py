"""Shared parsing of the bank commands: the ledger by code (as the user may use it) and problems
said with the column they are in."""

from django.core.management.base import CommandError
from django.utils.translation import gettext

from villagebooks.banking.statements import column_label
from villagebooks.common.errors import FieldProblem
from villagebooks.ledger.selectors import ledger_get


def ledger_for(user, code: str, action: str):
    ledger = ledger_get(user=user, code=code, action=action)
    if ledger is None:
        raise CommandError(gettext("账套 {code} 不存在或您无权操作").format(code=code))
    return ledger


def problem_line(problem: FieldProblem) -> str:
    where = gettext("第{row}行 ").format(row=problem.row) if problem.row is not None else ""
    label = column_label(problem.field) if problem.field else ""
    return f"{where}{label}：{problem.message}" if label else f"{where}{problem.message}"
