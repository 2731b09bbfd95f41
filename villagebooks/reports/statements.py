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

Layouts: a ledger's statements use its county's override if the county has one, else the
platform's (``layouts_for``). A region over counties with different layouts is computed county by
county, each with its own formulas, and added line by line, which is only meaningful when the
layouts have the same lines; when they do not, the region's statement is refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from functools import cache

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.common import rawrows
from villagebooks.common.audit import audit_record
from villagebooks.common.errors import DomainError, FieldProblem, NotPermitted
from villagebooks.common.money import format_fen
from villagebooks.ledger.domain.chart import DATA_DIR, chart_templates
from villagebooks.ledger.models import Account, AccountBalance, Ledger, RegionBalance, RegionSideBalance
from villagebooks.ledger.rollups import side_kept
from villagebooks.regions.models import Region, RegionKind, Role, RoleAssignment
from villagebooks.reports.chart_map import chart_map
from villagebooks.reports.models import StatementKind, StatementLayout, StatementLine
from villagebooks.reports.scope import (
    RegionLedgerIds,
    ReportScope,
    opening_window,
    rollup_source,
    rollup_starts,
)

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
ACROSS_YEARS = _("收益及收益分配表按年度编制，所选期间跨越 {start} 年和 {end} 年，请在同一年内选择起止月份")
NO_LAYOUT = _("{chart} 会计制度的{statement}格式尚未设置")
FORBIDDEN_LAYOUT = _("只有系统管理员可以修改平台的报表格式")
FORBIDDEN_OVERRIDE = _("只有“{region}”或其上级的管理员可以修改该县(区)的报表格式")
NOT_A_COUNTY = _("报表格式只能按县(区)自定义，“{region}”不是县(区)")
NO_OVERRIDE = _("“{region}”没有自定义的{statement}格式（{chart} 会计制度）")
LAYOUTS_DIFFER = _(
    "所选区域内各县(区)的{statement}格式不同（{regions}），行次或项目对不上，不能汇总；请分县(区)查看"
)
KEY_LINE_MISSING = _("“{region}”的{statement}格式中没有第 {line} 行")
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
            platform = layout_model.objects.filter(chart=chart, kind=kind)
            if any(f.name == "region" for f in layout_model._meta.fields):
                platform = platform.filter(region__isnull=True)
            if platform.exists():
                continue
            title, lines, check = specs_from_data(statement)
            problems = check_layout(chart=chart, lines=lines, check=check)
            if problems:
                raise ValueError(f"statements-{chart}.json {kind}: " + "；".join(map(str, problems)))
            write_layout(
                layout_model, line_model, chart=chart, kind=kind, title=title, lines=lines, check=check
            )


