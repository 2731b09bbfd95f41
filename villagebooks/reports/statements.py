"""The statutory statements, 资产负债表 and 收益及收益分配表, built from layouts held as data.

A layout line's formula is a sum of terms over account codes and other lines (``101+102``,
``151-152``, ``112+debit(113)``, ``L1-L2``, ``opening(322)``). Formulas are parsed here by a
small recursive-descent parser into a linear combination of references (no ``eval``), and
checked when a layout is saved, so a statement never meets an unknown account, an unknown line or
a cycle. Each statement reads ``AccountBalance`` through ONE SQL aggregation into a small dict
per account code; the formulas then run over that dict in Python. Every line is shown positive
in its natural direction: an account code reads in the account's own direction (资产 debit,
负债/权益/收入 credit, 支出 debit), taken from the chart data file.

- 资产负债表: 年初数 (the balances the ``to`` year opened with) and 期末数 (at the end of the
  ``to`` month), everything included, closing entries too. ``debit(c)``/``credit(c)`` add up the
  debit-side / credit-side balances per ledger, leaf account and counterparty (内部往来 owed to a
  village is not netted against what it owes).
- 收益及收益分配表: 本期数 (the range) and 本年累计数 (January of the ``to`` year through
  ``to``), leaving out the system's year-end closing entries so a closed year still shows its
  income; ``debit(c)``/``credit(c)`` are movements; ``opening(c)`` is the balance at the start of
  the ``to`` year.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache

from django.db import transaction
from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.common.audit import audit_record
from villagebooks.common.errors import DomainError, FieldProblem, NotPermitted
from villagebooks.common.money import format_fen
from villagebooks.ledger.domain.chart import DATA_DIR, chart_templates
from villagebooks.regions.models import Role, RoleAssignment
from villagebooks.reports.models import StatementKind, StatementLayout, StatementLine
from villagebooks.reports.scope import ReportScope, opening_window

FORMULA_SYNTAX = _("公式“{formula}”无法识别：{detail}")
UNKNOWN_ACCOUNT = _("公式“{formula}”中的科目 {code} 不在 {chart} 会计制度的科目表中")
UNKNOWN_LINE = _("公式“{formula}”引用的行次 {line} 不存在")
UNKNOWN_FUNCTION = _("公式“{formula}”中的函数 {name} 不存在，可用的函数：debit、credit、opening")
LINE_CYCLE = _("行次 {line} 的公式循环引用了自己")
DUPLICATE_LINE = _("行次 {line} 重复")
FORMULA_WITHOUT_LINE = _("有公式的行必须填写行次")
LABEL_MISSING = _("项目名称不能为空")
CHECK_LINE_UNKNOWN = _("平衡校验引用的行次 {line} 不存在")
UNKNOWN_CHART = _("会计制度 {chart} 不存在")
NO_LAYOUT = _("{chart} 会计制度的{statement}格式尚未设置")
FORBIDDEN_LAYOUT = _("只有系统管理员可以修改报表格式")
UNBALANCED = _("警告：{title}不平衡：{left}与{right}相差 {columns}")

FUNCTIONS = ("debit", "credit", "opening")

# ---------------------------------------------------------------------------------------------
# Formulas: parsing and checking (pure Python)
# ---------------------------------------------------------------------------------------------

# A reference is (function, target): ("", "101") an account, ("debit", "113"), ("opening", "322"),
# ("line", "5") line 5. A formula is a list of (coefficient, reference).
Ref = tuple[str, str]
Term = tuple[int, Ref]

_FULL_WIDTH = str.maketrans("＋－（）Ｌｌ０１２３４５６７８９　", "+-()Ll0123456789 ")
_TOKEN = re.compile(r"\s*(?:(?P<code>\d+)|(?P<line>[Ll]\d+)|(?P<name>[A-Za-z_]+)|(?P<op>[-+()]))")


class FormulaError(ValueError):
    """A formula that cannot be read; ``detail`` says where, in the active language."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


