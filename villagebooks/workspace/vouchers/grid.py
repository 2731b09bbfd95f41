"""The voucher grid as the entry page posts it: rows of cell text in, ``LineInput`` and cell errors out.

The page posts every cell as text (``line-<i>-<cell>``); a row whose cells are all blank is not a
line. An account cell holds a code, "code name", a name, a path ("管理费用/办公费") or pinyin
initials ("glfy"): the page resolves it in the browser, and this module resolves it again so
that the page works without JavaScript and a hand-edited request is read the same way. Only an
exact and unique match is taken: a bookkeeping page must never guess an account. Every problem,
ours or a service's, lands on the cell it concerns (row, cell), so the page can show it there.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from villagebooks.common.errors import FieldProblem
from villagebooks.common.money import MoneyError, fen_to_text, yuan_to_fen
from villagebooks.ledger.domain.vouchers import LineInput, check_voucher

CELLS = ("summary", "account", "fund", "counterparty", "debit", "credit")
MAX_LINES = 50
BLANK_ROWS = 5  # a new voucher opens with five lines, as the printed 记账凭证 has
DATE_FORMATS = (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), re.compile(r"^(\d{4})(\d{2})(\d{2})$"))
PATH_SEPARATORS = re.compile(r"\s*[/／\-—_]\s*")


@dataclass
class GridRow:
    """One row of the grid as typed, with the error message of each cell that has one."""

    summary: str = ""
    account: str = ""
    fund: str = ""
    counterparty: str = ""
    debit: str = ""
    credit: str = ""
    # A line's project (code), kept through the page in a hidden field: the grid has no cell for
    # it yet, and saving a draft made elsewhere (API, claims) must not drop it.
    project: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def is_blank(self) -> bool:
        return not any(getattr(self, cell).strip() for cell in CELLS)

    def add_error(self, cell: str, message: str) -> None:
        self.errors.setdefault(cell, message)  # the first problem of a cell is the one to fix first


@dataclass(frozen=True)
class AccountChoice:
    """A leaf account that lines may use, with what the page searches it by."""

    code: str
    name: str
    path: str  # names from the top account down, "管理费用/办公费"
    initials: str  # pinyin initials of the name, "bgf"
    path_initials: str  # of the path, "glfybgf"
    requires_fund: bool = False
    requires_counterparty: bool = False

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "path": self.path,
            "py": self.initials,
            "ppy": self.path_initials,
            "fund": self.requires_fund,
            "party": self.requires_counterparty,
        }


@functools.lru_cache(maxsize=8192)
def pinyin_initials(text: str) -> str:
    """Lower-case pinyin initials of ``text``: 管理费用 → "glfy"; letters and digits are kept.

    Account names repeat across the ledgers of a county (the same chart), hence the cache.
    """
    initials = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return re.sub(r"[^0-9a-z]", "", "".join(initials).lower())


def account_choice(
    *, code: str, name: str, parent_names: list[str], requires_fund: bool, requires_counterparty: bool
) -> AccountChoice:
    path = "/".join([*parent_names, name])
    return AccountChoice(
        code=code,
        name=name,
        path=path,
        initials=pinyin_initials(name),
        path_initials=pinyin_initials("".join([*parent_names, name])),
        requires_fund=requires_fund,
        requires_counterparty=requires_counterparty,
    )


def resolve_account(text: str, accounts: list[AccountChoice]) -> tuple[str, str]:
    """(account code, "") for what a user typed in an account cell, or ("", the reason).

    Digits are a code and go to the service as they are (it says whether the code exists, is a
    leaf and is active). Otherwise an exact name, path or pinyin initials that fits one account.
    """
    text = " ".join(text.split())
    if not text:
        return "", ""
    first = text.split(" ", 1)[0]
    if first.isdigit():
        return first, ""
    wanted = PATH_SEPARATORS.sub("/", text)
    lowered = wanted.lower().replace("/", "")
    found = [a for a in accounts if wanted in (a.name, a.path)]
    if not found and re.fullmatch(r"[0-9a-z]+", lowered):
        found = [a for a in accounts if lowered in (a.initials, a.path_initials)]
    if len(found) == 1:
        return found[0].code, ""
    if not found:
        return "", _("科目“%(text)s”不存在于本账套，请输入科目编码、名称或拼音首字母") % {"text": text}
    listed = "、".join(f"{a.code} {a.path}" for a in found[:5])
    return "", _("“%(text)s”对应多个科目（%(listed)s），请输入科目编码") % {"text": text, "listed": listed}


def rows_from_post(data: Mapping[str, str]) -> tuple[list[GridRow], str]:
    """The rows a grid posted (``line-count`` rows of ``line-<i>-<cell>``) and a problem, if any."""
    try:
        count = int(data.get("line-count", "0"))
    except ValueError:
        count = 0
    problem = ""
    if count > MAX_LINES:
        problem = _("一张凭证最多 %(max)s 条分录") % {"max": MAX_LINES}
        count = MAX_LINES
    rows = [
        GridRow(**{cell: str(data.get(f"line-{index}-{cell}", "")).strip() for cell in (*CELLS, "project")})
        for index in range(max(count, 0))
    ]
    return rows, problem


def parse_date(text: str) -> tuple[date | None, str]:
    """A voucher date typed as YYYY-MM-DD (or YYYYMMDD), or the reason it is not one."""
    text = text.strip()
    if not text:
        return None, _("请填写凭证日期")
    for pattern in DATE_FORMATS:
        match = pattern.match(text)
        if match:
            try:
                return date(*(int(part) for part in match.groups())), ""
            except ValueError:
                break
    return None, _("日期“%(text)s”无效，格式应为 YYYY-MM-DD") % {"text": text}


def _fen(row: GridRow, cell: str) -> int:
    text = getattr(row, cell)
    if not text:
        return 0
    try:
        return yuan_to_fen(text)
    except MoneyError as error:
        row.add_error(cell, str(error))
        return 0


def lines_from_rows(rows: list[GridRow], accounts: list[AccountChoice]) -> list[LineInput]:
    """The lines of the non-blank rows (``row`` = the grid row, from 1); cell errors go on the rows."""
    lines = []
    for index, row in enumerate(rows, start=1):
        if row.is_blank():
            continue
        code, problem = resolve_account(row.account, accounts)
        if problem:
            row.add_error("account", problem)
        lines.append(
            LineInput(
                summary=row.summary,
                account_code=code,
                debit_fen=_fen(row, "debit"),
                credit_fen=_fen(row, "credit"),
                fund_name=row.fund,
                counterparty_name=row.counterparty,
                row=index,
                project_code=row.project,
            )
        )
    return lines


def place_problems(rows: list[GridRow], problems: list[FieldProblem]) -> list[FieldProblem]:
    """Put each problem on its cell; return those that belong to no cell (the voucher's own)."""
    left = []
    for problem in problems:
        if problem.row is not None and problem.field in CELLS and 1 <= problem.row <= len(rows):
            rows[problem.row - 1].add_error(problem.field, problem.message)
        else:
            left.append(problem)
    return left


def precheck(rows: list[GridRow], lines: list[LineInput]) -> list[FieldProblem]:
    """When a cell could not be read, the voucher's other problems too, so that all show at once.

    A cell already in error keeps its own message; the voucher-wide ones (too few lines,
    debits ≠ credits) are returned.
    """
    return place_problems(rows, check_voucher(lines))


def compact(rows: list[GridRow], *, minimum: int = BLANK_ROWS) -> list[GridRow]:
    """The rows to show again: the non-blank ones in order, then blank ones up to ``minimum``."""
    kept = [row for row in rows if not row.is_blank()]
    blanks = min(max(minimum - len(kept), 1), MAX_LINES - len(kept))
    return kept + [GridRow() for _ in range(max(blanks, 0))]


def rows_from_lines(lines) -> list[GridRow]:
    """Grid rows from saved voucher lines (model rows with account, fund and counterparty loaded)."""
    return [
        GridRow(
            summary=line.summary,
            account=line.account.code,
            fund=line.fund.name if line.fund_id else "",
            counterparty=line.counterparty.name if line.counterparty_id else "",
            debit=fen_to_text(line.debit_fen) if line.debit_fen else "",
            credit=fen_to_text(line.credit_fen) if line.credit_fen else "",
            project=line.project.code if line.project_id else "",
        )
        for line in lines
    ]


def rows_from_records(records: list[dict]) -> list[GridRow]:
    """Grid rows from stored line records (a voucher template's, ``ledger.entry_helpers``)."""
    return [
        GridRow(
            summary=r.get("summary", ""),
            account=r.get("account", ""),
            fund=r.get("fund", ""),
            counterparty=r.get("counterparty", ""),
            debit=fen_to_text(r["debit_fen"]) if r.get("debit_fen") else "",
            credit=fen_to_text(r["credit_fen"]) if r.get("credit_fen") else "",
            project=r.get("project", ""),
        )
        for r in records
    ]


def totals(rows: list[GridRow]) -> tuple[int, int]:
    """Σdebit and Σcredit in fen of the cells that read as money (the rest count as 0)."""
    debit = credit = 0
    for row in rows:
        for cell in ("debit", "credit"):
            try:
                fen = yuan_to_fen(getattr(row, cell)) if getattr(row, cell) else 0
            except MoneyError:
                fen = 0
            if cell == "debit":
                debit += fen
            else:
                credit += fen
    return debit, credit