def write_layout(
    layout_model, line_model, *, chart: str, kind: str, title: str, lines, check, region: Region | None = None
) -> StatementLayout:
    """Replace a layout's rows: the platform's, or with ``region`` that county's override.

    The models are passed in so that migrations can use it too; those before 0004 know no
    region, and every layout they write is the platform's.
    """
    place = {"region": region} if any(f.name == "region" for f in layout_model._meta.fields) else {}
    layout, _ = layout_model.objects.update_or_create(
        chart=chart,
        kind=kind,
        **place,
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


def _may_edit_layout(user, region: Region | None) -> bool:
    """The platform's layout (``region`` None): a system administrator only. A county's override:
    also an administrator of that county or of a region above it. Never a ledger-level role."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    held = RoleAssignment.objects.filter(user=user, role=Role.ADMIN, ledger_id__isnull=True).values_list(
        "region__parent_id", "region__path"
    )
    return any(
        parent_id is None or (region is not None and region.path.startswith(path)) for parent_id, path in held
    )


def _require_layout_editor(actor, region: Region | None) -> None:
    if region is not None and region.kind != RegionKind.COUNTY:
        raise DomainError(NOT_A_COUNTY.format(region=region.name), field="region")
    if not _may_edit_layout(actor, region):
        message = FORBIDDEN_LAYOUT if region is None else FORBIDDEN_OVERRIDE.format(region=region.name)
        raise NotPermitted(message)


def _require_kind(kind: str) -> None:
    if kind not in StatementKind.values:
        raise DomainError(gettext("报表类型 {kind} 不存在").format(kind=kind), field="kind")


def statement_layout_save(
    *,
    actor,
    chart: str,
    kind: str,
    title: str,
    lines: list[LineSpec],
    check: tuple[int, int] | None,
    region: Region | None = None,
) -> StatementLayout:
    """Replace the platform's layout of one statement of one chart, or with ``region`` (a county)
    write that county's override, after checking every formula.

    Raises:
        NotPermitted: ``actor`` may not edit the layout there (``_may_edit_layout``).
        DomainError: ``region`` is not a county, or a formula or line is wrong. Nothing is saved.
    """
    _require_layout_editor(actor, region)
    _require_kind(kind)
    problems = check_layout(chart=chart, lines=lines, check=check)
    if problems:
        raise DomainError(problems=problems)
    with transaction.atomic():
        layout = write_layout(
            StatementLayout,
            StatementLine,
            chart=chart,
            kind=kind,
            title=title,
            lines=lines,
            check=check,
            region=region,
        )
        audit_record(
            actor=actor,
            action="statement_layout_save",
            obj=layout,
            chart=chart,
            kind=kind,
            region=region.code if region else None,
            lines=len(lines),
        )
    return layout


def statement_layout_override_drop(*, actor, chart: str, kind: str, region: Region) -> None:
    """Remove a county's override: its ledgers use the platform's layout again."""
    _require_layout_editor(actor, region)
    _require_kind(kind)
    with transaction.atomic():
        layout = StatementLayout.objects.filter(chart=chart, kind=kind, region=region).first()
        if layout is None:
            statement = StatementKind(kind).label
            raise DomainError(
                NO_OVERRIDE.format(region=region.name, statement=statement, chart=chart), field="region"
            )
        audit_record(
            actor=actor,
            action="statement_layout_drop",
            obj=layout,
            chart=chart,
            kind=kind,
            region=region.code,
            layout=layout_to_data(layout),  # what was dropped, to restore it from the log if need be
        )
        layout.delete()


def layout_in_force(*, chart: str, kind: str, region: Region | None = None) -> StatementLayout:
    """The layout a county's ledgers use (its override, else the platform's); None: the platform's."""
    layouts = StatementLayout.objects.filter(chart=chart, kind=kind)
    layout = None
    if region is not None:
        layout = layouts.filter(region__isnull=False, region__path__in=_ancestor_paths(region.path)).first()
    layout = layout or layouts.filter(region__isnull=True).first()
    if layout is None:
        raise DomainError(NO_LAYOUT.format(chart=chart, statement=StatementKind(kind).label), field="chart")
    return layout


def _ancestor_paths(path: str) -> list[str]:
    """A region's own path and those of its ancestors ("a/b/" → ["a/", "a/b/"])."""
    codes = path.strip("/").split("/")
    return ["".join(code + "/" for code in codes[: i + 1]) for i in range(len(codes))]


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
    # The layouts its figures came from (several for a region whose counties override the
    # platform's, each on its own ledgers), lines loaded.
    layouts: tuple[StatementLayout, ...] = ()

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


