"""Subsidy programmes, lists (补贴名册), their payment, the bank's return (回盘) and the three-way
reconciliation list ↔ bank return ↔ books.

A list is checked against the registry before it may be paid. Arithmetic and format errors
refuse it outright; the registry's findings (not in the registry, ineligible, dead before the
payment date, already paid in this programme and period, an excluded programme the same year,
a card that is not the person's) each block it as a named problem unless a user holding
``registry.override`` overrides them with a reason, and then each overridden problem is kept
(``ListProblem``): the supervision rules read exactly these.

Paying a list (``--pay``) makes its voucher through ``ledger.services`` (one line per list or per
person, as the county sets in ``terms``), charged to the fund and the project, and submits it: a
voucher is reviewed by someone other than who made it, then posted as any other. With a named
reviewer (``--reviewer``, a second user holding ``ledger.review``) the voucher is reviewed by that
user and posted by the payer in the same transaction, through the ledger's own services. What the books hold for a
list is read from its voucher when asked (posted and not reversed: ``batch_states``,
``_booked_amounts``), so posting itself carries no hook of the registry's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.common.audit import audit_record, record_personal_data_view
from villagebooks.common.errors import Conflict, DomainError, FieldProblem, NotPermitted
from villagebooks.common.money import MAX_FEN, format_fen, yuan_to_fen
from villagebooks.common.tabular import Aliases, picker, table_open
from villagebooks.ledger import access as ledger_access
from villagebooks.ledger import services as ledger_services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import (
    Account,
    Fund,
    FundKind,
    Ledger,
    Project,
    Voucher,
    VoucherLine,
    VoucherStatus,
)
from villagebooks.regions import permissions
from villagebooks.regions.models import Region
from villagebooks.registry import access
from villagebooks.registry import errors as E
from villagebooks.registry.domain import identity
from villagebooks.registry.models import (
    BankReturnLine,
    Basis,
    BatchState,
    Frequency,
    HouseholdStatus,
    ListProblem,
    Person,
    Programme,
    ReturnStatus,
    SubsidyBatch,
    SubsidyLine,
)
from villagebooks.registry.terms import PER_PERSON, terms

# ---------------------------------------------------------------------------------------------
# Messages

PROGRAMME_COLUMNS = ("programme", "name", "region", "fund_kind", "basis", "standard", "eligible_status", "excludes",
                     "frequency")  # fmt: skip
PROGRAMME_ALIASES: Aliases = {
    "programme": ("programme", "项目编码"),
    "name": ("name", "项目名称", "补贴项目"),
    "region": ("region", "行政区划"),
    "fund_kind": ("fund_kind", "资金类别"),
    "basis": ("basis", "计发依据"),
    "standard": ("standard", "标准"),
    "eligible_status": ("eligible_status", "享受户类型"),
    "excludes": ("excludes", "互斥项目"),
    "frequency": ("frequency", "发放周期"),
}
LIST_COLUMNS = ("id_number", "name", "quantity", "standard", "amount", "bank_card")
LIST_ALIASES: Aliases = {
    "id_number": ("id_number", "身份证号", "身份证号码"),
    "name": ("name", "姓名"),
    "quantity": ("quantity", "数量"),
    "standard": ("standard", "标准"),
    "amount": ("amount", "金额"),
    "bank_card": ("bank_card", "银行卡号", "一卡通卡号"),
}
RETURN_COLUMNS = ("id_number", "name", "bank_card", "amount", "status", "reason")
RETURN_ALIASES: Aliases = {
    "id_number": ("id_number", "身份证号", "身份证号码"),
    "name": ("name", "姓名"),
    "bank_card": ("bank_card", "银行卡号", "一卡通卡号"),
    "amount": ("amount", "金额"),
    "status": ("status", "状态"),
    "reason": ("reason", "原因", "失败原因"),
}
BASIS_ALIASES = {"按人": Basis.PERSON, "按户": Basis.HOUSEHOLD, "按亩": Basis.MU}
FREQUENCY_ALIASES = {"每年": Frequency.YEAR, "每季度": Frequency.QUARTER, "每月": Frequency.MONTH}
RETURN_STATUS = {"成功": ReturnStatus.SUCCESS, "失败": ReturnStatus.FAILURE,
                 "success": ReturnStatus.SUCCESS, "failure": ReturnStatus.FAILURE}  # fmt: skip

UNKNOWN_REGION = _("行政区划 {code} 不存在")
UNKNOWN_FUND_KIND = _("资金类别“{value}”无效")
UNKNOWN_BASIS = _("计发依据“{value}”无效，应为 person、household 或 mu")
UNKNOWN_FREQUENCY = _("发放周期“{value}”无效，应为 year、quarter 或 month")
UNKNOWN_ELIGIBLE = _("户类型“{value}”无效")
UNKNOWN_PROGRAMME = _("补贴项目 {code} 不存在")
BAD_AMOUNT = _("金额“{value}”无效")
BAD_QUANTITY = _("数量“{value}”无效，应为大于零的数")
AMOUNT_NOT_PRODUCT = _("金额 {amount} 不等于 数量 × 标准（{expected}）")
STANDARD_NOT_PROGRAMME = _("标准 {standard} 与补贴项目的标准 {programme} 不同")
FORBIDDEN_PROGRAMMES = _("您没有权限在“{region}”设置补贴项目")
BATCH_EXISTS = _("账套中已有批次 {batch}")
UNKNOWN_BATCH = _("账套中没有批次 {batch}")
NO_FUND = _("账套中没有“{kind}”类别的资金，请用 --fund 指定")
SEVERAL_FUNDS = _("账套中有多个“{kind}”类别的资金（{names}），请用 --fund 指定")
UNKNOWN_FUND = _("账套中没有资金“{name}”")
OVERRIDE_FORBIDDEN = _("您没有权限放行名册问题")
UNKNOWN_RETURN_STATUS = _("状态“{value}”无效，应为 成功 或 失败")
BATCH_CHANGED = _("其他人同时导入了同一批次，未作任何更改，请重新导入")
NOT_FAILED = _("{id} 在批次 {batch} 中没有失败的发放")
UNKNOWN_RESOLUTION = _("处理方式应为 repay（重新发放）或 return（退回资金）")
ACCOUNT_NOT_LEAF = _("科目 {code} 有多个下级科目（{leaves}），请指定发放所用的末级科目")
PAYMENT_SUMMARY = _("发放{programme}（批次{batch}）")
PAYMENT_PERSON_SUMMARY = _("发放{programme} {name}")
UNKNOWN_PROJECT = _("账套中没有项目 {code}（请先在项目库中登记）")
PAYABLE_FUND_KIND = "payable"  # a programme whose lists pay a payable (分红: 211), not a fund
PAYABLE_NOT_POSTED = _("批次 {batch} 的发放凭证尚未记账，不能导入回盘")
PAYABLE_NO_PAYEES = _("没有应发放的人")
PAYABLE_FAILED_SUMMARY = _("{programme}发放失败退回（批次{batch}）")
PAYABLE_FAILED_NOTE = _("退回应付款，凭证草稿#{voucher}")
UNKNOWN_REVIEWER = _("审核人 {username} 不存在或已停用")
REVIEWER_IS_ACTOR = _("审核人不能是制单人本人，请指定另一位有审核权限的用户")
REVIEWER_CANNOT_REVIEW = _("审核人 {username} 没有账套 {ledger} 的凭证审核权限")
REVIEWER_WITHOUT_PAY = _("--reviewer 只能与 --pay 一起使用")

# The problems a list can be paid with only by an override, by kind.
NOT_IN_REGISTRY = "not_in_registry"
NAME_MISMATCH = "name_mismatch"
INELIGIBLE = "ineligible"
DEAD = "dead"
ALREADY_PAID = "already_paid"
EXCLUDED = "excluded"
CARD_NOT_PERSONS = "card_not_persons"
PROBLEM_TEXT = {
    NOT_IN_REGISTRY: _("不在农户信息中"),
    NAME_MISMATCH: _("姓名与农户信息（{name}）不符"),
    INELIGIBLE: _("不符合享受条件：{why}"),
    DEAD: _("已于 {date} 死亡，早于发放日期"),
    ALREADY_PAID: _("本期（{period}）已在批次 {batch} 第{row}行领取本项目"),
    EXCLUDED: _("本年已领取互斥项目 {programme}（批次 {batch}）"),
    CARD_NOT_PERSONS: _("银行卡号不是本人登记的卡号"),
}
INELIGIBLE_STATUS = _("发放日期时户类型为“{status}”，本项目限 {statuses}")
INELIGIBLE_REGION = _("不在本项目的区域 {region} 内")
INELIGIBLE_HOUSEHOLD_TWICE = _("按户发放，同户已在第{row}行")


def _money(text: str, column: str, row: int, problems: list) -> int | None:
    try:
        return yuan_to_fen(text)
    except (DomainError, ValueError, InvalidOperation):
        problems.append(FieldProblem(column, str(BAD_AMOUNT.format(value=text)), row))
        return None


# ---------------------------------------------------------------------------------------------
# Programmes


@dataclass
class ProgrammesImportResult:
    created: int = 0
    changed: int = 0


def programmes_import(*, actor, path: Path) -> ProgrammesImportResult:
    """Create or change programmes from a file (``PROGRAMME_COLUMNS``); all or nothing."""
    t = terms()
    allowed_status = set(t.statuses) | set(t.monitor_kinds)
    problems: list[FieldProblem] = []
    rows = []
    with table_open(Path(path), PROGRAMME_ALIASES, required=PROGRAMME_COLUMNS) as table:
        if table.unknown:
            raise DomainError(E.UNKNOWN_COLUMNS.format(columns=", ".join(table.unknown)), field="header")
        pick = picker(table.columns, PROGRAMME_COLUMNS)
        for number, cells in table.rows:
            values = pick(cells)
            if not any(values):
                continue
            code, name, region, fund_kind, basis, standard, eligible, excludes, frequency = values
            for column, value in (
                ("programme", code),
                ("name", name),
                ("region", region),
                ("standard", standard),
            ):
                if not value:
                    problems.append(FieldProblem(column, str(E.REQUIRED), number))
            kinds = {str(label): value for value, label in FundKind.choices} | {v: v for v in FundKind.values}
            if fund_kind not in kinds:
                problems.append(
                    FieldProblem("fund_kind", str(UNKNOWN_FUND_KIND.format(value=fund_kind)), number)
                )
            basis = BASIS_ALIASES.get(basis, basis)
            if basis not in Basis.values:
                problems.append(FieldProblem("basis", str(UNKNOWN_BASIS.format(value=basis)), number))
            frequency = FREQUENCY_ALIASES.get(frequency, frequency)
            if frequency not in Frequency.values:
                problems.append(
                    FieldProblem("frequency", str(UNKNOWN_FREQUENCY.format(value=frequency)), number)
                )
            statuses = [s.strip() for s in eligible.replace("；", ";").split(";") if s.strip()]
            for status in statuses:
                if status not in allowed_status:
                    problems.append(
                        FieldProblem("eligible_status", str(UNKNOWN_ELIGIBLE.format(value=status)), number)
                    )
            standard_fen = _money(standard, "standard", number, problems) if standard else None
            excluded = [s.strip() for s in excludes.replace("；", ";").split(";") if s.strip()]
            rows.append((number, code, name, region, kinds.get(fund_kind), basis, standard_fen, statuses, excluded,
                         frequency))  # fmt: skip
    if not rows and not problems:
        raise DomainError(E.NO_ROWS, field="file")
    regions = Region.objects.in_bulk({r[3] for r in rows}, field_name="code")
    known = set(Programme.objects.values_list("code", flat=True)) | {r[1] for r in rows}
    for number, _code, _name, region, *_rest, excluded, _frequency in rows:
        if region and region not in regions:
            problems.append(FieldProblem("region", str(UNKNOWN_REGION.format(code=region)), number))
        elif region and not permissions.can_in_region(actor, access.PROGRAMMES, regions[region]):
            problems.append(
                FieldProblem("region", str(FORBIDDEN_PROGRAMMES.format(region=regions[region].name)), number)
            )
        for other in excluded:
            if other not in known:
                problems.append(FieldProblem("excludes", str(UNKNOWN_PROGRAMME.format(code=other)), number))
    if problems:
        raise DomainError(problems=problems)
    result = ProgrammesImportResult()
    with transaction.atomic():
        existing = Programme.objects.select_for_update().in_bulk({r[1] for r in rows}, field_name="code")
        for _number, code, name, region, kind, basis, standard_fen, statuses, excluded, frequency in rows:
            values = {
                "name": name,
                "region": regions[region],
                "fund_kind": kind,
                "basis": basis,
                "standard_fen": standard_fen,
                "eligible_statuses": statuses,
                "excludes": excluded,
                "frequency": frequency,
            }
            programme = existing.get(code)
            if programme is None:
                programme = Programme.objects.create(code=code, **values)
                result.created += 1
                audit_record(actor=actor, action="programme_create", obj=programme, code=code,
                             standard_fen=standard_fen)  # fmt: skip
                continue
            before = {k: getattr(programme, k) if k != "region" else programme.region.code for k in values}
            after = values | {"region": region}
            if before == after:
                continue
            for key, value in values.items():
                setattr(programme, key, value)
            programme.save()
            result.changed += 1
            changed = {k: [before[k], after[k]] for k in values if before[k] != after[k]}
            audit_record(actor=actor, action="programme_change", obj=programme, code=code, changes=changed)
    return result


# ---------------------------------------------------------------------------------------------
# Lists


def period_of(frequency: str, day: date) -> str:
    if frequency == Frequency.MONTH:
        return f"{day.year}-{day.month:02d}"
    if frequency == Frequency.QUARTER:
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


@dataclass
class ListRow:
    row: int
    id_number: str
    name: str
    quantity: str
    standard_fen: int
    amount_fen: int
    bank_card: str
    person: Person | None = None


@dataclass
class ListProblemFound:
    row: int
    id_number: str
    kind: str
    message: str

    def as_field_problem(self) -> FieldProblem:
        return FieldProblem("id_number", f"[{self.kind}] {self.message}", self.row)


@dataclass
class ListResult:
    batch: SubsidyBatch
    lines: int
    total_fen: int
    overridden: list[ListProblemFound] = field(default_factory=list)
    voucher: Voucher | None = None


def _read_list(path: Path, programme: Programme) -> list[ListRow]:
    problems: list[FieldProblem] = []
    rows: list[ListRow] = []
    with table_open(path, LIST_ALIASES, required=LIST_COLUMNS) as table:
        if table.unknown:
            raise DomainError(E.UNKNOWN_COLUMNS.format(columns=", ".join(table.unknown)), field="header")
        pick = picker(table.columns, LIST_COLUMNS)
        for number, cells in table.rows:
            values = pick(cells)
            if not any(values):
                continue
            id_text, name, quantity, standard, amount, card = values
            id_number = identity.normalise_id(id_text)
            for column, value in (("id_number", id_number), ("name", name), ("quantity", quantity),
                                  ("standard", standard), ("amount", amount)):  # fmt: skip
                if not value:
                    problems.append(FieldProblem(column, str(E.REQUIRED), number))
            if id_number and (message := identity.id_number_problem(id_number, today=timezone.localdate())):
                problems.append(FieldProblem("id_number", message, number))
            try:
                qty = Decimal(quantity)
                if not qty.is_finite() or qty <= 0 or qty > 10**9:
                    raise InvalidOperation
            except InvalidOperation:
                if quantity:
                    problems.append(
                        FieldProblem("quantity", str(BAD_QUANTITY.format(value=quantity)), number)
                    )
                qty = None
            standard_fen = _money(standard, "standard", number, problems) if standard else None
            amount_fen = _money(amount, "amount", number, problems) if amount else None
            if qty is not None and standard_fen is not None and amount_fen is not None:
                expected = int((qty * standard_fen).quantize(Decimal(1), rounding=ROUND_HALF_UP))
                if expected != amount_fen or not 0 < amount_fen <= MAX_FEN:
                    problems.append(
                        FieldProblem(
                            "amount",
                            str(AMOUNT_NOT_PRODUCT.format(amount=amount, expected=format_fen(expected))),
                            number,
                        )  # fmt: skip
                    )
                if standard_fen != programme.standard_fen:
                    problems.append(
                        FieldProblem(
                            "standard",
                            str(
                                STANDARD_NOT_PROGRAMME.format(
                                    standard=format_fen(standard_fen),
                                    programme=format_fen(programme.standard_fen),
                                )
                            ),
                            number,
                        )  # fmt: skip
                    )
            card = identity.normalise_card(card)
            rows.append(ListRow(number, id_number, name, quantity, standard_fen or 0, amount_fen or 0, card))
    if problems:
        raise DomainError(problems=problems)
    if not rows:
        raise DomainError(E.NO_ROWS, field="file")
    return rows


def check_list(
    rows: list[ListRow], *, ledger: Ledger, programme: Programme, pay_date: date
) -> list[ListProblemFound]:
    """The registry's findings on ``rows``, as named problems (``PROBLEM_TEXT``'s kinds)."""
    found: list[ListProblemFound] = []

    def add(line: ListRow, kind: str, **values) -> None:
        found.append(
            ListProblemFound(line.row, line.id_number, kind, str(PROBLEM_TEXT[kind].format(**values)))
        )

    persons = {}
    ids = sorted({r.id_number for r in rows})
    for start in range(0, len(ids), 5000):
        for person in Person.objects.filter(id_number__in=ids[start : start + 5000]).select_related(
            "village"
        ):
            persons[person.id_number] = person
    statuses = _statuses_at([p.household_id for p in persons.values()], pay_date)
    period = period_of(programme.frequency, pay_date)
    paid_before = _paid_in_period(programme, period, ids)
    excluded = _excluded_this_year(programme, pay_date.year, ids)
    seen: dict[str, ListRow] = {}
    households: dict[int, ListRow] = {}
    labels = {s: s for s in programme.eligible_statuses}
    for row in rows:
        person = persons.get(row.id_number)
        row.person = person
        if person is None:
            add(row, NOT_IN_REGISTRY)
            continue
        if person.name != row.name:
            add(row, NAME_MISMATCH, name=person.name)
        if not person.village.path.startswith(programme.region.path):
            add(row, INELIGIBLE, why=INELIGIBLE_REGION.format(region=programme.region.name))
        if programme.eligible_statuses:
            status, kind = statuses.get(person.household_id, ("", ""))
            if status not in labels and kind not in labels:
                add(row, INELIGIBLE, why=INELIGIBLE_STATUS.format(status=status or "-",
                                                                 statuses="、".join(programme.eligible_statuses)))  # fmt: skip
        if programme.basis == Basis.HOUSEHOLD:
            first = households.setdefault(person.household_id, row)
            if first is not row:
                add(row, INELIGIBLE, why=INELIGIBLE_HOUSEHOLD_TWICE.format(row=first.row))
        if not person.alive and person.death_date and person.death_date < pay_date:
            add(row, DEAD, date=person.death_date.isoformat())
        first = seen.setdefault(row.id_number, row)
        if first is not row:
            add(row, ALREADY_PAID, period=period, batch=gettext("本名册"), row=first.row)
        elif row.id_number in paid_before:
            batch_code, line_row = paid_before[row.id_number]
            add(row, ALREADY_PAID, period=period, batch=batch_code, row=line_row)
        if row.id_number in excluded:
            other, batch_code = excluded[row.id_number]
            add(row, EXCLUDED, programme=other, batch=batch_code)
        if row.bank_card != person.bank_card:
            add(row, CARD_NOT_PERSONS)
    return found


def _statuses_at(household_ids: list[int], day: date) -> dict[int, tuple[str, str]]:
    """Each household's status on ``day``, from its history (the latest from on or before it)."""
    result: dict[int, tuple[str, str]] = {}
    ids = sorted(set(household_ids))
    for start in range(0, len(ids), 5000):
        rows = HouseholdStatus.objects.filter(
            household_id__in=ids[start : start + 5000], since__lte=day
        ).order_by("household_id", "since", "id")
        for household_id, status, kind in rows.values_list("household_id", "status", "monitor_kind"):
            result[household_id] = (status, kind)
    return result


