"""Every write to the books: one function per use case, one transaction each, an audit row each.

Services take keyword-only arguments and a required ``actor``; they check permission through
``access.require`` and the rules through ``domain``; they raise ``DomainError`` (field + Chinese
reason) and then leave nothing behind. Posting itself (numbers, posted status, balance rows) is
``posting``'s, whose text sets out the one order of locks: voucher, period, balance rows.

The period's row is the month's lock. Closing (and reopening, and the year close) takes it
exclusively (FOR UPDATE); whatever puts a voucher into a month or moves one on in it (create,
update, reverse, submit, review, send back, import) takes it shared (FOR KEY SHARE) and checks
that the month is open while holding it; posting updates its counter (a row lock that
closing's waits for, and that shared holders do not block). So a month closes only after every
voucher being made in it is committed, and then sees it; and nothing is made in a month that
closed meanwhile. On SQLite, writers run one at a time (IMMEDIATE transactions): the same order
holds without row locks.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from villagebooks.common.audit import audit_record, changes
from villagebooks.common.errors import Conflict, DomainError, FieldProblem, NotPermitted
from villagebooks.common.money import MAX_FEN, format_fen
from villagebooks.ledger import chain, checkpoints, extensions, posting
from villagebooks.ledger import errors as E
from villagebooks.ledger.access import Action, require, require_in_region
from villagebooks.ledger.balances import BalanceDeltas, is_out_of_range
from villagebooks.ledger.closing_checks import period_blockers, period_warnings, year_distributions
from villagebooks.ledger.counterparty_resolvers import PersonParty, resolve_persons
from villagebooks.ledger.domain.chart import chart_rules, chart_templates
from villagebooks.ledger.domain.closing import YearEndBalance, build_year_close
from villagebooks.ledger.domain.periods import latest_voucher_date, period_label
from villagebooks.ledger.domain.vouchers import LINE_TOO_LARGE, LineInput, check_voucher, negate
from villagebooks.ledger.models import (
    PREPARED_KINDS,
    Account,
    AccountBalance,
    Attachment,
    Category,
    Chart,
    Counterparty,
    CounterpartyKind,
    Fund,
    FundKind,
    Ledger,
    LedgerStatus,
    OpeningBalance,
    Period,
    PeriodStatus,
    Project,
    Voucher,
    VoucherKind,
    VoucherLine,
    VoucherRenumbering,
    VoucherRenumberingLine,
    VoucherStatus,
)
from villagebooks.ledger.selectors import balance_window
from villagebooks.regions.models import Region, RegionKind

MEMBERS_COUNTERPARTY = "全体成员"
UNPOSTED = [VoucherStatus.DRAFT, VoucherStatus.SUBMITTED, VoucherStatus.REVIEWED]


# ---------------------------------------------------------------------------------------------
# Ledgers, accounts, funds, counterparties


def ledger_create(
    *, actor, village_code: str, code: str, name: str, chart: str, start_year: int, start_month: int
) -> Ledger:
    """A new ledger on a standard chart, with the 收益分配 sub-accounts the year close needs."""
    if chart not in Chart.values:
        raise DomainError(E.UNKNOWN_CHART, field="chart")
    if not code.strip():
        raise DomainError(E.NAME_REQUIRED, field="code")
    if not name.strip():
        raise DomainError(E.NAME_REQUIRED, field="name")
    if not 1 <= start_month <= 12:
        raise DomainError(gettext("启用月份应在1到12之间"), field="start")
    latest = latest_voucher_date(timezone.localdate())
    if start_year > latest.year:  # its first voucher could not be entered
        start = f"{start_year}-{start_month:02d}"
        raise DomainError(E.DATE_TOO_LATE.format(date=start, latest=latest.isoformat()), field="start")
    village = Region.objects.filter(code=village_code).first()
    if village is None:
        raise DomainError(E.UNKNOWN_VILLAGE.format(code=village_code), field="village")
    if village.kind != RegionKind.VILLAGE:
        raise DomainError(E.NOT_A_VILLAGE.format(code=village_code), field="village")
    with transaction.atomic():
        if Ledger.objects.filter(code=code).exists():
            raise DomainError(E.LEDGER_CODE_TAKEN.format(code=code), field="code")
        ledger = Ledger(
            code=code,
            name=name,
            village=village,
            chart=chart,
            start_year=start_year,
            start_month=start_month,
            carried_year=start_year,
        )
        require_in_region(actor, village, Action.SETUP)
        ledger.save()
        accounts = [
            Account(
                ledger=ledger,
                code=t.code,
                name=t.name,
                category=t.category,
                normal_side=t.normal_side,
                requires_fund=t.requires_fund,
                requires_counterparty=t.requires_counterparty,
            )
            for t in chart_templates(chart)
        ]
        Account.objects.bulk_create(accounts)
        rules = chart_rules(chart)
        distribution = Account.objects.get(ledger=ledger, code=rules.distribution_account)
        for sub_code, sub_name in (
            (rules.undistributed_code, rules.undistributed_name),
            (rules.appropriation_code, rules.appropriation_name),
        ):
            _add_sub_account(distribution, sub_code, sub_name)
        _ensure_year_periods(ledger, start_year)
        chain.head_create(ledger.pk)
        audit_record(
            actor=actor, action="ledger_create", ledger_id=ledger.pk, obj=ledger, code=code, chart=chart
        )
    return ledger


def _add_sub_account(parent: Account, code: str, name: str) -> Account:
    account = Account.objects.create(
        ledger_id=parent.ledger_id,
        code=code,
        name=name,
        parent=parent,
        level=parent.level + 1,
        category=parent.category,
        normal_side=parent.normal_side,
        requires_fund=parent.requires_fund,
        requires_counterparty=parent.requires_counterparty,
    )
    if parent.is_leaf:
        parent.is_leaf = False
        parent.save(update_fields=["is_leaf", "updated_at"])
    return account


def account_add(*, actor, ledger: Ledger, parent_code: str, code: str, name: str) -> Account:
    """A sub-account (明细科目) under ``parent_code``; its code appends 2 or 3 digits."""
    require(actor, ledger, Action.SETUP)
    with transaction.atomic():
        parent = Account.objects.select_for_update().filter(ledger=ledger, code=parent_code).first()
        if parent is None:
            raise DomainError(E.UNKNOWN_ACCOUNT.format(code=parent_code), field="parent")
        if not re.fullmatch(re.escape(parent_code) + r"[0-9]{2,3}", code or ""):
            raise DomainError(E.SUB_CODE_PREFIX.format(parent=parent_code), field="code")
        if not name.strip():
            raise DomainError(E.NAME_REQUIRED, field="name")
        if Account.objects.filter(ledger=ledger, code=code).exists():
            raise DomainError(E.ACCOUNT_CODE_TAKEN.format(code=code), field="code")
        if parent.is_leaf and (
            VoucherLine.objects.filter(ledger=ledger, account=parent).exists()
            or OpeningBalance.objects.filter(ledger=ledger, account=parent).exists()
        ):
            raise DomainError(E.PARENT_HAS_POSTINGS.format(code=parent_code), field="parent")
        account = _add_sub_account(parent, code, name.strip())
        audit_record(
            actor=actor, action="account_add", ledger_id=ledger.pk, obj=account, code=code, name=name
        )
    return account


def fund_create(
    *,
    actor,
    ledger: Ledger,
    name: str,
    kind: str,
    issuer: str = "",
    document_number: str = "",
    amount_fen: int = 0,
    permission: str = Action.SETUP,
) -> Fund:
    """A new fund (资金来源) of ``ledger``. ``permission``: the action the actor must hold, when
    another app records a fund as part of its own work (``funds.manage`` for an allocation)."""
    require(actor, ledger, permission)
    name = name.strip()
    if not name:
        raise DomainError(E.NAME_REQUIRED, field="name")
    kind = _fund_kind(kind)
    if amount_fen < 0:
        raise DomainError(gettext("下达金额不能为负数"), field="amount")
    with transaction.atomic():
        if Fund.objects.filter(ledger=ledger, name=name).exists():
            raise DomainError(E.NAME_TAKEN.format(name=name), field="name")
        fund = Fund.objects.create(
            ledger=ledger,
            name=name,
            kind=kind,
            issuer=issuer,
            document_number=document_number,
            amount_fen=amount_fen,
        )
        audit_record(actor=actor, action="fund_create", ledger_id=ledger.pk, obj=fund, name=name, kind=kind)
    return fund


def _fund_kind(kind: str) -> str:
    """A fund kind by its code (``earmarked_transfer``) or its Chinese label (上级专项资金)."""
    for value, label in FundKind.choices:
        if kind in (value, label):
            return value
    raise DomainError(E.UNKNOWN_FUND_KIND.format(kind=kind), field="kind")


def counterparty_create(
    *, actor, ledger: Ledger, name: str, kind: str = CounterpartyKind.ORGANISATION, id_number: str = ""
) -> Counterparty:
    require(actor, ledger, Action.SETUP)
    name = name.strip()
    if not name:
        raise DomainError(E.NAME_REQUIRED, field="name")
    if kind not in CounterpartyKind.values:
        raise DomainError(gettext("往来单位类别无效"), field="kind")
    with transaction.atomic():
        if Counterparty.objects.filter(ledger=ledger, name=name).exists():
            raise DomainError(E.NAME_TAKEN.format(name=name), field="name")
        counterparty = Counterparty.objects.create(ledger=ledger, name=name, kind=kind, id_number=id_number)
        audit_record(
            actor=actor, action="counterparty_create", ledger_id=ledger.pk, obj=counterparty, name=name
        )
    return counterparty


PROJECT_CODE_MAX_LENGTH = Project._meta.get_field("code").max_length
PROJECT_NAME_MAX_LENGTH = Project._meta.get_field("name").max_length


def project_save(
    *, actor, ledger: Ledger, code: str, name: str, permission: str = Action.SETUP
) -> tuple[Project, bool]:
    """The project ``code`` of ``ledger`` as a line dimension, created or renamed to ``name``;
    returns it and whether it was created. The project library around it is ``funds``'s, which
    passes its own ``permission`` (``funds.manage``)."""
    require(actor, ledger, permission)
    code, name = code.strip(), name.strip()
    if not code:
        raise DomainError(gettext("项目编号不能为空"), field="project")
    if len(code) > PROJECT_CODE_MAX_LENGTH:
        raise DomainError(
            gettext("项目编号最长 {limit} 个字符").format(limit=PROJECT_CODE_MAX_LENGTH), field="project"
        )
    if not name:
        raise DomainError(E.NAME_REQUIRED, field="name")
    if len(name) > PROJECT_NAME_MAX_LENGTH:
        raise DomainError(
            gettext("项目名称最长 {limit} 个字符").format(limit=PROJECT_NAME_MAX_LENGTH), field="name"
        )
    with transaction.atomic():
        project = Project.objects.filter(ledger=ledger, code=code).first()
        if project is not None:
            if project.name != name:
                before = project.name
                project.name = name
                project.save(update_fields=["name", "updated_at"])
                audit_record(
                    actor=actor,
                    action="project_rename",
                    ledger_id=ledger.pk,
                    obj=project,
                    before=before,
                    after=name,
                )
            return project, False
        project = Project.objects.create(ledger=ledger, code=code, name=name)
        audit_record(
            actor=actor, action="project_create", ledger_id=ledger.pk, obj=project, code=code, name=name
        )
    return project, True


# ---------------------------------------------------------------------------------------------
# Resolving user input against one ledger


@dataclass
class LedgerDirectory:
    """A ledger's accounts, funds and counterparties by code and name, loaded once.

    Resolving lines through it costs no query per line, which is what lets an import of a
    county's year run at thousands of vouchers a second.
    """

    ledger: Ledger
    accounts: dict[str, Account] = field(default_factory=dict)
    funds: dict[str, int] = field(default_factory=dict)
    counterparties: dict[str, int] = field(default_factory=dict)
    projects: dict[str, int] = field(default_factory=dict)  # by code; never created by an import
    created_funds: list[str] = field(default_factory=list)
    created_counterparties: list[str] = field(default_factory=list)
    # A counterparty written as a registry person's ID number → the name of that person's
    # counterparty (``counterparty_resolvers``); texts known to be no person, asked once.
    person_names: dict[str, str] = field(default_factory=dict)
    not_persons: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, ledger: Ledger) -> LedgerDirectory:
        return cls(
            ledger=ledger,
            accounts={a.code: a for a in Account.objects.filter(ledger=ledger)},
            funds=dict(Fund.objects.filter(ledger=ledger).values_list("name", "id")),
            counterparties=dict(Counterparty.objects.filter(ledger=ledger).values_list("name", "id")),
            projects=dict(Project.objects.filter(ledger=ledger).values_list("code", "id")),
        )

    def resolve(self, lines: list[LineInput], *, create_missing: bool = False) -> list[FieldProblem]:
        """Problems of the lines' accounts and dimensions; missing names may be created.

        A counterparty text that a registered resolver knows as a person (a registry person's ID
        number) is booked to that person's counterparty, created if need be (``named`` gives
        the lines with its name in place of the text)."""
        problems = []
        unknown = {
            party
            for line in lines
            if (party := line.counterparty_name.strip())
            and party not in self.counterparties
            and party not in self.not_persons
        }
        if unknown:
            persons = resolve_persons(self.ledger, sorted(unknown))
            for text, person in persons.items():
                pk, name = self.person_counterparty(person)
                self.counterparties[text] = self.counterparties[name] = pk
                self.person_names[text] = name
            self.not_persons |= unknown - persons.keys()
        for line in lines:
            code = line.account_code.strip()
            account = self.accounts.get(code)
            if not code:
                continue  # reported by check_line
            if account is None:
                problems.append(FieldProblem("account", E.UNKNOWN_ACCOUNT.format(code=code), line.row))
                continue
            if not account.is_leaf:
                problems.append(FieldProblem("account", E.NOT_LEAF.format(code=code), line.row))
            if not account.is_active:
                problems.append(FieldProblem("account", E.ACCOUNT_DISABLED.format(code=code), line.row))
            fund_name = line.fund_name.strip()
            if account.requires_fund and not fund_name:
                problems.append(FieldProblem("fund", E.FUND_REQUIRED.format(code=code), line.row))
            if fund_name and fund_name not in self.funds:
                if create_missing:
                    self.funds[fund_name] = self.fund_create(fund_name)
                    self.created_funds.append(fund_name)
                else:
                    problems.append(FieldProblem("fund", E.UNKNOWN_FUND.format(name=fund_name), line.row))
            party = line.counterparty_name.strip()
            if account.requires_counterparty and not party:
                problems.append(
                    FieldProblem("counterparty", E.COUNTERPARTY_REQUIRED.format(code=code), line.row)
                )
            if party and party not in self.counterparties:
                if create_missing:
                    self.counterparties[party] = self.counterparty_create(party)
                    self.created_counterparties.append(party)
                else:
                    problems.append(
                        FieldProblem("counterparty", E.UNKNOWN_COUNTERPARTY.format(name=party), line.row)
                    )
            project = line.project_code.strip()
            if project and project not in self.projects:
                # Never created on the fly: a project is entered in the library first (funds).
                problems.append(FieldProblem("project", E.UNKNOWN_PROJECT.format(code=project), line.row))
        return problems

    # Where resolve(create_missing=True) creates a name; an import read in another process asks
    # the process that holds the import's transaction instead.
    def fund_create(self, name: str) -> int:
        return Fund.objects.create(ledger=self.ledger, name=name, kind=FundKind.OTHER).pk

    def counterparty_create(self, name: str) -> int:
        return Counterparty.objects.create(ledger=self.ledger, name=name).pk

    def person_counterparty(self, person: PersonParty) -> tuple[int, str]:
        """The ledger's counterparty of a resolved person (id and name), created the first time
        under the name the resolver gives (another counterparty holding that name: the person's
        key is added to it)."""
        found = Counterparty.objects.filter(ledger=self.ledger, person_key=person.key).values_list(
            "id", "name"
        )
        for pk, name in found:
            return pk, name
        name = person.name[:100]
        if Counterparty.objects.filter(ledger=self.ledger, name=name).exists():
            name = f"{person.name[:80]}-{person.key}"
        party = Counterparty.objects.create(
            ledger=self.ledger, name=name, kind=CounterpartyKind.PERSON, person_key=person.key
        )
        return party.pk, party.name

    def named(self, lines: list[LineInput]) -> list[LineInput]:
        """``lines`` with each counterparty written as a person's identifier replaced by the name
        of that person's counterparty (after ``resolve``): what is stored and logged."""
        if not self.person_names:
            return lines
        names = self.person_names
        return [
            line._replace(counterparty_name=names[party])
            if (party := line.counterparty_name.strip()) in names
            else line
            for line in lines
        ]

    def line_rows(self, voucher: Voucher, lines: list[LineInput]) -> list[VoucherLine]:
        return [
            VoucherLine(
                ledger_id=self.ledger.pk,
                voucher=voucher,
                line_no=number,
                summary=line.summary.strip(),
                account=self.accounts[line.account_code.strip()],
                debit_fen=line.debit_fen,
                credit_fen=line.credit_fen,
                fund_id=self.funds.get(line.fund_name.strip()),
                counterparty_id=self.counterparties.get(line.counterparty_name.strip()),
                project_id=self.projects.get(line.project_code.strip()),
            )
            for number, line in enumerate(lines, start=1)
        ]