def layouts_for(scope: ReportScope, kind: str) -> list[tuple[StatementLayout, tuple[int, ...]]]:
    """The layouts the scope's ledgers use, each with its ledgers, lines loaded.

    A ledger uses its county's override if there is one, else the platform's layout. Without any
    override (the usual case) this is one query for the layouts and one for their lines; the
    ledgers' villages are read only when the scope straddles a county that has one.
    """
    candidates = _layouts_with_lines(scope.chart, kind)
    platform = next((layout for layout in candidates if layout.region_id is None), None)
    overrides = [layout for layout in candidates if layout.region_id is not None]

    def owner(path: str) -> StatementLayout | None:
        return next((o for o in overrides if path.startswith(o.region.path)), platform)

    if not overrides:
        groups = {platform: scope.ledger_ids}
    elif scope.single_ledger is not None:
        groups = {owner(scope.single_ledger.village.path): scope.ledger_ids}
    elif scope.region is not None and not any(
        o.region.path.startswith(scope.region.path) and o.region_id != scope.region.pk for o in overrides
    ):
        groups = {owner(scope.region.path): scope.ledger_ids}  # within one county, or beside them all
    else:
        paths = Ledger.objects.filter(pk__in=scope.ledger_ids).values_list("pk", "village__path")
        by_layout: dict[StatementLayout | None, list[int]] = {}
        for pk, path in paths:
            by_layout.setdefault(owner(path), []).append(pk)
        groups = {layout: tuple(sorted(ids)) for layout, ids in by_layout.items()}
    if None in groups:
        raise DomainError(
            NO_LAYOUT.format(chart=scope.chart, statement=StatementKind(kind).label), field="chart"
        )
    return sorted(groups.items(), key=lambda item: (item[0].region_id is not None, item[0].pk))


def _layouts_with_lines(chart: str, kind: str) -> list[StatementLayout]:
    """The chart's layouts of ``kind`` (the platform's and any county's), each with its region and
    its lines (``layout.lines.all()`` reads no more), in two statements written once
    (``rawrows``): every statement and consolidated report reads them, and the ORM's compiling
    of its join and prefetch cost more than the queries."""
    quote = connection.ops.quote_name
    size = rawrows.width(StatementLayout)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rawrows.columns(StatementLayout, 't')}, {rawrows.columns(Region, 'r')}"
            f" FROM {quote(StatementLayout._meta.db_table)} t LEFT JOIN {quote(Region._meta.db_table)} r"
            " ON r.id = t.region_id WHERE t.chart = %s AND t.kind = %s ORDER BY t.id",
            [chart, kind],
        )
        layouts = []
        for row in cursor.fetchall():
            layout = rawrows.instance(StatementLayout, row[:size])
            layout.region = rawrows.instance(Region, row[size:]) if layout.region_id is not None else None
            layouts.append(layout)
        if not layouts:
            return []
        cursor.execute(
            f"SELECT {rawrows.columns(StatementLine, 't')} FROM {quote(StatementLine._meta.db_table)} t"
            f" WHERE t.layout_id IN ({', '.join(['%s'] * len(layouts))}) ORDER BY t.layout_id, t.position",
            [layout.pk for layout in layouts],
        )
        lines: dict[int, list[StatementLine]] = {layout.pk: [] for layout in layouts}
        for row in cursor.fetchall():
            line = rawrows.instance(StatementLine, row)
            lines[line.layout_id].append(line)
    for layout in layouts:
        for line in lines[layout.pk]:
            line.layout = layout
        # As ``prefetch_related_objects`` leaves them: ``layout.lines.all()`` is this list.
        cached = layout.lines.all()
        cached._result_cache, cached._prefetch_done = lines[layout.pk], True
        layout._prefetched_objects_cache = {"lines": cached}
    return layouts


def _form(layout: StatementLayout) -> tuple:
    """What a reader of the statement sees of its layout: title, check and every line but its formula."""
    lines = tuple(
        (line.line_no, line.label, line.indent, line.bold, bool(line.formula)) for line in layout.lines.all()
    )
    return layout.title, layout.check_left_line, layout.check_right_line, lines


def _require_one_form(groups: list[tuple[StatementLayout, tuple[int, ...]]], kind: str) -> None:
    """Layouts whose line N is the same item everywhere can be added up line by line, whatever
    their formulas; layouts that differ in their lines cannot: which would the total show?"""
    forms = {_form(layout) for layout, _ids in groups}
    if len(forms) > 1:
        names = gettext("、").join(
            layout.region.name if layout.region_id else gettext("平台格式") for layout, _ids in groups
        )
        # No field: the request is right, the region's layouts are what cannot be added up.
        raise DomainError(LAYOUTS_DIFFER.format(statement=StatementKind(kind).label, regions=names))