def _paid_in_period(programme: Programme, period: str, ids: list[str]) -> dict[str, tuple[str, int]]:
    paid = {}
    for start in range(0, len(ids), 5000):
        lines = SubsidyLine.objects.filter(
            batch__programme=programme, batch__period=period, id_number__in=ids[start : start + 5000]
        ).values_list("id_number", "batch__code", "row")
        for id_number, batch_code, row in lines:
            paid.setdefault(id_number, (batch_code, row))
    return paid


def _excluded_this_year(programme: Programme, year: int, ids: list[str]) -> dict[str, tuple[str, str]]:
    # Exclusion goes both ways: this programme excludes others, or another excludes this one.
    others = set(programme.excludes) | {
        code
        for code, excludes in Programme.objects.values_list("code", "excludes")
        if programme.code in excludes
    }
    others.discard(programme.code)
    if not others:
        return {}
    found = {}
    for start in range(0, len(ids), 5000):
        lines = SubsidyLine.objects.filter(
            batch__programme__code__in=others,
            batch__pay_date__year=year,
            id_number__in=ids[start : start + 5000],
        ).values_list("id_number", "batch__programme__code", "batch__code")
        for id_number, code, batch_code in lines:
            found.setdefault(id_number, (code, batch_code))
    return found


def _fund_for(ledger: Ledger, programme: Programme, fund_name: str | None) -> Fund:
    if fund_name:
        fund = Fund.objects.filter(ledger=ledger, name=fund_name).first()
        if fund is None:
            raise DomainError(UNKNOWN_FUND.format(name=fund_name), field="fund")
        return fund
    funds = list(Fund.objects.filter(ledger=ledger, kind=programme.fund_kind))
    kind = (
        FundKind(programme.fund_kind).label if programme.fund_kind in FundKind.values else programme.fund_kind
    )
    if not funds:
        raise DomainError(NO_FUND.format(kind=kind), field="fund")
    if len(funds) > 1:
        raise DomainError(
            SEVERAL_FUNDS.format(kind=kind, names="、".join(f.name for f in funds)), field="fund"
        )
    return funds[0]