def _tokens(formula: str) -> list[tuple[str, str]]:
    text = formula.translate(_FULL_WIDTH).strip()
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            rest = text[position:].strip()
            if not rest:
                break
            raise FormulaError(gettext("无法识别“{text}”").format(text=rest[0]))
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    """expr := ['+'|'-'] term (('+'|'-') term)*;  term := code | Ln | name '(' code ')' | '(' expr ')'."""

    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens = tokens
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FormulaError(gettext("公式不完整"))
        self.at += 1
        return token

    def expr(self) -> list[Term]:
        sign = 1
        if self.peek() in (("op", "+"), ("op", "-")):
            sign = -1 if self.take()[1] == "-" else 1
        terms = [(sign * c, r) for c, r in self.term()]
        while self.peek() in (("op", "+"), ("op", "-")):
            sign = -1 if self.take()[1] == "-" else 1
            terms += [(sign * c, r) for c, r in self.term()]
        return terms

    def term(self) -> list[Term]:
        kind, text = self.take()
        if kind == "code":
            return [(1, ("", text))]
        if kind == "line":
            return [(1, ("line", str(int(text[1:]))))]
        if kind == "name":
            if self.take() != ("op", "("):
                raise FormulaError(gettext("{name} 后应为“(”").format(name=text))
            code_kind, code = self.take()
            if code_kind != "code":
                raise FormulaError(gettext("{name}( ) 中应为科目编码").format(name=text))
            if self.take() != ("op", ")"):
                raise FormulaError(gettext("{name}({code} 缺少“)”").format(name=text, code=code))
            return [(1, (text.lower(), code))]
        if (kind, text) == ("op", "("):
            inner = self.expr()
            if self.take() != ("op", ")"):
                raise FormulaError(gettext("括号不配对"))
            return inner
        raise FormulaError(gettext("“{text}”的位置不对").format(text=text))


def parse_formula(formula: str) -> list[Term]:
    """The formula as a list of (coefficient, reference); raises ``FormulaError``."""
    tokens = _tokens(formula)
    if not tokens:
        raise FormulaError(gettext("公式为空"))
    parser = _Parser(tokens)
    terms = parser.expr()
    if parser.peek() is not None:
        raise FormulaError(gettext("“{text}”的位置不对").format(text=parser.peek()[1]))
    return terms


@dataclass(frozen=True)
class LineSpec:
    """A layout line as plain values, for checking before anything is saved."""

    label: str
    line_no: int | None = None
    formula: str = ""
    indent: int = 0
    bold: bool = False


@cache
def _normal_sides(chart: str) -> dict[str, str]:
    return {t.code: t.normal_side for t in chart_templates(chart)}


def _known_account(chart: str, code: str) -> bool:
    """A level-1 code of the chart, or a sub-account code under one (32202 under 322)."""
    return len(code) >= 3 and code[:3] in _normal_sides(chart)


def check_layout(*, chart: str, lines: list[LineSpec], check: tuple[int, int] | None) -> list[FieldProblem]:
    """Every problem of a layout (row = the line's place in the list, from 1)."""
    try:
        _normal_sides(chart)
    except (KeyError, FileNotFoundError):
        return [FieldProblem("chart", UNKNOWN_CHART.format(chart=chart))]
    problems: list[FieldProblem] = []
    numbers: dict[int, int] = {}
    for row, line in enumerate(lines, start=1):
        if not line.label.strip():
            problems.append(FieldProblem("label", LABEL_MISSING, row))
        if line.line_no is not None:
            if line.line_no in numbers:
                problems.append(FieldProblem("line_no", DUPLICATE_LINE.format(line=line.line_no), row))
            numbers[line.line_no] = row
        if line.formula.strip() and line.line_no is None:
            problems.append(FieldProblem("line_no", FORMULA_WITHOUT_LINE, row))
    graph: dict[int, set[int]] = {}
    for row, line in enumerate(lines, start=1):
        if not line.formula.strip():
            continue
        try:
            terms = parse_formula(line.formula)
        except FormulaError as error:
            message = FORMULA_SYNTAX.format(formula=line.formula, detail=error.detail)
            problems.append(FieldProblem("formula", message, row))
            continue
        for _coefficient, (function, target) in terms:
            if function == "line":
                if int(target) not in numbers:
                    message = UNKNOWN_LINE.format(formula=line.formula, line=target)
                    problems.append(FieldProblem("formula", message, row))
                elif line.line_no is not None:
                    graph.setdefault(line.line_no, set()).add(int(target))
            elif function and function not in FUNCTIONS:
                message = UNKNOWN_FUNCTION.format(formula=line.formula, name=function)
                problems.append(FieldProblem("formula", message, row))
            elif not _known_account(chart, target):
                message = UNKNOWN_ACCOUNT.format(formula=line.formula, code=target, chart=chart)
                problems.append(FieldProblem("formula", message, row))
    for line_no in sorted(_lines_in_cycles(graph)):
        problems.append(FieldProblem("formula", LINE_CYCLE.format(line=line_no), numbers[line_no]))
    for line_no in check or ():
        if line_no not in numbers:
            problems.append(FieldProblem("check", CHECK_LINE_UNKNOWN.format(line=line_no)))
    return problems


