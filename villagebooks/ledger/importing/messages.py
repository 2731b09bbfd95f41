"""What an import tells its user: the messages of bad rows, the failure that carries them, and
the problems as lines for a terminal."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError, FieldProblem
from villagebooks.ledger.importing.columns import FIELD_LABELS

# What users read (tests import these).
NO_ROWS = _("文件中没有凭证数据")
LEDGER_REQUIRED = _("账套不能为空")
KEY_REQUIRED = _("凭证号不能为空")
KEY_TOO_LONG = _("凭证号不能超过64个字符")
DUPLICATE_KEY = _("凭证号 {key} 在文件中重复（第{row}行已出现）；同一凭证的各行必须连续")
KEY_EXISTS = _("凭证号 {key} 已导入过本账套，同一凭证不能重复导入")
BAD_DATE = _("日期“{value}”无效，应为 2025-03-05 这样的日期")
DATE_REQUIRED = _("日期不能为空")
DATE_MISMATCH = _("同一凭证的日期必须相同：本行为 {date}，第{row}行为 {first}")
BAD_AMOUNT = "{reason}：{value}"
TOO_MANY_LINES = _("一张凭证最多 {limit} 条分录")
NAME_TOO_LONG = _("名称不能超过{limit}个字")
CONCURRENT_CHANGE = _("导入时账套被同时修改（{error}），未写入任何数据，请重试")
OTHER_LEDGER = _("本页只导入账套 {only} 的凭证，这一行的账套是 {code}")
MORE_PROBLEMS = _("另有 {count} 处问题未列出")

# Problems kept in full; beyond this a file is surely the wrong one and only the count is kept,
# so that a bad file of a million rows cannot fill memory with messages.
MAX_PROBLEMS = 10_000


class ImportFailed(DomainError):
    """Nothing was imported; ``problems`` lists every bad row (row 1 is the header row)."""

    code = "import_failed"


def describe_problems(problems: list[FieldProblem], *, limit: int = 200) -> list[str]:
    """Problems as lines for a terminal, at most ``limit`` and a count of the rest."""
    lines = []
    for problem in problems[:limit]:
        where = gettext("第{row}行 ").format(row=problem.row) if problem.row is not None else ""
        label = FIELD_LABELS.get(problem.field, problem.field)
        text = (
            gettext("{label}：{message}").format(label=label, message=problem.message)
            if label
            else problem.message
        )
        lines.append(f"{where}{text}")
    if len(problems) > limit:
        lines.append("……" + MORE_PROBLEMS.format(count=len(problems) - limit))
    return lines


def _problems_in_order(problems: list[FieldProblem], dropped: int) -> list[FieldProblem]:
    ordered = sorted(problems, key=lambda p: p.row or 0)
    if dropped:
        ordered.append(FieldProblem("", MORE_PROBLEMS.format(count=dropped)))
    return ordered