def subsidy_list_import(
    *,
    actor,
    path: Path,
    ledger: Ledger,
    programme_code: str,
    batch_code: str,
    pay_date: date,
    fund_name: str | None = None,
    pay: bool = False,
    override_reason: str = "",
    debit_account: str = "",
    credit_account: str = "",
    project_code: str = "",
    reviewer_username: str = "",
) -> ListResult:
    """Import and check a list; with ``pay``, make its payment voucher and submit it, or, with
    ``reviewer_username`` (a second user who holds ``ledger.review`` on the ledger), have it
    reviewed by that user and posted by the actor in the same transaction. The voucher's lines
    carry the fund and, with ``project_code``, the ledger's project.

    Raises:
        NotPermitted: the actor may not import lists (or pay, or override) on the ledger.
        DomainError: a bad cell (row, column, reason), an unknown programme, batch or fund, or the
            registry's problems when not overridden. Nothing is written.
    """
    ledger_access.require(actor, ledger, access.LISTS)
    if pay:
        ledger_access.require(actor, ledger, access.PAY)
    reviewer = _reviewer(actor, ledger, reviewer_username, pay) if reviewer_username else None
    project_code = (project_code or "").strip()
    project = None
    if project_code:
        project = Project.objects.filter(ledger=ledger, code=project_code).first()
        if project is None:
            raise DomainError(UNKNOWN_PROJECT.format(code=project_code), field="project")
    override_reason = (override_reason or "").strip()
    if override_reason and not permissions.can(actor, access.OVERRIDE, ledger):
        raise NotPermitted(OVERRIDE_FORBIDDEN, field="override")
    programme = Programme.objects.select_related("region").filter(code=programme_code).first()
    if programme is None:
        raise DomainError(UNKNOWN_PROGRAMME.format(code=programme_code), field="programme")
    if SubsidyBatch.objects.filter(ledger=ledger, code=batch_code).exists():
        raise DomainError(BATCH_EXISTS.format(batch=batch_code), field="batch")
    fund = _fund_for(ledger, programme, fund_name)
    rows = _read_list(Path(path), programme)
    found = check_list(rows, ledger=ledger, programme=programme, pay_date=pay_date)
    if found and not override_reason:
        raise DomainError(problems=[p.as_field_problem() for p in found])
    total = sum(r.amount_fen for r in rows)
    try:
        with transaction.atomic():
            batch = SubsidyBatch.objects.create(
                ledger=ledger,
                code=batch_code,
                programme=programme,
                pay_date=pay_date,
                period=period_of(programme.frequency, pay_date),
                fund=fund,
                project=project,
                total_fen=total,
                override_reason=override_reason if found else "",
                created_by=actor,
            )
            per_person = terms().payment_voucher_lines == PER_PERSON
            SubsidyLine.objects.bulk_create(
                [
                    SubsidyLine(
                        ledger=ledger,
                        batch=batch,
                        row=r.row,
                        person=r.person,
                        id_number=r.id_number,
                        name=r.name,
                        quantity=r.quantity,
                        standard_fen=r.standard_fen,
                        amount_fen=r.amount_fen,
                        bank_card=r.bank_card,
                        voucher_line_no=index + 1 if per_person else None,
                    )  # fmt: skip
                    for index, r in enumerate(rows)
                ],
                batch_size=2000,
            )
            ListProblem.objects.bulk_create(
                [
                    ListProblem(
                        ledger=ledger,
                        batch=batch,
                        row=p.row,
                        id_number=p.id_number,
                        kind=p.kind,
                        message=p.message[:300],
                        reason=override_reason,
                        overridden_by=actor,
                    )  # fmt: skip
                    for p in found
                ]
            )
            audit_record(
                actor=actor,
                action="subsidy_list_import",
                ledger_id=ledger.pk,
                obj=batch,
                programme=programme.code,
                batch=batch_code,
                lines=len(rows),
                total_fen=total,
                overridden={p.kind: sum(1 for q in found if q.kind == p.kind) for p in found},
                reason=override_reason if found else "",
            )
            voucher = (
                _payment_voucher(actor, batch, rows, per_person, debit_account, credit_account)
                if pay
                else None
            )
            if voucher is not None and reviewer is not None:
                voucher = ledger_services.voucher_review(actor=reviewer, voucher=voucher)
                voucher = ledger_services.voucher_post(actor=actor, voucher=voucher)
    except IntegrityError as error:
        raise Conflict(BATCH_CHANGED, field="batch") from error
    return ListResult(batch=batch, lines=len(rows), total_fen=total, overridden=found, voucher=voucher)