def _ensure_year_periods(ledger: Ledger, year: int) -> None:
    first_month = ledger.start_month if year == ledger.start_year else 1
    Period.objects.bulk_create(
        [Period(ledger=ledger, year=year, month=month) for month in range(first_month, 13)],
        ignore_conflicts=True,
    )


def _date_problem(message, field_name: str, row: int | None) -> DomainError:
    return DomainError(problems=[FieldProblem(field_name, message, row)])


def _check_not_too_late(day: date, *, field_name: str = "date", row: int | None = None) -> None:
    latest = latest_voucher_date(timezone.localdate())
    if day > latest:
        message = E.DATE_TOO_LATE.format(date=day.isoformat(), latest=latest.isoformat())
        raise _date_problem(message, field_name, row)


def _year_open(ledger: Ledger, day: date, *, actor, field_name: str, row: int | None = None) -> None:
    """Create the periods of ``day``'s year, a year the ledger does not have yet: an audited act.

    Years open in order (the start year, then each after the one before), and not beyond the
    next calendar year: a voucher dated 2099 by mistake must not open 2099, nor skip 2026.
    """
    _check_not_too_late(day, field_name=field_name, row=row)
    year = day.year
    if year > ledger.start_year and not Period.objects.filter(ledger=ledger, year=year - 1).exists():
        raise _date_problem(E.YEAR_SKIPPED.format(year=year, previous=year - 1), field_name, row)
    _ensure_year_periods(ledger, year)
    audit_record(actor=actor, action="year_open", ledger_id=ledger.pk, obj=ledger, year=year)