def _lines_in_cycles(graph: dict[int, set[int]]) -> set[int]:
    """Lines that reach themselves through line references."""
    cyclic = set()
    for start in graph:
        seen, stack = set(), list(graph[start])
        while stack:
            node = stack.pop()
            if node == start:
                cyclic.add(start)
                break
            if node not in seen:
                seen.add(node)
                stack.extend(graph.get(node, ()))
    return cyclic


def _evaluation_order(formulas: dict[int, list[Term]]) -> list[int]:
    """Line numbers so that every line comes after the lines its formula uses (checked acyclic)."""
    order: list[int] = []
    done: set[int] = set()

    def visit(line_no: int) -> None:
        if line_no in done:
            return
        done.add(line_no)
        for _c, (function, target) in formulas[line_no]:
            if function == "line":
                visit(int(target))
        order.append(line_no)

    for line_no in formulas:
        visit(line_no)
    return order


# ---------------------------------------------------------------------------------------------
# Layouts: reading, saving, seeding
# ---------------------------------------------------------------------------------------------


def specs_from_data(data: dict) -> tuple[str, list[LineSpec], tuple[int, int] | None]:
    """(title, lines, check) from one statement of a layout file (see statements-2023.json)."""
    lines = [
        LineSpec(
            label=str(item.get("label", "")),
            line_no=item.get("no"),
            formula=str(item.get("formula", "")),
            indent=int(item.get("indent", 0)),
            bold=bool(item.get("bold", False)),
        )
        for item in data["lines"]
    ]
    check = tuple(data["check"]) if data.get("check") else None
    return data["title"], lines, check


def layout_to_data(layout: StatementLayout) -> dict:
    """A saved layout in the form of the data file, so that it can be edited and loaded again."""
    lines = []
    for line in layout.lines.all():
        item: dict = {}
        if line.line_no is not None:
            item["no"] = line.line_no
        item["label"] = line.label
        if line.indent:
            item["indent"] = line.indent
        if line.bold:
            item["bold"] = True
        if line.formula:
            item["formula"] = line.formula
        lines.append(item)
    check = [layout.check_left_line, layout.check_right_line] if layout.check_left_line else None
    return {"title": layout.title, "check": check, "lines": lines}


def seed_data(chart: str) -> dict:
    return json.loads((DATA_DIR / f"statements-{chart}.json").read_text(encoding="utf-8"))


def seed_layouts(layout_model, line_model, *, charts: tuple[str, ...]) -> None:
    """Write each chart's seeded layouts (``statements-<chart>.json``) that are not there yet.

    A layout already present is left alone: a county may have changed it. Every formula is checked
    before anything is written. The models are passed in so that the migrations can call it.
    """
    for chart in charts:
        data = seed_data(chart)
        for kind, statement in data["statements"].items():
            if layout_model.objects.filter(chart=chart, kind=kind).exists():
                continue
            title, lines, check = specs_from_data(statement)
            problems = check_layout(chart=chart, lines=lines, check=check)
            if problems:
                raise ValueError(f"statements-{chart}.json {kind}: " + "；".join(map(str, problems)))
            write_layout(
                layout_model, line_model, chart=chart, kind=kind, title=title, lines=lines, check=check
            )