def _parsed(layout: StatementLayout) -> tuple[list[StatementLine], dict[int, list[Term]]]:
    lines = list(layout.lines.all())
    formulas = {line.line_no: parse_formula(line.formula) for line in lines if line.formula}
    return lines, formulas


def _side_split_codes(formulas: dict[int, list[Term]]) -> list[str]:
    return sorted({t for terms in formulas.values() for _c, (f, t) in terms if f in ("debit", "credit")})


def _under(prefixes: list[str], *, field: str = "account__code") -> Q:
    condition = Q(**{f"{field}__startswith": prefixes[0]})
    for prefix in prefixes[1:]:
        condition |= Q(**{f"{field}__startswith": prefix})
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


def _rolled_up_balance_sheet_figures(scope: ReportScope, split: list[str]) -> _Figures | None:
    """The balance sheet's figures from the region's roll-ups, or None if the scope cannot use them.

    The side-split accounts (内部往来, whose debit and credit balances are shown apart per ledger,
    account and counterparty) come from the region's side roll-ups (``_rolled_up_side_groups``)
    when they keep them all, else from the ledgers' own rows (``_side_split_groups``).
    """
    year_start = scope.to_key // 100 * 100 + 1
    starts = rollup_starts(scope, before_keys=(year_start, scope.to_key + 1))
    if starts is None:
        return None
    # ``rollup_source``'s aggregation written as SQL: the ORM's compiling costs more than the query.
    window = "(period_key = %s OR (period_key > %s AND month >= 1)) AND period_key < %s"
    opening, closing = [starts[0], starts[0], year_start], [starts[1], starts[1], scope.to_key + 1]
    apart = "".join(" AND account_code NOT LIKE %s" for _prefix in split)
    sql = (
        f"SELECT account_code, SUM(CASE WHEN {window} THEN debit_fen - credit_fen ELSE 0 END),"
        f" SUM(debit_fen - credit_fen) FROM {RegionBalance._meta.db_table}"
        f" WHERE region_id = %s AND chart = %s AND {window}{apart} GROUP BY account_code"
    )
    params = [*opening, scope.rollup_region.pk, scope.chart, *closing, *(f"{prefix}%" for prefix in split)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # int(): PostgreSQL's SUM of bigints is a numeric (a Decimal here).
        groups = [(code, (int(start or 0), int(end or 0))) for code, start, end in cursor.fetchall()]
    if split and all(side_kept(prefix) for prefix in split):
        groups.extend(_rolled_up_side_groups(scope, split))
    elif split:
        groups.extend(_side_split_groups(scope, split))
    return _Figures(groups=groups)


def _rolled_up_side_groups(scope: ReportScope, split: list[str]) -> list[tuple[str, tuple[int, int]]]:
    """The side-split accounts' figures from the region's side roll-ups (``RegionSideBalance``):
    per account code, the sum of the positive balances of its (ledger, account, counterparty)
    groups and the sum of the negative ones, at the year's opening (month 0) and at the report's
    last month — two groups a code, one on each side, which ``_reference_values`` adds up as it
    would the groups themselves. Each is the sum of the changes of every month end up to it."""
    opening_key = scope.to_key // 100 * 100
    codes = " OR ".join("account_code LIKE %s" for _prefix in split)
    sql = (
        "SELECT account_code, SUM(CASE WHEN period_key <= %s THEN positive_fen ELSE 0 END),"
        " SUM(CASE WHEN period_key <= %s THEN negative_fen ELSE 0 END), SUM(positive_fen), SUM(negative_fen)"
        f" FROM {_table(RegionSideBalance)} WHERE region_id = %s AND chart = %s AND period_key <= %s"
        f" AND ({codes}) GROUP BY account_code"
    )
    params = [opening_key, opening_key, scope.rollup_region.pk, scope.chart, scope.to_key]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *(f"{prefix}%" for prefix in split)])
        rows = cursor.fetchall()
    groups = []
    for code, positive_opening, negative_opening, positive, negative in rows:
        # int(): PostgreSQL's SUM of bigints is a numeric (a Decimal here).
        groups.append((code, (int(positive_opening), int(positive))))
        groups.append((code, (int(negative_opening), int(negative))))
    return groups


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _side_split_groups(scope: ReportScope, split: list[str]) -> list[tuple[str, tuple[int, int]]]:
    """The side-split accounts' (leaf code, (year opening, closing)) per ledger, leaf and
    counterparty, for a scope read from its roll-ups (one balance window for all its ledgers:
    ``ledger.selectors.balance_window``, applied here to the rows read).

    One statement, written as SQL (the ORM's compiling of a few hundred ledger ids cost more than
    the query): the accounts first, by code range (their (ledger, code) key), then their balance
    rows by account — a few accounts' rows a village, never the rest of the county's. The months
    and the balance's ledger are compared as ``+period_key`` and ``+b.ledger_id`` so that SQLite's
    planner looks the rows up by account instead of scanning each ledger's rows of every account
    in its (ledger, period) index. A whole region's ledgers are a subquery (``RegionLedgerIds``),
    never listed; other ledgers go as a list (PostgreSQL: one array)."""
    year = scope.to_key // 100
    start, year_start, end = min(year, min(scope.carried_years)) * 100, year * 100 + 1, scope.to_key + 1
    codes = " OR ".join("(a.code >= %s AND a.code < %s)" for _prefix in split)
    bounds = [bound for prefix in split for bound in (prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1))]
    if isinstance(scope.ledger_ids, RegionLedgerIds):  # a whole region's: a subquery, not a list
        subquery, ledger_params = scope.ledger_ids.query()
        ledgers = f"IN ({subquery})"
    elif connection.vendor == "postgresql":
        ledgers, ledger_params = "= ANY(%s)", [list(scope.ledger_ids)]
    else:
        ledgers, ledger_params = f"IN ({', '.join(['%s'] * len(scope.ledger_ids))})", list(scope.ledger_ids)
    sql = (
        "SELECT a.id, a.code, b.counterparty_key, b.period_key, b.month, SUM(b.debit_fen - b.credit_fen)"
        f" FROM {_table(Account)} a JOIN {_table(AccountBalance)} b"
        " ON +b.ledger_id = a.ledger_id AND b.account_id = a.id"
        f" WHERE a.ledger_id {ledgers} AND ({codes}) AND +b.period_key >= %s AND +b.period_key < %s"
        " GROUP BY a.id, a.code, b.counterparty_key, b.period_key, b.month"
    )
    groups: dict[tuple[int, int], list] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ledger_params, *bounds, start, end])
        for account, code, party, key, month, net in cursor.fetchall():
            if key != start and month < 1:  # a later year's opening repeats its months
                continue
            group = groups.setdefault((account, party), [code, 0, 0])
            group[2] += int(net)  # int(): PostgreSQL's SUM of bigints is a numeric
            if key < year_start:
                group[1] += int(net)
    return [(code, (opening, closing)) for code, opening, closing in groups.values()]