def _reviewer(actor, ledger: Ledger, username: str, pay: bool):
    """The user named to review the payment voucher: another user holding ``ledger.review``."""
    from django.contrib.auth import get_user_model

    if not pay:
        raise DomainError(REVIEWER_WITHOUT_PAY, field="reviewer")
    reviewer = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
    if reviewer is None:
        raise DomainError(UNKNOWN_REVIEWER.format(username=username), field="reviewer")
    if reviewer.pk == actor.pk:
        raise NotPermitted(REVIEWER_IS_ACTOR, field="reviewer")
    if not ledger_access.can(reviewer, ledger, ledger_access.Action.REVIEW):
        raise NotPermitted(
            REVIEWER_CANNOT_REVIEW.format(username=username, ledger=ledger.code), field="reviewer"
        )
    return reviewer


def _leaf(ledger: Ledger, code: str, field_name: str) -> str:
    """``code`` if it is a leaf account of the ledger, else its one leaf below it."""
    leaves = list(
        Account.objects.filter(ledger=ledger, code__startswith=code, is_leaf=True, is_active=True)
        .order_by("code")
        .values_list("code", flat=True)
    )
    if code in leaves:
        return code
    if len(leaves) == 1:
        return leaves[0]
    raise DomainError(ACCOUNT_NOT_LEAF.format(code=code, leaves="、".join(leaves) or "-"), field=field_name)