def write_layout(
    layout_model, line_model, *, chart: str, kind: str, title: str, lines, check
) -> StatementLayout:
    """Replace a layout's rows (the models are passed in so that migrations can use it too)."""
    layout, _ = layout_model.objects.update_or_create(
        chart=chart,
        kind=kind,
        defaults={
            "title": title,
            "check_left_line": check[0] if check else None,
            "check_right_line": check[1] if check else None,
        },
    )
    line_model.objects.filter(layout=layout).delete()
    line_model.objects.bulk_create(
        line_model(
            layout=layout,
            position=position,
            line_no=spec.line_no,
            label=spec.label.strip(),
            indent=spec.indent,
            bold=spec.bold,
            formula=spec.formula.strip(),
        )
        for position, spec in enumerate(lines, start=1)
    )
    return layout


def _may_edit_layouts(user) -> bool:
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return RoleAssignment.objects.filter(user=user, role=Role.ADMIN, ledger_id__isnull=True).exists()


def statement_layout_save(
    *,
    actor,
    chart: str,
    kind: str,
    title: str,
    lines: list[LineSpec],
    check: tuple[int, int] | None,
) -> StatementLayout:
    """Replace the layout of one statement of one chart, after checking every formula."""
    if not _may_edit_layouts(actor):
        raise NotPermitted(FORBIDDEN_LAYOUT)
    if kind not in StatementKind.values:
        raise DomainError(gettext("报表类型 {kind} 不存在").format(kind=kind), field="kind")
    problems = check_layout(chart=chart, lines=lines, check=check)
    if problems:
        raise DomainError(problems=problems)
    with transaction.atomic():
        layout = write_layout(
            StatementLayout, StatementLine, chart=chart, kind=kind, title=title, lines=lines, check=check
        )
        audit_record(
            actor=actor,
            action="statement_layout_save",
            obj=layout,
            chart=chart,
            kind=kind,
            lines=len(lines),
        )
    return layout


# ---------------------------------------------------------------------------------------------
# Building the statements
# ---------------------------------------------------------------------------------------------

BALANCE_SHEET_COLUMNS = ["line", "item", "opening", "closing"]
BALANCE_SHEET_HEADERS = [_("行次"), _("项目"), _("年初数"), _("期末数")]
INCOME_COLUMNS = ["line", "item", "period", "year_to_date"]
INCOME_HEADERS = [_("行次"), _("项目"), _("本期数"), _("本年累计数")]


@dataclass
class StatementRow:
    line_no: int | None
    label: str
    indent: int
    bold: bool
    amounts: tuple[int, int] | None  # None for a heading


@dataclass
class Statement:
    scope: ReportScope
    kind: str
    title: str
    headers: list[str]  # the two amount columns
    rows: list[StatementRow]
    check: tuple[int, int] | None = None
    differences: tuple[int, int] = (0, 0)  # check-left minus check-right, per column
    labels: dict[int, str] = field(default_factory=dict)

    @property
    def is_balanced(self) -> bool:
        return self.differences == (0, 0)

    def line(self, line_no: int) -> StatementRow:
        return next(row for row in self.rows if row.line_no == line_no)

    @property
    def warning(self) -> str | None:
        if self.is_balanced or self.check is None:
            return None
        columns = gettext("，").join(
            gettext("{header} {amount} 元").format(header=header, amount=format_fen(diff))
            for header, diff in zip(self.headers, self.differences, strict=True)
            if diff
        )
        left, right = (self.labels[n] for n in self.check)
        return UNBALANCED.format(title=self.title, left=left, right=right, columns=columns)