def _period_shared(where: str, params: list) -> Period | None:
    """The period ``where`` says, locked shared until the transaction ends (see the module's
    text), as it is once the lock is held: a close that held it first is seen."""
    table = connection.ops.quote_name(Period._meta.db_table)
    # KEY SHARE, not SHARE: posting's counter update does not wait for it, closing does.
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    return next(iter(Period.objects.raw(f"SELECT * FROM {table} WHERE {where}{lock}", params)), None)


def _require_period_open(voucher: Voucher) -> None:
    """The voucher's month, locked shared, is open; or the voucher may not move on in it."""
    period = _period_shared("id = %s", [voucher.period_id])
    if period.status == PeriodStatus.CLOSED:
        raise Conflict(E.PERIOD_CLOSED.format(period=period), field="date")


def ledger_successor(ledger: Ledger) -> Ledger | None:
    """The ledger that continues ``ledger``'s books (新旧衔接), if one does: from its start, the
    old ledger takes no voucher and closes no month, since the regions count the new one then."""
    if Ledger.continued_by.is_cached(ledger):  # loaded with it (``selectors.ledger_get``)
        return getattr(ledger, "continued_by", None)
    return Ledger.objects.filter(continues=ledger).only("code", "start_year", "start_month").first()


def period_for_date(
    ledger: Ledger, day: date, *, actor, field_name: str = "date", row: int | None = None
) -> Period:
    """The open period a voucher dated ``day`` belongs to, or a DomainError saying why not.

    The first voucher of a year opens the year (``_year_open``) in the caller's transaction.
    """
    _check_not_too_late(day, field_name=field_name, row=row)
    if (day.year, day.month) < (ledger.start_year, ledger.start_month):
        message = E.BEFORE_START.format(date=day.isoformat(), start=period_label(ledger.start_period_key))
        raise _date_problem(message, field_name, row)
    if day.year < ledger.carried_year:
        raise _date_problem(E.YEAR_CLOSED.format(year=day.year), field_name, row)
    successor = ledger_successor(ledger)
    if successor is not None and (day.year, day.month) >= (successor.start_year, successor.start_month):
        message = E.CONVERTED.format(
            start=period_label(successor.start_period_key), code=successor.code, date=day.isoformat()
        )
        raise _date_problem(message, field_name, row)
    period = _period_shared("ledger_id = %s AND year = %s AND month = %s", [ledger.pk, day.year, day.month])
    if period is None:
        _year_open(ledger, day, actor=actor, field_name=field_name, row=row)
        period = _period_shared(
            "ledger_id = %s AND year = %s AND month = %s", [ledger.pk, day.year, day.month]
        )
    if period.status == PeriodStatus.CLOSED:
        raise _date_problem(E.PERIOD_CLOSED.format(period=period), field_name, row)
    return period


# ---------------------------------------------------------------------------------------------
# Vouchers


NOTE_MAX_LENGTH = Voucher._meta.get_field("note").max_length


def _check_note(note: str) -> None:
    if len(note) > NOTE_MAX_LENGTH:
        raise DomainError(E.NOTE_TOO_LONG.format(limit=NOTE_MAX_LENGTH), field="note")


def _validated(directory: LedgerDirectory, lines: list[LineInput], *, allow_negative: bool = False) -> None:
    problems = check_voucher(lines, allow_negative=allow_negative) + directory.resolve(lines)
    if problems:
        raise DomainError(problems=problems)


def _next_draft_no(ledger: Ledger) -> int:
    """The ledger's next 草稿 n. The UPDATE holds the ledger row until the transaction ends, so two
    drafts made at once in one ledger get different numbers (drafts of other ledgers do not wait)."""
    Ledger.objects.filter(pk=ledger.pk).update(last_draft_no=F("last_draft_no") + 1)
    return Ledger.objects.values_list("last_draft_no", flat=True).get(pk=ledger.pk)


def voucher_create(
    *, actor, ledger: Ledger, date: date, lines: list[LineInput], note: str = "", submit: bool = False
) -> Voucher:
    """A draft voucher (or a submitted one with ``submit``)."""
    require(actor, ledger, Action.PREPARE)
    _check_note(note)
    with transaction.atomic():
        ledger = Ledger.objects.get(pk=ledger.pk)  # the caller's copy may predate a year close
        period = period_for_date(ledger, date, actor=actor)
        directory = LedgerDirectory.load(ledger)
        _validated(directory, lines)
        lines = directory.named(lines)
        voucher = Voucher.objects.create(
            ledger=ledger,
            period=period,
            date=date,
            note=note,
            draft_no=_next_draft_no(ledger),
            prepared_by=actor,
            amount_fen=sum(line.debit_fen for line in lines),
            status=VoucherStatus.SUBMITTED if submit else VoucherStatus.DRAFT,
            submitted_at=timezone.now() if submit else None,
        )
        VoucherLine.objects.bulk_create(directory.line_rows(voucher, lines))
        posting.run_before_saving(voucher)
        audit_record(
            actor=actor,
            action="voucher_create",
            ledger_id=ledger.pk,
            obj=voucher,
            lines=len(lines),
            amount_fen=voucher.amount_fen,
            after=_draft_record(date, note, _given_lines(lines)) | {"status": voucher.status},
        )
    return voucher