def _payment_voucher(
    actor,
    batch: SubsidyBatch,
    rows: list[ListRow],
    per_person: bool,
    debit_account: str = "",
    credit_account: str = "",
) -> Voucher:
    ledger = batch.ledger
    configured = terms().payment_accounts[ledger.chart]
    accounts = {
        "debit": _leaf(ledger, debit_account or configured["debit"], "debit_account"),
        "credit": _leaf(ledger, credit_account or configured["credit"], "credit_account"),
    }
    programme = batch.programme
    summary = str(PAYMENT_SUMMARY.format(programme=programme.name, batch=batch.code))[:200]
    tags = {"fund_name": batch.fund.name, "project_code": batch.project.code if batch.project else ""}
    if per_person:
        debits = [
            LineInput(
                str(PAYMENT_PERSON_SUMMARY.format(programme=programme.name, name=r.name))[:200],
                accounts["debit"],
                debit_fen=r.amount_fen,
                **tags,
            )  # fmt: skip
            for r in rows
        ]
    else:
        debits = [LineInput(summary, accounts["debit"], debit_fen=batch.total_fen, **tags)]
    credit = LineInput(summary, accounts["credit"], credit_fen=batch.total_fen, **tags)
    voucher = ledger_services.voucher_create(
        actor=actor, ledger=ledger, date=batch.pay_date, lines=[*debits, credit], note=summary, submit=True
    )
    batch.voucher = voucher
    batch.save(update_fields=["voucher"])
    return voucher


# ---------------------------------------------------------------------------------------------
# Lists that pay a payable (分红): the same batch, bank file, return and reconciliation


@dataclass(frozen=True)
class Payee:
    """One payment of a payable list: to ``person`` (whose card the bank pays), settling what the
    books owe ``counterparty`` on the payable account."""

    person: Person
    counterparty: str
    amount_fen: int


def payable_programme(*, region: Region, code: str, name: str) -> Programme:
    """The programme a village's payable lists are filed under (made on first use): no fund, no
    standard, no eligibility; the registry's checks of subsidy lists do not apply to it."""
    programme, _created = Programme.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "region": region,
            "fund_kind": PAYABLE_FUND_KIND,
            "basis": Basis.HOUSEHOLD,
            "standard_fen": 0,
            "frequency": Frequency.YEAR,
        },
    )
    return programme