def _layout(chart: str, kind: str) -> StatementLayout:
    layout = StatementLayout.objects.filter(chart=chart, kind=kind).prefetch_related("lines").first()
    if layout is None:
        raise DomainError(NO_LAYOUT.format(chart=chart, statement=StatementKind(kind).label), field="chart")
    return layout


def _parsed(layout: StatementLayout) -> tuple[list[StatementLine], dict[int, list[Term]]]:
    lines = list(layout.lines.all())
    formulas = {line.line_no: parse_formula(line.formula) for line in lines if line.formula}
    return lines, formulas


def _side_split_codes(formulas: dict[int, list[Term]]) -> list[str]:
    return sorted({t for terms in formulas.values() for _c, (f, t) in terms if f in ("debit", "credit")})


def _under(prefixes: list[str]) -> Q:
    condition = Q(account__code__startswith=prefixes[0])
    for prefix in prefixes[1:]:
        condition |= Q(account__code__startswith=prefix)
    return condition


def _sum_when(condition: Q, expression) -> Sum:
    return Sum(Case(When(condition, then=expression), default=Value(0), output_field=IntegerField()))


@dataclass
class _Figures:
    """Per leaf code (and, for side-split codes, per ledger and counterparty): a value per column."""

    groups: list[tuple[str, tuple[int, int]]]  # (leaf code, (column 1, column 2)) net debit balances
    debit: dict[str, tuple[int, int]] = field(default_factory=dict)  # movements (income statement)
    credit: dict[str, tuple[int, int]] = field(default_factory=dict)
    opening: dict[str, int] = field(default_factory=dict)  # net debit at the start of the year


def _balance_sheet_figures(scope: ReportScope, split: list[str]) -> _Figures:
    year_start = scope.to_key // 100 * 100 + 1
    opening = opening_window(scope, before_key=year_start)
    closing = opening_window(scope, before_key=scope.to_key + 1)
    net = F("debit_fen") - F("credit_fen")
    # 内部往来 balances are kept apart per ledger and counterparty so that debit(113) and
    # credit(113) see each side; every other account collapses to one row per code.
    if split:
        here = _under(split)
        ledger = Case(When(here, then=F("ledger_id")), default=Value(0), output_field=IntegerField())
        party = Case(When(here, then=F("counterparty_key")), default=Value(0), output_field=IntegerField())
    else:
        ledger = party = Value(0, output_field=IntegerField())
    rows = (
        scope.balances()
        .filter(closing)
        .annotate(split_ledger=ledger, split_party=party)
        .values("account__code", "split_ledger", "split_party")
        .annotate(opening=_sum_when(opening, net), closing=Sum(net))
        .order_by()
    )
    groups = [(r["account__code"], (r["opening"] or 0, r["closing"] or 0)) for r in rows]
    return _Figures(groups=groups)


def _income_figures(scope: ReportScope) -> _Figures:
    year = scope.to_key // 100
    year_open = opening_window(scope, before_key=year * 100 + 1)
    moving = Q(month__gte=1, is_closing=False)
    period = moving & Q(period_key__gte=scope.from_key, period_key__lte=scope.to_key)
    to_date = moving & Q(period_key__gte=year * 100 + 1, period_key__lte=scope.to_key)
    rows = (
        scope.balances()
        .filter(year_open | period | to_date)
        .values("account__code")
        .annotate(
            opening=_sum_when(year_open, F("debit_fen") - F("credit_fen")),
            period_debit=_sum_when(period, F("debit_fen")),
            period_credit=_sum_when(period, F("credit_fen")),
            year_debit=_sum_when(to_date, F("debit_fen")),
            year_credit=_sum_when(to_date, F("credit_fen")),
        )
        .order_by()
    )
    figures = _Figures(groups=[])
    for r in rows:
        code = r["account__code"]
        debit = (r["period_debit"] or 0, r["year_debit"] or 0)
        credit = (r["period_credit"] or 0, r["year_credit"] or 0)
        figures.groups.append((code, (debit[0] - credit[0], debit[1] - credit[1])))
        figures.debit[code], figures.credit[code] = debit, credit
        figures.opening[code] = r["opening"] or 0
    return figures