# The operation log keeps a draft whole when it is created or deleted and, when it is changed,
# the fields and lines that changed, before and after (common.audit.changes): enough to rebuild
# every state it went through, amounts in fen.
def _draft_record(day: date, note: str, lines: list[tuple]) -> dict:
    return {
        "date": day.isoformat(),
        "note": note,
        "amount_fen": sum(line[2] for line in lines),
        "lines": {str(number): _line_record(*line) for number, line in enumerate(lines, start=1)},
    }


def _line_record(summary, account, debit_fen, credit_fen, fund, counterparty, project=None) -> dict:
    record = {"summary": summary, "account": account, "debit_fen": debit_fen, "credit_fen": credit_fen}
    if fund:
        record["fund"] = fund
    if counterparty:
        record["counterparty"] = counterparty
    if project:
        record["project"] = project
    return record


def _given_lines(lines: list[LineInput]) -> list[tuple]:
    """The lines as they are stored (``LedgerDirectory.line_rows``), as plain values."""
    return [
        (
            line.summary.strip(),
            line.account_code.strip(),
            line.debit_fen,
            line.credit_fen,
            line.fund_name.strip(),
            line.counterparty_name.strip(),
            line.project_code.strip(),
        )
        for line in lines
    ]


def _stored_record(voucher: Voucher) -> dict:
    lines = voucher.lines.order_by("line_no").values_list(
        "summary",
        "account__code",
        "debit_fen",
        "credit_fen",
        "fund__name",
        "counterparty__name",
        "project__code",
    )
    return _draft_record(voucher.date, voucher.note, list(lines))


def _locked_voucher(voucher: Voucher) -> Voucher:
    # Lock the voucher row only: joined rows (the ledger) stay unlocked, so vouchers of one
    # ledger post in parallel and only their period's counter serialises them.
    return (
        Voucher.objects.select_for_update(of=("self",)).select_related("ledger__village").get(pk=voucher.pk)
    )


def _require_status(voucher: Voucher, allowed: list[str], action: str) -> None:
    if voucher.status not in allowed:
        raise Conflict(
            E.WRONG_STATUS.format(status=VoucherStatus(voucher.status).label, action=action), field="status"
        )


def voucher_update(*, actor, voucher: Voucher, date: date, lines: list[LineInput], note: str = "") -> Voucher:
    """Replace a draft's date and lines (only drafts change; a reversal's lines are fixed)."""
    _check_note(note)
    with transaction.atomic():
        voucher = _locked_voucher(voucher)
        ledger = voucher.ledger
        require(actor, ledger, Action.PREPARE)
        _require_status(voucher, [VoucherStatus.DRAFT], pgettext("action", "修改"))
        if voucher.kind not in PREPARED_KINDS:
            raise DomainError(gettext("红字冲销凭证和结转凭证不能修改"), field="kind")
        period = period_for_date(ledger, date, actor=actor)
        directory = LedgerDirectory.load(ledger)
        _validated(directory, lines)
        lines = directory.named(lines)
        before = _stored_record(voucher)
        voucher.lines.all().delete()
        VoucherLine.objects.bulk_create(directory.line_rows(voucher, lines))
        voucher.date, voucher.period, voucher.note = date, period, note
        voucher.amount_fen = sum(line.debit_fen for line in lines)
        voucher.save()
        posting.run_before_saving(voucher)
        audit_record(
            actor=actor,
            action="voucher_update",
            ledger_id=ledger.pk,
            obj=voucher,
            lines=len(lines),
            amount_fen=voucher.amount_fen,
            **changes(before, _draft_record(date, note, _given_lines(lines))),
        )
    return voucher


def voucher_delete(*, actor, voucher: Voucher) -> None:
    """Delete a voucher that was never posted (a draft or one sent back)."""
    with transaction.atomic():
        voucher = _locked_voucher(voucher)
        require(actor, voucher.ledger, Action.PREPARE)
        _require_status(voucher, [VoucherStatus.DRAFT], pgettext("action", "删除"))
        audit_record(
            actor=actor,
            action="voucher_delete",
            ledger_id=voucher.ledger_id,
            obj=voucher,
            amount_fen=voucher.amount_fen,
            before=_stored_record(voucher) | {"attachments": voucher.attachment_count},
        )
        for attachment in voucher.attachments.all():
            attachment.file.delete(save=False)
        voucher.attachments.all().delete()
        voucher.lines.all().delete()
        voucher.delete()


def voucher_submit(*, actor, voucher: Voucher) -> Voucher:
    with transaction.atomic():
        voucher = _locked_voucher(voucher)
        require(actor, voucher.ledger, Action.PREPARE)
        _require_status(voucher, [VoucherStatus.DRAFT], pgettext("action", "提交"))
        _require_period_open(voucher)
        voucher.status, voucher.submitted_at = VoucherStatus.SUBMITTED, timezone.now()
        voucher.save(update_fields=["status", "submitted_at", "updated_at"])
        audit_record(actor=actor, action="voucher_submit", ledger_id=voucher.ledger_id, obj=voucher)
    return voucher


def voucher_withdraw(*, actor, voucher: Voucher) -> Voucher:
    """The preparer takes back a submitted voucher nobody has reviewed yet (撤回), as a draft.

    Once reviewed it is the reviewer's to send back; a reversal made from a posted voucher is
    withdrawn like any other and can then be deleted.
    """
    with transaction.atomic():
        voucher = _locked_voucher(voucher)
        require(actor, voucher.ledger, Action.PREPARE)
        if voucher.prepared_by_id != actor.pk:
            raise NotPermitted(E.WITHDRAW_OWN_ONLY, field="prepared_by")
        _require_status(voucher, [VoucherStatus.SUBMITTED], pgettext("action", "撤回"))
        _require_period_open(voucher)
        voucher.status, voucher.submitted_at = VoucherStatus.DRAFT, None
        voucher.save(update_fields=["status", "submitted_at", "updated_at"])
        audit_record(actor=actor, action="voucher_withdraw", ledger_id=voucher.ledger_id, obj=voucher)
    return voucher


def voucher_review(*, actor, voucher: Voucher) -> Voucher:
    """Approve a submitted voucher; the reviewer must not be the one who prepared it."""
    with transaction.atomic():
        voucher = _locked_voucher(voucher)
        require(actor, voucher.ledger, Action.REVIEW)
        _require_status(voucher, [VoucherStatus.SUBMITTED], pgettext("action", "审核"))
        _require_period_open(voucher)
        if voucher.prepared_by_id == actor.pk:
            raise NotPermitted(E.SELF_REVIEW, field="reviewed_by")
        voucher.status, voucher.reviewed_by, voucher.reviewed_at = (
            VoucherStatus.REVIEWED,
            actor,
            timezone.now(),
        )
        voucher.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
        audit_record(actor=actor, action="voucher_review", ledger_id=voucher.ledger_id, obj=voucher)
    return voucher


def voucher_send_back(*, actor, voucher: Voucher, reason: str) -> Voucher:
    """Return a submitted or reviewed voucher to its preparer as a draft, with the reason."""
    if not reason.strip():
        raise DomainError(E.REASON_REQUIRED, field="reason")
    with transaction.atomic():
        voucher = _locked_voucher(voucher)
        require(actor, voucher.ledger, Action.REVIEW)
        _require_status(
            voucher, [VoucherStatus.SUBMITTED, VoucherStatus.REVIEWED], pgettext("action", "退回")
        )
        _require_period_open(voucher)
        voucher.status, voucher.reviewed_by, voucher.reviewed_at = VoucherStatus.DRAFT, None, None
        voucher.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
        audit_record(
            actor=actor, action="voucher_send_back", ledger_id=voucher.ledger_id, obj=voucher, reason=reason
        )
    return voucher


def voucher_post(*, actor, voucher: Voucher) -> Voucher:
    """Post a reviewed voucher: give it the next number of its period and update the balances
    (``posting.post_voucher``).

    Raises:
        BalanceOutOfRange: a balance row would go beyond ``BALANCE_MAX_FEN``; nothing was posted.
    """
    try:
        return _voucher_post(actor=actor, voucher=voucher)
    except (IntegrityError, DataError, OverflowError) as error:
        # Told apart after the rollback, off the hot path: posting itself adds no query for it.
        if not is_out_of_range(error):
            raise
        raise posting.voucher_out_of_range(voucher.pk) from error


