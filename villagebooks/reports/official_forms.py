"""The statements as the official forms print them (会计报表): 资产负债表 in the two-sided (账户式)
layout, 收益及收益分配表 with 本年数 and 上年数, each with its table number, 编制单位, the date or
year the form asks for, the unit and the signature lines.

The figures are the statements' own (``reports.statements``, the layouts in the database); what
the form adds — table number, column titles, date style, signatures — is data
(``data/statement-forms.json``), with the items the official text could not confirm marked there
and printed under the form. A form is one object (``OfficialForm``) that the page, the XLSX and
the PDF draw alike; its CSV is the plain list of lines (行次, 项目, the two columns).
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass, field
from functools import cache
from itertools import zip_longest

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.ledger.domain.chart import DATA_DIR
from villagebooks.reports.models import StatementKind
from villagebooks.reports.scope import ReportScope
from villagebooks.reports.statements import (
    Statement,
    StatementRow,
    build_balance_sheet,
    build_income_statement,
)

ORGANISATION = _("编制单位：{name}")
REGION_ORGANISATION = _("汇总单位：{name}")
UNIT = _("单位：{unit}")
SIGNATURE = _("{role}：")
UNSURE_NOTE = _("注：{note}（UNSURE，可由县级用户通过 statement-layout import 更正行次）。")
LINE = _("行次")
ITEM = _("项目")

FORM_COLUMNS = ["line", "item", "first", "second"]


@cache
def _form_data() -> dict:
    return json.loads((DATA_DIR / "statement-forms.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class FormCell:
    text: str = ""
    fen: int | None = None
    amount: bool = False  # an amount column: right-aligned, blank when ``fen`` is None
    bold: bool = False
    indent: int = 0
    line_no: int | None = None  # the statement line it shows (the page links it)


@dataclass
class OfficialForm:
    scope: ReportScope
    statement: Statement
    kind: str
    title: str
    table_no: str
    organisation: str
    date_text: str
    unit_text: str
    headers: list[str]
    rows: list[list[FormCell]]
    signatures: list[str]
    note: str = ""
    flat_headers: list[str] = field(default_factory=list)
    flat_rows: list[list] = field(default_factory=list)

    @property
    def warning(self) -> str | None:
        return self.statement.warning


def _date_text(scope: ReportScope, style: str) -> str:
    year, month = divmod(scope.to_key, 100)
    if style == "day":
        day = calendar.monthrange(year, month)[1]
        return gettext("{year} 年 {month} 月 {day} 日").format(year=year, month=month, day=day)
    first = scope.from_key % 100
    if first == 1 and month == 12:
        return gettext("{year} 年度").format(year=year)
    if first == month:
        return gettext("{year} 年 {month} 月").format(year=year, month=month)
    return gettext("{year} 年 {first}—{last} 月").format(year=year, first=first, last=month)


def _organisation(scope: ReportScope) -> str:
    if scope.single_ledger is not None:
        return str(ORGANISATION).format(name=scope.single_ledger.name)
    return str(REGION_ORGANISATION).format(name=scope.title)


def _side(row: StatementRow | None, amounts: tuple[int, int] | None) -> list[FormCell]:
    if row is None:
        return [FormCell(), FormCell(), FormCell(amount=True), FormCell(amount=True)]
    figures = amounts if row.amounts is not None else None
    return [
        FormCell(row.label, bold=row.bold or row.amounts is None, indent=row.indent, line_no=row.line_no),
        FormCell(str(row.line_no or "")),
        FormCell(fen=figures[0] if figures else None, amount=True, bold=row.bold),
        FormCell(fen=figures[1] if figures else None, amount=True, bold=row.bold),
    ]


def _base(scope: ReportScope, statement: Statement, kind: str) -> tuple[dict, dict]:
    data = _form_data()
    return data, data.get(scope.chart, {}).get(kind, {})


def build_balance_sheet_form(scope: ReportScope) -> OfficialForm:
    """资产负债表, 账户式: assets on the left down to 资产总计, liabilities and equity on the right."""
    statement = build_balance_sheet(scope)
    data, form = _base(scope, statement, StatementKind.BALANCE_SHEET)
    split = len(statement.rows)
    if statement.check is not None:
        split = next(i for i, row in enumerate(statement.rows) if row.line_no == statement.check[0]) + 1
    left, right = statement.rows[:split], statement.rows[split:]
    columns = form.get("columns", ["年初数", "年末数"])
    if scope.to_key % 100 != 12:
        columns = form.get("columns_before_december", columns)
    left_title = form.get("left_title", "资产")
    right_title = form.get("right_title", "负债和所有者权益")
    # As printed, both totals (资产总计, 负债和所有者权益总计) share the last row; the shorter side
    # is padded with empty rows above its total.
    pairs = list(zip_longest(left[:-1], right[:-1])) + [
        (left[-1] if left else None, right[-1] if right else None)
    ]
    rows = [_side(a, a.amounts if a else None) + _side(b, b.amounts if b else None) for a, b in pairs]
    return OfficialForm(
        scope=scope,
        statement=statement,
        kind=StatementKind.BALANCE_SHEET,
        title=statement.title,
        table_no=form.get("table_no", ""),
        organisation=_organisation(scope),
        date_text=_date_text(scope, form.get("date", "day")),
        unit_text=str(UNIT).format(unit=data.get("unit", "元")),
        headers=[left_title, str(LINE), *columns, right_title, str(LINE), *columns],
        rows=rows,
        signatures=[str(SIGNATURE).format(role=role) for role in data.get("signatures", [])],
        note=str(UNSURE_NOTE).format(note=form["unsure"]) if form.get("unsure") else "",
        flat_headers=[str(LINE), str(ITEM), *columns],
        flat_rows=[[r.line_no, r.label, *r.amounts] for r in statement.rows if r.amounts is not None],
    )


def build_income_statement_form(scope: ReportScope) -> OfficialForm:
    """收益及收益分配表: the months asked for (one year at most, refused across two) and the same
    months of the year before."""
    statement = build_income_statement(scope)
    last_year = build_income_statement(scope.moved(from_key=scope.from_key - 100, to_key=scope.to_key - 100))
    previous = {row.line_no: row.amounts for row in last_year.rows if row.amounts is not None}
    data, form = _base(scope, statement, StatementKind.INCOME)
    columns = form.get("columns", ["本年数", "上年数"])
    rows = []
    flat = []
    for row in statement.rows:
        pair = None
        if row.amounts is not None:
            pair = (row.amounts[0], previous.get(row.line_no, (0, 0))[0])
            flat.append([row.line_no, row.label, *pair])
        rows.append(_side(row, pair))
    return OfficialForm(
        scope=scope,
        statement=statement,
        kind=StatementKind.INCOME,
        title=statement.title,
        table_no=form.get("table_no", ""),
        organisation=_organisation(scope),
        date_text=_date_text(scope, form.get("date", "year")),
        unit_text=str(UNIT).format(unit=data.get("unit", "元")),
        headers=[str(ITEM), str(LINE), *columns],
        rows=rows,
        signatures=[str(SIGNATURE).format(role=role) for role in data.get("signatures", [])],
        note=str(UNSURE_NOTE).format(note=form["unsure"]) if form.get("unsure") else "",
        flat_headers=[str(LINE), str(ITEM), *columns],
        flat_rows=flat,
    )


def form_rows(form: OfficialForm) -> list[list]:
    """The CSV: every line with figures once (行次, 项目, the form's two columns)."""
    return form.flat_rows


def form_total(form: OfficialForm) -> list:
    """No separate totals line: the form's totals are its own lines."""
    return form.flat_rows[-1] if form.flat_rows else ["", "", 0, 0]