def payable_batch_create(
    *,
    actor,
    ledger: Ledger,
    programme: Programme,
    batch_code: str,
    pay_date: date,
    payees: list[Payee],
    payable_account: str,
    reviewer_username: str = "",
) -> ListResult:
    """A list that pays what the books owe (``payable_account``, per counterparty), as a batch of
    the subsidy machinery: its payment voucher debits the payable once per payee (with the
    payee's counterparty) and credits the bank, submitted for review (or, with a named reviewer,
    reviewed and posted at once); the bank's return is imported as for any list, and its failed
    payments are booked back to the payable (``bank_return_import``).

    Raises:
        NotPermitted: the actor may not import or pay lists on the ledger.
        DomainError: no payees, a batch code taken, a bad reviewer.
    """
    ledger_access.require(actor, ledger, access.LISTS)
    ledger_access.require(actor, ledger, access.PAY)
    reviewer = _reviewer(actor, ledger, reviewer_username, True) if reviewer_username else None
    if not payees:
        raise DomainError(PAYABLE_NO_PAYEES, field="payees")
    if SubsidyBatch.objects.filter(ledger=ledger, code=batch_code).exists():
        raise DomainError(BATCH_EXISTS.format(batch=batch_code), field="batch")
    debit_code = _leaf(ledger, payable_account, "debit_account")
    credit_code = _leaf(ledger, terms().payment_accounts[ledger.chart]["credit"], "credit_account")
    total = sum(p.amount_fen for p in payees)
    try:
        with transaction.atomic():
            batch = SubsidyBatch.objects.create(
                ledger=ledger,
                code=batch_code,
                programme=programme,
                pay_date=pay_date,
                period=period_of(programme.frequency, pay_date),
                fund=None,
                total_fen=total,
                created_by=actor,
            )
            SubsidyLine.objects.bulk_create(
                [
                    SubsidyLine(
                        ledger=ledger,
                        batch=batch,
                        row=index + 1,
                        person=p.person,
                        id_number=p.person.id_number,
                        name=p.person.name,
                        quantity="1",
                        standard_fen=p.amount_fen,
                        amount_fen=p.amount_fen,
                        bank_card=p.person.bank_card,
                        voucher_line_no=index + 1,
                    )  # fmt: skip
                    for index, p in enumerate(payees)
                ],
                batch_size=2000,
            )
            audit_record(
                actor=actor,
                action="payable_list_create",
                ledger_id=ledger.pk,
                obj=batch,
                programme=programme.code,
                batch=batch_code,
                lines=len(payees),
                total_fen=total,
            )
            summary = str(PAYMENT_SUMMARY.format(programme=programme.name, batch=batch.code))[:200]
            lines = [
                LineInput(
                    str(PAYMENT_PERSON_SUMMARY.format(programme=programme.name, name=p.person.name))[:200],
                    debit_code,
                    debit_fen=p.amount_fen,
                    counterparty_name=p.counterparty,
                )  # fmt: skip
                for p in payees
            ]
            lines.append(LineInput(summary, credit_code, credit_fen=total))
            voucher = ledger_services.voucher_create(
                actor=actor, ledger=ledger, date=pay_date, lines=lines, note=summary, submit=True
            )
            batch.voucher = voucher
            batch.save(update_fields=["voucher"])
            if reviewer is not None:
                voucher = ledger_services.voucher_review(actor=reviewer, voucher=voucher)
                voucher = ledger_services.voucher_post(actor=actor, voucher=voucher)
    except IntegrityError as error:
        raise Conflict(BATCH_CHANGED, field="batch") from error
    return ListResult(batch=batch, lines=len(payees), total_fen=total, overridden=[], voucher=voucher)


def _payable_failures_book(
    actor, batch: SubsidyBatch, failed_ids: set[str], booked_on: date
) -> Voucher | None:
    """The failed payments of a payable list back on the payable: debit the bank, credit the
    payable with each payee's counterparty as the payment voucher had it; submitted for review.
    A line already booked back (its ``resolution``) is not booked twice."""
    lines = list(
        SubsidyLine.objects.select_for_update()
        .filter(batch=batch, id_number__in=failed_ids, resolution="")
        .order_by("row")
    )
    if not lines:
        return None
    paid = {
        line.line_no: line
        for line in VoucherLine.objects.filter(voucher_id=batch.voucher_id).select_related(
            "account", "counterparty"
        )
    }
    credit_code = next(line.account.code for line in paid.values() if line.credit_fen)
    programme = batch.programme
    summary = str(PAYABLE_FAILED_SUMMARY.format(programme=programme.name, batch=batch.code))[:200]
    entries = []
    for line in lines:
        payment = paid[line.voucher_line_no]
        entries.append(
            LineInput(
                summary,
                payment.account.code,
                credit_fen=payment.debit_fen,
                counterparty_name=payment.counterparty.name if payment.counterparty_id else "",
            )
        )
    total = sum(e.credit_fen for e in entries)
    voucher = ledger_services.voucher_create(
        actor=actor,
        ledger=batch.ledger,
        date=max(batch.pay_date, booked_on),
        lines=[LineInput(summary, credit_code, debit_fen=total), *entries],
        note=summary,
        submit=True,
    )
    note = str(PAYABLE_FAILED_NOTE.format(voucher=voucher.pk))[:200]
    for line in lines:
        line.resolution, line.resolution_note = RETURN, note
    SubsidyLine.objects.bulk_update(lines, ["resolution", "resolution_note"])
    return voucher


def _booked_vouchers(batch_ids) -> dict[int, int]:
    """Batch → its voucher, for the batches whose voucher is posted and not reversed by a posted
    red voucher: what the books hold. Read from the ledger each time, so that nothing is copied
    at posting (posting stays the ledger's hot path, with no hook of ours)."""
    voucher_of = dict(
        SubsidyBatch.objects.filter(pk__in=batch_ids, voucher__status=VoucherStatus.POSTED).values_list(
            "id", "voucher_id"
        )
    )
    reversed_ids = set(
        Voucher.objects.filter(
            reverses_id__in=list(voucher_of.values()), status=VoucherStatus.POSTED
        ).values_list("reverses_id", flat=True)
    )
    return {batch: voucher for batch, voucher in voucher_of.items() if voucher not in reversed_ids}


def batch_states(batches) -> dict[int, str]:
    """Each batch's ``BatchState``: checked (no voucher), submitted (its voucher not posted yet),
    paid (posted), reversed (a posted red voucher undid it)."""
    batches = list(batches)
    booked = _booked_vouchers([b.pk for b in batches])
    posted = set(
        SubsidyBatch.objects.filter(
            pk__in=[b.pk for b in batches], voucher__status=VoucherStatus.POSTED
        ).values_list("id", flat=True)
    )
    states = {}
    for batch in batches:
        if batch.voucher_id is None:
            states[batch.pk] = BatchState.CHECKED
        elif batch.pk in booked:
            states[batch.pk] = BatchState.PAID
        elif batch.pk in posted:
            states[batch.pk] = BatchState.REVERSED
        else:
            states[batch.pk] = BatchState.SUBMITTED
    return states