def _balance_sheet_figures(scope: ReportScope, split: list[str], *, only_split: bool = False) -> _Figures:
    if not only_split:
        rolled = _rolled_up_balance_sheet_figures(scope, split)
        if rolled is not None:
            return rolled
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
    balances = scope.balances().filter(_under(split)) if only_split else scope.balances()
    rows = (
        balances.filter(closing)
        .annotate(split_ledger=ledger, split_party=party)
        .values("account__code", "split_ledger", "split_party")
        .annotate(opening=_sum_when(opening, net), closing=Sum(net))
        .order_by()
    )
    groups = [(r["account__code"], (r["opening"] or 0, r["closing"] or 0)) for r in rows]
    return _Figures(groups=groups)


def _income_figures(scope: ReportScope) -> _Figures:
    year = scope.to_key // 100
    source = rollup_source(scope, before_keys=(year * 100 + 1,))
    if source is not None:  # the region's roll-ups: the same figures, from a few rows
        balances, (year_open,) = source
        code_field = "account_code"
    else:
        balances, year_open = scope.balances(), opening_window(scope, before_key=year * 100 + 1)
        code_field = "account__code"
    moving = Q(month__gte=1, is_closing=False)
    period = moving & Q(period_key__gte=scope.from_key, period_key__lte=scope.to_key)
    to_date = moving & Q(period_key__gte=year * 100 + 1, period_key__lte=scope.to_key)
    rows = (
        balances.filter(year_open | period | to_date)
        .values(code_field)
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
        code = r[code_field]
        debit = (r["period_debit"] or 0, r["year_debit"] or 0)
        credit = (r["period_credit"] or 0, r["year_credit"] or 0)
        figures.groups.append((code, (debit[0] - credit[0], debit[1] - credit[1])))
        figures.debit[code], figures.credit[code] = debit, credit
        figures.opening[code] = r["opening"] or 0
    return figures


def _statement_figures(
    scope: ReportScope, kind: str, formulas: dict[int, list[Term]], split=None
) -> _Figures:
    if kind == StatementKind.BALANCE_SHEET:
        return _balance_sheet_figures(scope, _side_split_codes(formulas) if split is None else split)
    return _income_figures(scope)


def _add_mapped_figures(
    figures: _Figures, scope: ReportScope, kind: str, formulas: dict[int, list[Term]]
) -> None:
    """Add the scope's 2004 ledgers to ``figures`` under their 2023 codes (新旧衔接 map)."""
    mapping = chart_map()
    split = [
        old + code[3:]
        for code in _side_split_codes(formulas)
        for old, pair in mapping.pairs.items()
        if pair.new == code[:3]
    ]
    old_figures = _statement_figures(scope.mapped(), kind, formulas, split=split)
    figures.groups.extend((mapping.new_code(code), amounts) for code, amounts in old_figures.groups)
    for name in ("debit", "credit"):
        target = getattr(figures, name)
        for code, pair in getattr(old_figures, name).items():
            new = mapping.new_code(code)
            before = target.get(new, (0, 0))
            target[new] = (before[0] + pair[0], before[1] + pair[1])
    for code, value in old_figures.opening.items():
        new = mapping.new_code(code)
        figures.opening[new] = figures.opening.get(new, 0) + value


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


def evaluate_lines(
    chart: str, kind: str, formulas: dict[int, list[Term]], figures: _Figures
) -> dict[int, tuple[int, int]]:
    """Every line's value pair, the formulas run over one set of figures."""
    refs = {ref for terms in formulas.values() for _c, ref in terms if ref[0] != "line"}
    values = _reference_values(chart, kind, figures, refs)
    results: dict[int, tuple[int, int]] = {}
    for line_no in _evaluation_order(formulas):
        total = [0, 0]
        for coefficient, ref in formulas[line_no]:
            pair = results[int(ref[1])] if ref[0] == "line" else values[ref]
            total[0] += coefficient * pair[0]
            total[1] += coefficient * pair[1]
        results[line_no] = (total[0], total[1])
    return results


def build_statement(scope: ReportScope, kind: str) -> Statement:
    """The statement of the scope's ledgers.

    A region whose counties use different layouts (an override beside the platform's): each
    group of ledgers is computed with its own layout and the groups are added line by line. Every
    figure is a sum over ledgers, so this is the statement each county would publish, added up.
    It needs the layouts to have the same lines (numbers, items, headings); when they do not,
    there is no correct total to show and the report is refused (``LAYOUTS_DIFFER``).
    """
    # The layouts go by place, so a 2004 ledger added through the 新旧衔接 map is computed with
    # the layout of its county, as its 2023 neighbours are.
    groups = layouts_for(scope.everything() if scope.mapped_ledger_ids else scope, kind)
    if len(groups) > 1:
        _require_one_form(groups, kind)
    results: dict[int, tuple[int, int]] = {}
    mapped = set(scope.mapped_ledger_ids)
    for layout, ledger_ids in groups:
        if mapped:
            native_ids = tuple(pk for pk in ledger_ids if pk not in mapped)
            mapped_ids = tuple(pk for pk in ledger_ids if pk in mapped)
        else:  # not listed: a region's ledger ids are read only if a report needs them
            native_ids, mapped_ids = ledger_ids, ()
        if len(groups) == 1 and not mapped_ids:
            part = scope
        else:
            part = replace(scope, ledger_ids=native_ids, mapped_ledger_ids=mapped_ids)
            if len(groups) > 1:  # a part of the region: its ledgers' own rows, not the roll-ups
                part = part.without_rollups()
        _lines, formulas = _parsed(layout)
        figures = _statement_figures(part.native(), kind, formulas) if native_ids else _Figures(groups=[])
        if mapped_ids:
            _add_mapped_figures(figures, part, kind, formulas)
        for line_no, pair in evaluate_lines(scope.chart, kind, formulas, figures).items():
            before = results.get(line_no, (0, 0))
            results[line_no] = (before[0] + pair[0], before[1] + pair[1])
    layout = groups[0][0]
    lines = list(layout.lines.all())
    headers = BALANCE_SHEET_HEADERS[2:] if kind == StatementKind.BALANCE_SHEET else INCOME_HEADERS[2:]
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
        headers=[str(header) for header in headers],
        rows=rows,
        check=check,
        differences=differences,
        labels={line.line_no: line.label for line in lines if line.line_no is not None},
        layouts=tuple(layout for layout, _ids in groups),
    )