def _voucher_post(*, actor, voucher: Voucher) -> Voucher:
    with transaction.atomic():
        voucher = _locked_voucher(voucher)
        ledger = voucher.ledger
        require(actor, ledger, Action.POST)
        _require_status(voucher, [VoucherStatus.REVIEWED], pgettext("action", "记账"))
        if ledger.status != LedgerStatus.ACTIVE:
            raise DomainError(E.LEDGER_NOT_ACTIVE, field="ledger")
        if voucher.date.year < ledger.carried_year:
            raise DomainError(E.YEAR_CLOSED.format(year=voucher.date.year), field="date")
        _check_not_too_late(voucher.date)  # a draft dated far ahead before the rule was
        number = posting.post_voucher(voucher=voucher, actor=actor)
        audit_record(
            actor=actor,
            action="voucher_post",
            ledger_id=ledger.pk,
            obj=voucher,
            number=number,
            amount_fen=voucher.amount_fen,
        )
    return voucher


def voucher_reverse(*, actor, voucher: Voucher, reason: str, date: date) -> Voucher:
    """A red copy of a posted voucher (红字冲销), as a submitted voucher that references it.

    It is reviewed and posted like any other; the correct (blue) voucher is then made anew.
    """
    if not reason.strip():
        raise DomainError(E.REASON_REQUIRED, field="reason")
    with transaction.atomic():
        original = _locked_voucher(voucher)
        ledger = original.ledger
        require(actor, ledger, Action.PREPARE)
        if original.status != VoucherStatus.POSTED or original.kind not in PREPARED_KINDS:
            raise DomainError(E.CANNOT_REVERSE, field="voucher")
        if Voucher.objects.filter(reverses=original).exists():
            raise DomainError(E.ALREADY_REVERSED, field="voucher")
        period = period_for_date(ledger, date, actor=actor)
        lines = [
            LineInput(
                summary=line.summary,
                account_code=line.account.code,
                debit_fen=line.debit_fen,
                credit_fen=line.credit_fen,
                fund_name=line.fund.name if line.fund else "",
                counterparty_name=line.counterparty.name if line.counterparty else "",
                project_code=line.project.code if line.project else "",
            )
            for line in original.lines.select_related("account", "fund", "counterparty", "project")
        ]
        red_lines = negate(lines)
        note = f"注销{original.date:%Y年%m月%d日}记字第{original.number}号凭证：{reason.strip()}"[:200]
        reversal = Voucher.objects.create(
            ledger=ledger,
            period=period,
            date=date,
            note=note,
            kind=VoucherKind.REVERSAL,
            reverses=original,
            draft_no=_next_draft_no(ledger),
            prepared_by=actor,
            amount_fen=-original.amount_fen,
            status=VoucherStatus.SUBMITTED,
            submitted_at=timezone.now(),
        )
        directory = LedgerDirectory.load(ledger)
        VoucherLine.objects.bulk_create(directory.line_rows(reversal, red_lines))
        audit_record(
            actor=actor,
            action="voucher_reverse",
            ledger_id=ledger.pk,
            obj=reversal,
            reverses=original.pk,
            reason=reason,
            amount_fen=reversal.amount_fen,
        )
    return reversal


_ATTACHMENT_SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


def _sniff_content_type(head: bytes) -> str | None:
    for signature, content_type in _ATTACHMENT_SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def attachment_checked(content: bytes) -> tuple[str, str, str]:
    """A scanned document's content type, SHA-256 and file name extension, checked by content (PDF
    or image, not empty, not over ``ATTACHMENT_MAX_BYTES``): the one check of every attachment
    (vouchers here, other apps' papers through this function)."""
    if not content:
        raise DomainError(E.ATTACHMENT_EMPTY, field="file")
    if len(content) > settings.ATTACHMENT_MAX_BYTES:
        limit = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
        raise DomainError(E.ATTACHMENT_TOO_LARGE.format(limit=limit), field="file")
    content_type = _sniff_content_type(content[:16])
    if content_type is None:
        raise DomainError(E.ATTACHMENT_TYPE, field="file")
    return content_type, hashlib.sha256(content).hexdigest(), _extension(content_type)


def attachment_add(*, actor, voucher: Voucher, name: str, content: bytes) -> Attachment:
    """Attach a scanned source document (PDF or image, checked by content) to an unposted voucher."""
    content_type, digest, _ext = attachment_checked(content)
    with transaction.atomic():
        voucher = _locked_voucher(voucher)
        require(actor, voucher.ledger, Action.PREPARE)
        _require_status(voucher, UNPOSTED, pgettext("action", "添加附件"))
        existing = (
            Attachment.objects.filter(ledger_id=voucher.ledger_id, sha256=digest)
            .select_related("voucher")
            .first()
        )
        if existing is not None:
            raise DomainError(E.ATTACHMENT_DUPLICATE.format(voucher=existing.voucher), field="file")
        attachment = Attachment(
            ledger_id=voucher.ledger_id,
            voucher=voucher,
            original_name=name[:255],
            content_type=content_type,
            size=len(content),
            sha256=digest,
            uploaded_by=actor,
        )
        attachment.file.save(f"{digest}{_extension(content_type)}", ContentFile(content), save=False)
        try:
            attachment.save()
        except IntegrityError as exc:  # a concurrent upload of the same document
            attachment.file.delete(save=False)
            raise DomainError(E.ATTACHMENT_DUPLICATE.format(voucher="?"), field="file") from exc
        voucher.attachment_count = voucher.attachments.count()
        voucher.save(update_fields=["attachment_count", "updated_at"])
        audit_record(
            actor=actor, action="attachment_add", ledger_id=voucher.ledger_id, obj=attachment, name=name
        )
    return attachment


def _extension(content_type: str) -> str:
    return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif"}.get(
        content_type, ".webp"
    )


# ---------------------------------------------------------------------------------------------
# Opening balances


@dataclass(frozen=True)
class OpeningInput:
    account_code: str
    debit_fen: int = 0
    credit_fen: int = 0
    fund_name: str = ""
    counterparty_name: str = ""
    row: int | None = None


def opening_balances_set(
    *, actor, ledger: Ledger, rows: list[OpeningInput], create_missing: bool = False
) -> Ledger:
    """Replace the ledger's opening balances; they must balance. Activates the ledger.

    Allowed only while nothing is posted: afterwards the opening is part of the books.
    """
    require(actor, ledger, Action.SETUP)
    with transaction.atomic():
        ledger = Ledger.objects.select_for_update().get(pk=ledger.pk)
        if Voucher.objects.filter(ledger=ledger, status=VoucherStatus.POSTED).exists():
            raise DomainError(E.OPENING_LOCKED, field="ledger")
        directory = LedgerDirectory.load(ledger)
        as_lines = [
            LineInput(
                summary="期初余额",
                account_code=r.account_code,
                debit_fen=r.debit_fen,
                credit_fen=r.credit_fen,
                fund_name=r.fund_name,
                counterparty_name=r.counterparty_name,
                row=r.row,
            )
            for r in rows
        ]
        problems = []
        for line in as_lines:
            if line.debit_fen < 0 or line.credit_fen < 0:
                problems.append(
                    FieldProblem("debit", gettext("期初余额不能为负数，请填在另一方向"), line.row)
                )
            for side, amount in (("debit", line.debit_fen), ("credit", line.credit_fen)):
                if amount > MAX_FEN:  # one amount's maximum, as a line's (common.money)
                    problems.append(
                        FieldProblem(side, LINE_TOO_LARGE.format(limit=format_fen(MAX_FEN)), line.row)
                    )
        problems += directory.resolve(as_lines, create_missing=create_missing)
        debit = sum(r.debit_fen for r in rows)
        credit = sum(r.credit_fen for r in rows)
        if debit != credit:
            problems.append(
                FieldProblem(
                    "", E.OPENING_UNBALANCED.format(debit=format_fen(debit), credit=format_fen(credit))
                )
            )
        if problems:
            raise DomainError(problems=problems)
        OpeningBalance.objects.filter(ledger=ledger).delete()
        openings = [
            OpeningBalance(
                ledger=ledger,
                account=directory.accounts[line.account_code.strip()],
                fund_id=directory.funds.get(line.fund_name.strip()),
                counterparty_id=directory.counterparties.get(line.counterparty_name.strip()),
                debit_fen=line.debit_fen,
                credit_fen=line.credit_fen,
            )
            for line in as_lines
            if line.debit_fen or line.credit_fen
        ]
        OpeningBalance.objects.bulk_create(openings)
        deltas = BalanceDeltas()
        for opening in openings:
            deltas.add_line(
                ledger_id=ledger.pk,
                account_id=opening.account_id,
                period_key=ledger.start_year * 100,
                fund_id=opening.fund_id,
                counterparty_id=opening.counterparty_id,
                is_closing=False,
                debit_fen=opening.debit_fen,
                credit_fen=opening.credit_fen,
            )
        posting.balances_set_opening(ledger_id=ledger.pk, deltas=deltas)
        ledger.status = LedgerStatus.ACTIVE
        ledger.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor, action="opening_balances_set", ledger_id=ledger.pk, obj=ledger, rows=len(openings)
        )
    return ledger