def _booked_amounts(batch_ids) -> dict[tuple[int, str], int]:
    """(batch, ID number) → the amount the books hold for it: the line's amount on a list booked
    as one voucher line, the person's own voucher line otherwise."""
    booked = _booked_vouchers(batch_ids)
    debits = dict(
        ((voucher_id, line_no), debit)
        for voucher_id, line_no, debit in VoucherLine.objects.filter(
            voucher_id__in=list(booked.values())
        ).values_list("voucher_id", "line_no", "debit_fen")
    )
    amounts: dict[tuple[int, str], int] = defaultdict(int)
    lines = SubsidyLine.objects.filter(batch_id__in=list(booked)).values_list(
        "batch_id", "id_number", "amount_fen", "voucher_line_no"
    )
    for batch_id, id_number, amount, line_no in lines.iterator(chunk_size=5000):
        amounts[(batch_id, id_number)] += (
            amount if line_no is None else debits.get((booked[batch_id], line_no), 0)
        )
    return amounts


# ---------------------------------------------------------------------------------------------
# Bank returns, failed payments, reconciliation


@dataclass
class ReturnResult:
    lines: int
    succeeded: int
    failed: int


def bank_return_import(
    *, actor, path: Path, ledger: Ledger, batch_code: str, booked_on: date | None = None
) -> ReturnResult:
    """Import a batch's bank return (回盘); for a list that pays a payable, its failed payments are
    booked back to the payable on ``booked_on`` (default today; never before the pay date)."""
    ledger_access.require(actor, ledger, access.BANK_RETURN)
    batch = SubsidyBatch.objects.filter(ledger=ledger, code=batch_code).first()
    if batch is None:
        raise DomainError(UNKNOWN_BATCH.format(batch=batch_code), field="batch")
    problems: list[FieldProblem] = []
    rows = []
    with table_open(Path(path), RETURN_ALIASES, required=RETURN_COLUMNS) as table:
        if table.unknown:
            raise DomainError(E.UNKNOWN_COLUMNS.format(columns=", ".join(table.unknown)), field="header")
        pick = picker(table.columns, RETURN_COLUMNS)
        for number, cells in table.rows:
            values = pick(cells)
            if not any(values):
                continue
            id_text, name, card, amount, status, reason = values
            id_number = identity.normalise_id(id_text)
            if not id_number:
                problems.append(FieldProblem("id_number", str(E.REQUIRED), number))
            amount_fen = _money(amount, "amount", number, problems) if amount else None
            if not amount:
                problems.append(FieldProblem("amount", str(E.REQUIRED), number))
            state = RETURN_STATUS.get(status.lower() if status.isascii() else status)
            if state is None:
                problems.append(
                    FieldProblem("status", str(UNKNOWN_RETURN_STATUS.format(value=status)), number)
                )
            rows.append(
                (
                    number,
                    id_number,
                    name[:50],
                    identity.normalise_card(card)[:19],
                    amount_fen,
                    state,
                    reason[:200],
                )
            )
    if problems:
        raise DomainError(problems=problems)
    if not rows:
        raise DomainError(E.NO_ROWS, field="file")
    payable = batch.programme.fund_kind == PAYABLE_FUND_KIND
    if payable and batch.pk not in _booked_vouchers([batch.pk]):
        raise DomainError(PAYABLE_NOT_POSTED.format(batch=batch.code), field="batch")
    with transaction.atomic():
        entry = audit_record(actor=actor, action="bank_return_import", ledger_id=ledger.pk, obj=batch,
                             batch=batch.code, lines=len(rows))  # fmt: skip
        BankReturnLine.objects.bulk_create(
            [
                BankReturnLine(
                    ledger=ledger,
                    batch=batch,
                    row=number,
                    id_number=id_number,
                    name=name,
                    bank_card=card,
                    amount_fen=amount_fen,
                    status=state,
                    reason=reason,
                    audit_entry_id=entry.pk,
                )  # fmt: skip
                for number, id_number, name, card, amount_fen, state, reason in rows
            ],
            batch_size=2000,
        )
        if payable:
            failed_ids = {r[1] for r in rows if r[5] == ReturnStatus.FAILURE}
            if failed_ids:
                _payable_failures_book(actor, batch, failed_ids, booked_on or timezone.localdate())
    succeeded = sum(1 for r in rows if r[5] == ReturnStatus.SUCCESS)
    return ReturnResult(lines=len(rows), succeeded=succeeded, failed=len(rows) - succeeded)


REPAY, RETURN = "repay", "return"


def failed_payment_resolve(
    *, actor, ledger: Ledger, batch_code: str, id_number: str, action: str, note: str = ""
) -> SubsidyLine:
    """Record what is done with a failed payment: paid again (a new bank file, whose return is
    imported again) or the money returned to the fund."""
    ledger_access.require(actor, ledger, access.PAY)
    if action not in (REPAY, RETURN):
        raise DomainError(UNKNOWN_RESOLUTION, field="action")
    batch = SubsidyBatch.objects.filter(ledger=ledger, code=batch_code).first()
    if batch is None:
        raise DomainError(UNKNOWN_BATCH.format(batch=batch_code), field="batch")
    id_number = identity.normalise_id(id_number)
    with transaction.atomic():
        line = SubsidyLine.objects.select_for_update().filter(batch=batch, id_number=id_number).first()
        failed = BankReturnLine.objects.filter(
            batch=batch, id_number=id_number, status=ReturnStatus.FAILURE
        ).exists()
        if line is None or not failed:
            raise DomainError(
                NOT_FAILED.format(id=identity.mask(id_number), batch=batch_code), field="id_number"
            )
        before = line.resolution
        line.resolution, line.resolution_note = action, note[:200]
        line.save(update_fields=["resolution", "resolution_note"])
        audit_record(actor=actor, action="subsidy_failed_" + action, ledger_id=ledger.pk, obj=line,
                     batch=batch.code, before=before, note=note[:200])  # fmt: skip
    return line


MATCHED, UNPAID, WRONG_AMOUNT, UNLISTED, DUPLICATE = (
    "matched",
    "unpaid",
    "wrong_amount",
    "unlisted",
    "duplicate",
)
STATE_LABELS = {
    MATCHED: _("相符"),
    UNPAID: _("未到账"),
    WRONG_AMOUNT: _("金额不符"),
    UNLISTED: _("名册外发放"),
    DUPLICATE: _("重复"),
}