def _reference_values(chart: str, kind: str, figures: _Figures, refs: set[Ref]) -> dict[Ref, tuple[int, int]]:
    """The value of every account reference, per column, in its natural direction."""
    sides = _normal_sides(chart)
    values: dict[Ref, tuple[int, int]] = {}
    for function, code in refs:
        direction = 1 if sides[code[:3]] == "debit" else -1
        under = [(leaf, amounts) for leaf, amounts in figures.groups if leaf.startswith(code)]
        if function == "":
            pair = tuple(direction * sum(a[i] for _l, a in under) for i in (0, 1))
        elif function == "opening":
            if kind == StatementKind.BALANCE_SHEET:  # the 年初数 column is the year's opening
                total = sum(a[0] for _l, a in under)
            else:
                total = sum(v for leaf, v in figures.opening.items() if leaf.startswith(code))
            pair = (direction * total, direction * total)
        elif kind == StatementKind.BALANCE_SHEET:
            # The balances on one side, group by group (ledger, leaf, counterparty).
            pick = (lambda v: max(v, 0)) if function == "debit" else (lambda v: max(-v, 0))
            pair = tuple(sum(pick(a[i]) for _l, a in under) for i in (0, 1))
        else:
            movements = figures.debit if function == "debit" else figures.credit
            pair = tuple(sum(v[i] for leaf, v in movements.items() if leaf.startswith(code)) for i in (0, 1))
        values[(function, code)] = pair
    return values


def build_statement(scope: ReportScope, kind: str) -> Statement:
    layout = _layout(scope.chart, kind)
    lines, formulas = _parsed(layout)
    if kind == StatementKind.BALANCE_SHEET:
        figures = _balance_sheet_figures(scope, _side_split_codes(formulas))
        headers = [str(header) for header in BALANCE_SHEET_HEADERS[2:]]
    else:
        figures = _income_figures(scope)
        headers = [str(header) for header in INCOME_HEADERS[2:]]
    refs = {ref for terms in formulas.values() for _c, ref in terms if ref[0] != "line"}
    values = _reference_values(scope.chart, kind, figures, refs)
    results: dict[int, tuple[int, int]] = {}
    for line_no in _evaluation_order(formulas):
        total = [0, 0]
        for coefficient, ref in formulas[line_no]:
            pair = results[int(ref[1])] if ref[0] == "line" else values[ref]
            total[0] += coefficient * pair[0]
            total[1] += coefficient * pair[1]
        results[line_no] = (total[0], total[1])
    rows = [
        StatementRow(
            line_no=line.line_no,
            label=line.label,
            indent=line.indent,
            bold=line.bold,
            amounts=results.get(line.line_no) if line.formula else None,
        )
        for line in lines
    ]
    check = (layout.check_left_line, layout.check_right_line) if layout.check_left_line else None
    differences = (0, 0)
    if check:
        left, right = results[check[0]], results[check[1]]
        differences = (left[0] - right[0], left[1] - right[1])
    return Statement(
        scope=scope,
        kind=kind,
        title=layout.title,
        headers=headers,
        rows=rows,
        check=check,
        differences=differences,
        labels={line.line_no: line.label for line in lines if line.line_no is not None},
    )


def build_balance_sheet(scope: ReportScope) -> Statement:
    return build_statement(scope, StatementKind.BALANCE_SHEET)


def build_income_statement(scope: ReportScope) -> Statement:
    return build_statement(scope, StatementKind.INCOME)


def statement_rows(statement: Statement) -> list[list]:
    """The lines that carry figures, as catalogue rows (headings carry none)."""
    return [[row.line_no, row.label, *row.amounts] for row in statement.rows if row.amounts is not None]


def statement_total(statement: Statement) -> list:
    """The table's closing row: the balance check's difference, or the statement's last line."""
    if statement.check is not None:
        left, right = (statement.labels[n] for n in statement.check)
        return ["", gettext("差额（{left}−{right}）").format(left=left, right=right), *statement.differences]
    return statement_rows(statement)[-1]