# ---------------------------------------------------------------------------------------------
# Closing


def _period_or_error(ledger: Ledger, year: int, month: int, *, actor, lock: bool = True) -> Period:
    periods = Period.objects.select_for_update() if lock else Period.objects
    period = periods.filter(ledger=ledger, year=year, month=month).first()
    if period is None:
        if (year, month) < (ledger.start_year, ledger.start_month):
            raise DomainError(
                E.BEFORE_START.format(
                    date=f"{year}-{month:02d}", start=period_label(ledger.start_period_key)
                ),
                field="period",
            )
        _year_open(ledger, date(year, month, 1), actor=actor, field_name="period")
        period = periods.get(ledger=ledger, year=year, month=month)
    return period


def _close_checks(ledger: Ledger, period: Period) -> None:
    # The rules live with the closing page's checklist, so that both always agree.
    blockers = period_blockers(ledger, period)
    if blockers:
        raise DomainError(blockers[0].message, field="period")


def period_close(*, actor, ledger: Ledger, year: int, month: int) -> Period:
    """Month close (月结): refused while the period has unposted vouchers or does not balance."""
    require(actor, ledger, Action.CLOSE)
    with transaction.atomic():
        period = _period_or_error(ledger, year, month, actor=actor)
        if ledger.status != LedgerStatus.ACTIVE:
            raise DomainError(E.LEDGER_NOT_ACTIVE, field="ledger")
        successor = ledger_successor(ledger)
        if successor is not None and (year, month) >= (successor.start_year, successor.start_month):
            message = E.CONVERTED_CLOSE.format(
                start=period_label(successor.start_period_key), code=successor.code, period=period
            )
            raise DomainError(message, field="month")
        _close_checks(ledger, period)
        warnings = period_warnings(ledger, period)
        period.status, period.closed_at, period.closed_by = PeriodStatus.CLOSED, timezone.now(), actor
        period.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
        # The close passes with its warnings, recorded so that a later review sees what it let by.
        detail = {"warnings": [str(w.message) for w in warnings]} if warnings else {}
        checkpoint = _month_checkpoint(ledger)
        if checkpoint:
            detail["checkpoint"] = checkpoint
        audit_record(
            actor=actor, action="period_close", ledger_id=ledger.pk, obj=period, period=str(period), **detail
        )
    return period


def _month_checkpoint(ledger: Ledger) -> dict | None:
    """Month close signs the ledger's chain (a checkpoint its printed reports carry), once the
    agency has a signing key (``villagebooks checkpoint-key create``); what it signed, for the log."""
    if not checkpoints.has_key():
        return None
    checkpoint = checkpoints.make_ledger_checkpoint(ledger)
    return {"id": checkpoint.pk, "tree_size": checkpoint.tree_size, "root": checkpoint.root_hash}


def period_reopen(*, actor, ledger: Ledger, year: int, month: int, reason: str) -> Period:
    """Reopen a closed month (反结账): a recorded act of a permitted user, latest month first."""
    require(actor, ledger, Action.REOPEN)
    if not reason.strip():
        raise DomainError(E.REASON_REQUIRED, field="reason")
    with transaction.atomic():
        period = _period_or_error(ledger, year, month, actor=actor)
        if period.status != PeriodStatus.CLOSED:
            raise DomainError(E.PERIOD_NOT_CLOSED.format(period=period), field="period")
        if year < ledger.carried_year:
            raise DomainError(E.YEAR_CLOSED.format(year=year), field="period")
        later = (
            Period.objects.filter(ledger=ledger, status=PeriodStatus.CLOSED)
            .filter(Q(year__gt=year) | Q(year=year, month__gt=month))
            .order_by("-year", "-month")
            .first()
        )
        if later is not None:
            raise DomainError(E.LATER_CLOSED.format(period=later), field="period")
        period.status, period.closed_at, period.closed_by = PeriodStatus.OPEN, None, None
        period.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
        audit_record(
            actor=actor,
            action="period_reopen",
            ledger_id=ledger.pk,
            obj=period,
            period=str(period),
            reason=reason,
        )
    return period


def vouchers_renumber(
    *, actor, ledger: Ledger, year: int, month: int, reason: str = ""
) -> VoucherRenumbering | None:
    """整理凭证号: put an open month's posted vouchers' numbers in date order (记-1 the earliest),
    gap-free, as a recorded act: a row with its pairs, an entry of the ledger's hash chain (so
    that ``verify`` tells it from tampering) and a row of the operation log. Refused once the
    month (or a later one) is closed. ``None`` when the numbers already follow date order."""
    require(actor, ledger, Action.CLOSE)
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise DomainError(E.RENUMBER_REASON_TOO_LONG, field="reason")
    with transaction.atomic():
        period = _period_or_error(ledger, year, month, actor=actor)  # exclusively: no posting meanwhile
        if period.status != PeriodStatus.OPEN:
            raise DomainError(E.RENUMBER_CLOSED.format(period=period), field="period")
        later = (
            Period.objects.filter(ledger=ledger, status=PeriodStatus.CLOSED)
            .filter(Q(year__gt=year) | Q(year=year, month__gt=month))
            .order_by("year", "month")
            .first()
        )
        if later is not None:
            raise DomainError(E.RENUMBER_LATER_CLOSED.format(period=later, month=period), field="period")
        now = timezone.now()
        moved, sequence = posting.renumber_month(
            ledger_id=ledger.pk,
            ledger_code=ledger.code,
            period=period,
            by=actor.username,
            reason=reason,
            at=now,
        )
        if not moved:
            return None
        renumbering = VoucherRenumbering.objects.create(
            ledger=ledger,
            period=period,
            reason=reason,
            renumbered_by=actor,
            renumbered_at=now,
            chain_sequence=sequence,
        )
        VoucherRenumberingLine.objects.bulk_create(
            VoucherRenumberingLine(
                ledger=ledger,
                renumbering=renumbering,
                voucher_id=step.voucher_id,
                old_number=step.old_number,
                new_number=step.new_number,
            )
            for step in moved
        )
        audit_record(
            actor=actor,
            action="vouchers_renumber",
            ledger_id=ledger.pk,
            obj=renumbering,
            period=str(period),
            reason=reason,
            chain_sequence=sequence,
            renumbered=[[step.voucher_id, step.old_number, step.new_number] for step in moved],
        )
    return renumbering


@dataclass(frozen=True)
class YearCloseResult:
    year: int
    vouchers: list[Voucher]  # the closing vouchers this run posted
    carried_rows: int
    # The distribution vouchers (收益分配) this run made, submitted for review. While any of them
    # is not posted the year stays open (``closed`` False); the year close run again finishes it.
    distributions: list[Voucher] = field(default_factory=list)
    closed: bool = True