def build_balance_sheet(scope: ReportScope) -> Statement:
    return build_statement(scope, StatementKind.BALANCE_SHEET)


def build_income_statement(scope: ReportScope) -> Statement:
    """The income statement; its columns are the months asked for and the year to their end,
    so the months must lie in one year (across two, 本年累计 would mean nothing)."""
    if scope.from_key // 100 != scope.to_key // 100:
        raise DomainError(
            ACROSS_YEARS.format(start=scope.from_key // 100, end=scope.to_key // 100), field="from"
        )
    return build_statement(scope, StatementKind.INCOME)


def balance_sheet_of_balances(
    *, chart: str, region: Region | None, balances: list[tuple[str, int, int]]
) -> Statement:
    """The balance sheet (layout in force for ``region``) of balances given as values, not read
    from a ledger: ``(leaf code, counterparty key, net debit fen)``; both columns show them. The
    新旧衔接 report runs the 2023 form over an old ledger's balances carried through its plan."""
    layout = layout_in_force(chart=chart, kind=StatementKind.BALANCE_SHEET, region=region)
    lines, formulas = _parsed(layout)
    grouped: dict[tuple[str, int], int] = {}
    for code, party, net in balances:  # one group per leaf and counterparty, as a ledger's
        grouped[(code, party)] = grouped.get((code, party), 0) + net
    figures = _Figures(groups=[(code, (net, net)) for (code, _party), net in grouped.items()])
    results = evaluate_lines(chart, StatementKind.BALANCE_SHEET, formulas, figures)
    check = (layout.check_left_line, layout.check_right_line) if layout.check_left_line else None
    differences = (0, 0)
    if check:
        left, right = results[check[0]], results[check[1]]
        differences = (left[0] - right[0], left[1] - right[1])
    return Statement(
        scope=None,
        kind=StatementKind.BALANCE_SHEET,
        title=layout.title,
        headers=[str(header) for header in BALANCE_SHEET_HEADERS[2:]],
        rows=[
            StatementRow(
                line_no=line.line_no,
                label=line.label,
                indent=line.indent,
                bold=line.bold,
                amounts=results.get(line.line_no) if line.formula else None,
            )
            for line in lines
        ],
        check=check,
        differences=differences,
        labels={line.line_no: line.label for line in lines if line.line_no is not None},
        layouts=(layout,),
    )


def statement_rows(statement: Statement) -> list[list]:
    """The lines that carry figures, as catalogue rows (headings carry none)."""
    return [[row.line_no, row.label, *row.amounts] for row in statement.rows if row.amounts is not None]


def statement_total(statement: Statement) -> list:
    """The table's closing row: the balance check's difference, or the statement's last line."""
    if statement.check is not None:
        left, right = (statement.labels[n] for n in statement.check)
        return ["", gettext("差额（{left}−{right}）").format(left=left, right=right), *statement.differences]
    return statement_rows(statement)[-1]