@dataclass
class ReconciliationRow:
    batch_id: int
    batch: str
    id_number: str
    name: str
    listed_fen: int
    paid_fen: int
    booked_fen: int
    state: str
    reason: str
    resolution: str
    village_id: int | None


def reconciliation(batches) -> list[ReconciliationRow]:
    """Each person of each batch in ``batches`` (a queryset): listed ↔ bank return ↔ books, in
    SQL sums per (batch, ID number), then a state each."""
    batch_ids = list(batches.values_list("id", flat=True))
    codes = dict(SubsidyBatch.objects.filter(pk__in=batch_ids).values_list("id", "code"))
    booked_amounts = _booked_amounts(batch_ids)
    listed = defaultdict(lambda: [0, 0, 0, "", "", None])  # count, amount, booked, name, resolution, village
    for batch_id, id_number, count, amount, name, resolution, village in (
        SubsidyLine.objects.filter(batch_id__in=batch_ids)
        .values("batch_id", "id_number")
        .annotate(
            n=Count("id"),
            a=Sum("amount_fen"),
            nm=Max("name"),
            r=Max("resolution"),
            v=Max("person__village_id"),
        )
        .values_list("batch_id", "id_number", "n", "a", "nm", "r", "v")
    ):
        key = (batch_id, id_number)
        listed[key] = [count, amount, booked_amounts.get(key, 0), name, resolution, village]
    paid = defaultdict(lambda: [0, 0, "", ""])  # successes, amount paid, failure reason, name
    for batch_id, id_number, status, count, amount, reason, name in (
        BankReturnLine.objects.filter(batch_id__in=batch_ids)
        .values("batch_id", "id_number", "status")
        .annotate(n=Count("id"), a=Sum("amount_fen"), r=Max("reason"), nm=Max("name"))
        .values_list("batch_id", "id_number", "status", "n", "a", "r", "nm")
    ):
        entry = paid[(batch_id, id_number)]
        entry[3] = entry[3] or name
        if status == ReturnStatus.SUCCESS:
            entry[0] += count
            entry[1] += amount
        else:
            entry[2] = reason
    result = []
    for key in sorted(set(listed) | set(paid), key=lambda k: (codes[k[0]], k[1])):
        count, amount, booked, name, resolution, village = listed.get(key, [0, 0, 0, "", "", None])
        successes, paid_fen, reason, paid_name = paid.get(key, [0, 0, "", ""])
        if count > 1 or successes > 1:
            state = DUPLICATE
        elif count == 0:
            state = UNLISTED
        elif successes == 0:
            state = UNPAID
        elif paid_fen != amount or booked != amount:
            state = WRONG_AMOUNT
        else:
            state = MATCHED
        result.append(ReconciliationRow(key[0], codes[key[0]], key[1], name or paid_name, amount, paid_fen, booked, state,
                                        reason if state == UNPAID else "", resolution, village))  # fmt: skip
    return result


def batches_between(*, ledger_ids, first: date, last: date):
    return SubsidyBatch.objects.filter(ledger_id__in=ledger_ids, pay_date__gte=first, pay_date__lte=last)


RECONCILIATION_COLUMNS = (
    "batch",
    "id_number",
    "name",
    "listed",
    "paid",
    "booked",
    "state",
    "reason",
    "resolution",
)
UNKNOWN_LEDGER = _("账套 {code} 不存在或您无权查看")
RANGE_REVERSED = _("起始期间不能晚于结束期间")


def reconciliation_report(
    *, user, from_key: int, to_key: int, ledger_code: str = "", region_code: str = "", via: str = "cli"
) -> list[list]:
    """The reconciliation of the lists paid in the months ``from_key``..``to_key`` (YYYYMM) of one
    ledger or of every ledger under a region that ``user`` sees; one row a person and batch,
    ``RECONCILIATION_COLUMNS``, amounts in fen. ID numbers are masked unless ``user`` holds
    ``registry.view_personal`` on the batch's ledger; each batch shown unmasked is recorded.
    """
    if from_key > to_key:
        raise DomainError(RANGE_REVERSED, field="from")
    condition = permissions.ledger_filter(user, access.VIEW)
    ledgers = Ledger.objects.select_related("village")
    if condition is not None:
        ledgers = ledgers.filter(condition)
    if ledger_code:
        ledgers = list(ledgers.filter(code=ledger_code))
        if not ledgers:
            raise NotPermitted(UNKNOWN_LEDGER.format(code=ledger_code), field="ledger")
    else:
        region = Region.objects.filter(code=region_code).first()
        if region is None:
            raise DomainError(UNKNOWN_REGION.format(code=region_code), field="region")
        ledgers = list(ledgers.filter(village__path__startswith=region.path))
    first = date(from_key // 100, from_key % 100, 1)
    last_month = date(to_key // 100, to_key % 100, 1)
    last = date(last_month.year + (last_month.month == 12), last_month.month % 12 + 1, 1)
    batches = SubsidyBatch.objects.filter(ledger__in=ledgers, pay_date__gte=first, pay_date__lt=last)
    unmasked_ledgers = {
        ledger_id for ledger_id, actions in permissions.actions_on_ledgers(user, ledgers, app="registry").items()
        if access.VIEW_PERSONAL in actions
    }  # fmt: skip
    batch_ledgers = {b.pk: b for b in batches.only("id", "code", "ledger_id")}
    rows = []
    recorded = set()
    for row in reconciliation(batches):
        batch = batch_ledgers[row.batch_id]
        unmasked = batch.ledger_id in unmasked_ledgers
        if unmasked and batch.pk not in recorded:
            recorded.add(batch.pk)
            record_personal_data_view(
                actor=user, subject=batch, fields=["id_number"], ledger_id=batch.ledger_id, via=via
            )
        rows.append(
            [
                row.batch,
                row.id_number if unmasked else identity.mask(row.id_number),
                row.name,
                row.listed_fen,
                row.paid_fen,
                row.booked_fen,
                row.state,
                row.reason,
                row.resolution,
            ]  # fmt: skip
        )
    return rows


def reconciliation_csv(rows: list[list]) -> str:
    import io

    from villagebooks.common.money import fen_to_text
    from villagebooks.common.spreadsheet import Number, csv_writer

    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\n")
    writer.writerow(RECONCILIATION_COLUMNS)
    for row in rows:
        writer.writerow([*row[:3], *(Number(fen_to_text(v)) for v in row[3:6]), *row[6:]])
    return buffer.getvalue()