def _year_end_balances(ledger: Ledger, year: int, categories: list[str]) -> list[dict]:
    """Net balances at the end of ``year`` per leaf account and dimension, in SQL."""
    # Up to December: before the (non-existent) month 13 of ``year``.
    window = balance_window(carried_year=ledger.carried_year, year=year, before_key=year * 100 + 13)
    rows = (
        AccountBalance.objects.filter(ledger=ledger, account__category__in=categories)
        .filter(window)
        .values("account_id", "account__code", "account__category", "fund_key", "counterparty_key")
        .annotate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
        .order_by("account__code", "fund_key", "counterparty_key")
    )
    return [row for row in rows if row["debit"] != row["credit"]]


def appropriation_accounts(
    ledger: Ledger, year: int, kinds: list[str], *, create: bool = False
) -> dict[str, str]:
    """Kind of appropriation → the sub-account of 各项分配 the year close debits it to
    (chart-rules.json's ``appropriation_kinds``), opened with ``create``.

    A kind the rules do not itemise, or a ledger whose 各项分配 is still a leaf that moved in
    ``year`` or waits on an unposted voucher (it cannot become a parent then), keeps the one
    各项分配 line: the statement shows that under 其他, as it shows closings made before.
    """
    rules = chart_rules(ledger.chart)
    wanted = {kind: rules.appropriation_kinds[kind] for kind in kinds if kind in rules.appropriation_kinds}
    parent = Account.objects.filter(ledger=ledger, code=rules.appropriation_code).first()
    if not wanted or parent is None:
        return {}
    if parent.is_leaf and (
        VoucherLine.objects.filter(ledger=ledger, account=parent, voucher__status__in=UNPOSTED).exists()
        or AccountBalance.objects.filter(ledger=ledger, account=parent, year=year, month__gte=1)
        .exclude(debit_fen=0, credit_fen=0)
        .exists()
    ):
        return {}
    if create:
        present = set(
            Account.objects.filter(
                ledger=ledger, code__in=[code for code, _name in wanted.values()]
            ).values_list("code", flat=True)
        )
        for code, name in wanted.values():
            if code not in present:
                _add_sub_account(parent, code, name)
    return {kind: code for kind, (code, _name) in wanted.items()}


def year_close_plan(*, ledger: Ledger, year: int, appropriations: dict[str, int] | None = None):
    """The closing vouchers the year close would post, without posting them (for a preview)."""
    rules = chart_rules(ledger.chart)
    appropriations = appropriations or {}
    unknown = [kind for kind in appropriations if kind not in rules.appropriations]
    if unknown:
        raise DomainError(
            E.UNKNOWN_APPROPRIATION.format(kind=unknown[0], known="、".join(rules.appropriations)),
            field="appropriation",
        )
    funds = dict(Fund.objects.filter(ledger=ledger).values_list("id", "name"))
    parties = dict(Counterparty.objects.filter(ledger=ledger).values_list("id", "name"))
    pnl = _year_end_balances(ledger, year, [Category.INCOME, Category.EXPENSE])
    equity: dict[str, int] = {}
    for row in _year_end_balances(ledger, year, [Category.EQUITY]):
        code = row["account__code"]
        if code == rules.profit_account or code.startswith(rules.appropriation_code):
            equity[code] = equity.get(code, 0) + row["debit"] - row["credit"]
    return build_year_close(
        year=year,
        rules=rules,
        balances=[
            YearEndBalance(
                account_code=row["account__code"],
                category=row["account__category"],
                net_debit_fen=row["debit"] - row["credit"],
                fund_name=funds.get(row["fund_key"], ""),
                counterparty_name=parties.get(row["counterparty_key"], ""),
            )
            for row in pnl
        ],
        profit_net_debit_fen=equity.get(rules.profit_account, 0),
        appropriation_net_debit_fen=equity.get(rules.appropriation_code, 0),
        appropriation_sub_balances={
            code: net
            for code, net in equity.items()
            if code.startswith(rules.appropriation_code) and code != rules.appropriation_code
        },
        appropriation_accounts=appropriation_accounts(
            ledger, year, [kind for kind, amount in appropriations.items() if amount > 0]
        ),
        appropriations=appropriations,
        members_counterparty=MEMBERS_COUNTERPARTY,
        member_split=(
            extensions.member_split(ledger=ledger, year=year, amount_fen=appropriations["向成员分配"])
            if appropriations.get("向成员分配", 0) > 0
            else None
        ),
    )


def year_close(
    *, actor, ledger: Ledger, year: int, appropriations: dict[str, int] | None = None
) -> YearCloseResult:
    """Year close (年结) by accounting-rules.md §3, in one or two runs.

    The closing vouchers (income and expenses to 本年收益, 本年收益 to 未分配收益, the
    appropriations to 未分配收益) are the system's mechanical entries: posted at once, with no
    reviewer named (``Voucher.posted_by_closing``). The distribution of the year's profit
    (``appropriations``: 提取公积公益金, 向成员分配, …) is the village's decision, so it is made as
    distribution vouchers submitted for review: a reviewer other than the closer approves them and
    they are posted on the normal path. That run stops there; the year stays open. Run again
    (without appropriations) once they are posted, the year close posts the last closing voucher,
    closes December and carries the balances into the next year as its opening (month-0) balances.
    A year with no appropriation closes in one run.
    """
    require(actor, ledger, Action.CLOSE)
    appropriations = appropriations or {}
    distributing = any(amount > 0 for amount in appropriations.values())
    with transaction.atomic():
        ledger = Ledger.objects.select_for_update().get(pk=ledger.pk)
        if year < ledger.carried_year:
            raise DomainError(E.YEAR_ALREADY_CLOSED.format(year=year), field="year")
        if year > ledger.carried_year:
            raise DomainError(E.YEAR_ORDER.format(year=ledger.carried_year), field="year")
        if ledger.status != LedgerStatus.ACTIVE:
            raise DomainError(E.LEDGER_NOT_ACTIVE, field="ledger")
        december = _period_or_error(ledger, year, 12, actor=actor)
        if distributing and year_distributions(ledger, year).exists():
            raise DomainError(E.DISTRIBUTIONS_MADE.format(year=year), field="appropriation")
        # Every voucher of December posted: the distribution vouchers of a first run too.
        _close_checks(ledger, december)
        warnings = period_warnings(ledger, december)
        if distributing:
            kinds = [kind for kind, amount in appropriations.items() if amount > 0]
            appropriation_accounts(ledger, year, kinds, create=True)
        plan = year_close_plan(ledger=ledger, year=year, appropriations=appropriations)
        if appropriations.get("向成员分配", 0) > 0:
            # One counterparty for all members, or (a share register's split) one per household.
            members_payable = chart_rules(ledger.chart).appropriations["向成员分配"]
            names = {
                line.counterparty_name
                for planned in plan
                for line in planned.lines
                if line.account_code == members_payable and line.counterparty_name and line.credit_fen
            }
            names -= set(
                Counterparty.objects.filter(ledger=ledger, name__in=names).values_list("name", flat=True)
            )
            Counterparty.objects.bulk_create(
                Counterparty(
                    ledger=ledger,
                    name=name,
                    kind=CounterpartyKind.ORGANISATION
                    if name == MEMBERS_COUNTERPARTY
                    else CounterpartyKind.HOUSEHOLD,
                )
                for name in sorted(names)
            )
        directory = LedgerDirectory.load(ledger)
        posted, distributions = [], []
        for planned in plan:
            problems = check_voucher(list(planned.lines)) + directory.resolve(list(planned.lines))
            if problems:
                raise DomainError(problems=problems)
            if not planned.is_system_closing:
                distributions.append(_distribution_make(actor, ledger, december, planned, directory))
            elif not distributions:
                posted.append(_closing_post(actor, ledger, december, planned, directory))
            # else: the appropriations' closing voucher, which needs them posted: the next run's.
        if distributions:
            audit_record(
                actor=actor,
                action="year_close_distributions",
                ledger_id=ledger.pk,
                obj=ledger,
                year=year,
                vouchers=[v.pk for v in posted],
                distributions=[v.pk for v in distributions],
                appropriations=appropriations,
            )
            return YearCloseResult(
                year=year, vouchers=posted, carried_rows=0, distributions=distributions, closed=False
            )
        december.refresh_from_db()
        _close_checks(ledger, december)
        december.status, december.closed_at, december.closed_by = PeriodStatus.CLOSED, timezone.now(), actor
        december.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
        checkpoint = _month_checkpoint(ledger)
        carried = _carry_forward(ledger, year)
        ledger.carried_year = year + 1
        ledger.save(update_fields=["carried_year", "updated_at"])
        _ensure_year_periods(ledger, year + 1)
        audit_record(
            actor=actor,
            action="year_close",
            ledger_id=ledger.pk,
            obj=ledger,
            year=year,
            vouchers=[v.pk for v in posted],
            appropriations=appropriations,
            **({"warnings": [str(w.message) for w in warnings]} if warnings else {}),
            **({"checkpoint": checkpoint} if checkpoint else {}),
        )
    return YearCloseResult(year=year, vouchers=posted, carried_rows=carried)


def _closing_post(actor, ledger: Ledger, december: Period, planned, directory: LedgerDirectory) -> Voucher:
    """A closing voucher of the year close, posted at once as the system's entry: the closer
    prepares and posts it; nobody reviewed it, so no reviewer is recorded."""
    now = timezone.now()
    voucher = Voucher.objects.create(
        ledger=ledger,
        period=december,
        date=date(december.year, 12, 31),
        note=planned.summary,
        kind=VoucherKind.CLOSING,
        prepared_by=actor,
        submitted_at=now,
        amount_fen=sum(line.debit_fen for line in planned.lines),
        status=VoucherStatus.REVIEWED,
    )
    VoucherLine.objects.bulk_create(directory.line_rows(voucher, list(planned.lines)))
    posting.post_voucher(voucher=voucher, actor=actor, savepoint=True)
    return voucher


def _distribution_make(
    actor, ledger: Ledger, december: Period, planned, directory: LedgerDirectory
) -> Voucher:
    """A distribution voucher of the year close, submitted for review (待审核), the closer its preparer."""
    now = timezone.now()
    voucher = Voucher.objects.create(
        ledger=ledger,
        period=december,
        date=date(december.year, 12, 31),
        note=planned.summary,
        kind=VoucherKind.DISTRIBUTION,
        draft_no=_next_draft_no(ledger),
        prepared_by=actor,
        submitted_at=now,
        amount_fen=sum(line.debit_fen for line in planned.lines),
        status=VoucherStatus.SUBMITTED,
    )
    VoucherLine.objects.bulk_create(directory.line_rows(voucher, list(planned.lines)))
    return voucher


def _carry_forward(ledger: Ledger, year: int) -> int:
    """Write the closing balances of ``year`` as the month-0 rows of ``year + 1``."""
    balance_sheet = [Category.ASSET, Category.LIABILITY, Category.EQUITY, Category.COST]
    deltas = BalanceDeltas()
    for row in _year_end_balances(ledger, year, balance_sheet):
        net = row["debit"] - row["credit"]
        deltas.add_line(
            ledger_id=ledger.pk,
            account_id=row["account_id"],
            period_key=(year + 1) * 100,
            fund_id=row["fund_key"],
            counterparty_id=row["counterparty_key"],
            is_closing=False,
            debit_fen=max(net, 0),
            credit_fen=max(-net, 0),
        )
    posting.balances_carry_forward(ledger_id=ledger.pk, year=year, deltas=deltas)
    leftover = _year_end_balances(ledger, year, [Category.INCOME, Category.EXPENSE])
    if leftover:
        raise DomainError(
            gettext("年结后损益类科目仍有余额：{code}").format(code=leftover[0]["account__code"]),
            field="year",
        )
    return len(list(deltas.items()))


def unposted_count(ledger: Ledger) -> int:
    return Voucher.objects.filter(ledger=ledger, status__in=UNPOSTED).aggregate(n=Count("id"))["n"]


# ---------------------------------------------------------------------------------------------
# Changing sub-accounts (明细科目)

ACCOUNT_NAME_MAX = Account._meta.get_field("name").max_length


def _locked_account(ledger: Ledger, code: str) -> Account:
    account = Account.objects.select_for_update().filter(ledger=ledger, code=(code or "").strip()).first()
    if account is None:
        raise DomainError(E.UNKNOWN_ACCOUNT.format(code=code), field="code")
    return account


def _changeable_account(*, ledger: Ledger, code: str, action: str) -> Account:
    """The account ``code`` of ``ledger``, locked, if it is a sub-account the ledger may change.

    Level-1 accounts are the chart's; an account is part of the books once a posted line uses
    it, or once its opening balance is (when anything is posted, see ``opening_balances_set``).
    """
    account = _locked_account(ledger, code)
    if account.level == 1:
        raise DomainError(E.LEVEL1_FIXED.format(code=account.code, action=action), field="code")
    posted_line = VoucherLine.objects.filter(
        ledger=ledger, account=account, voucher__status=VoucherStatus.POSTED
    ).exists()
    if posted_line or (
        OpeningBalance.objects.filter(ledger=ledger, account=account).exists()
        and Voucher.objects.filter(ledger=ledger, status=VoucherStatus.POSTED).exists()
    ):
        raise DomainError(E.ACCOUNT_IN_BOOKS.format(code=account.code, action=action), field="code")
    return account


def account_rename(*, actor, ledger: Ledger, code: str, name: str) -> Account:
    """Give a sub-account a new name, while no posted line or locked opening balance uses it."""
    require(actor, ledger, Action.SETUP)
    name = (name or "").strip()
    if not name:
        raise DomainError(E.NAME_REQUIRED, field="name")
    if len(name) > ACCOUNT_NAME_MAX:
        raise DomainError(E.NAME_TOO_LONG.format(limit=ACCOUNT_NAME_MAX), field="name")
    with transaction.atomic():
        account = _changeable_account(ledger=ledger, code=code, action=pgettext("action", "改名"))
        if account.name == name:
            return account
        old_name = account.name
        account.name = name
        account.save(update_fields=["name", "updated_at"])
        audit_record(
            actor=actor,
            action="account_rename",
            ledger_id=ledger.pk,
            obj=account,
            code=account.code,
            old_name=old_name,
            name=name,
        )
    return account


def account_set_active(*, actor, ledger: Ledger, code: str, active: bool) -> Account:
    """Disable (停用) or enable again a sub-account that nothing in the books uses.

    Disabled accounts are refused on new vouchers and opening balances (``LedgerDirectory``).
    Disabling is refused for the chart's level-1 accounts, for an account with sub-accounts,
    for one in the books (posted lines), with an opening balance or on a voucher not yet
    posted (it would be posted onto a disabled account), and for the accounts the year close
    posts to. Enabling is always allowed. Asking for the state the account is in changes nothing.
    """
    require(actor, ledger, Action.SETUP)
    with transaction.atomic():
        if active:
            account = _locked_account(ledger, code)
        else:
            account = _changeable_account(ledger=ledger, code=code, action=pgettext("action", "停用"))
        if account.is_active == active:
            return account
        if not active:
            if not account.is_leaf:
                raise DomainError(E.ACCOUNT_HAS_CHILDREN.format(code=account.code), field="code")
            rules = chart_rules(ledger.chart)
            year_close_codes = {rules.undistributed_code, rules.appropriation_code}
            year_close_codes |= {code for code, _name in rules.appropriation_kinds.values()}
            if account.code in year_close_codes:
                raise DomainError(E.ACCOUNT_FOR_YEAR_CLOSE.format(code=account.code), field="code")
            if OpeningBalance.objects.filter(ledger=ledger, account=account).exists():
                raise DomainError(E.ACCOUNT_HAS_OPENING.format(code=account.code), field="code")
            waiting = (
                Voucher.objects.filter(ledger=ledger, status__in=UNPOSTED, lines__account=account)
                .distinct()
                .count()
            )
            if waiting:
                message = E.ACCOUNT_IN_UNPOSTED.format(code=account.code, count=waiting)
                raise DomainError(message, field="code")
        account.is_active = active
        account.save(update_fields=["is_active", "updated_at"])
        audit_record(
            actor=actor,
            action="account_enable" if active else "account_disable",
            ledger_id=ledger.pk,
            obj=account,
            code=account.code,
        )
    return account
