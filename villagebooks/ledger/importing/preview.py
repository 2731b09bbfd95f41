"""An import's plan: what a file would write, found by running the import itself and rolling
it back (a dry run), and the same import run for real only while it still writes that plan.

There is one path. A dry run is the import (``vouchers_import`` / ``opening_import``) in a
savepoint: every check of reading, writing, numbering, posting's hooks (budget control) and the
directory's ``--create-missing`` runs as it would, then the plan is read from the rows written
and the savepoint is rolled back, so nothing stays written (ids taken from a PostgreSQL
sequence are not given back, which no one sees). This holds while posting's hooks write only
rows of the database (they do: ``funds.control``); a hook with effects outside the transaction
would need ``transaction.on_commit``. The confirm step runs the import again with
the plan's digest: if what it wrote differs from what was previewed (the books changed meanwhile,
say a fund was created, a month closed or a voucher key was imported), it is rolled back and
refused with ``PLAN_CHANGED``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import FieldProblem
from villagebooks.ledger.importing.cells import _sha256
from villagebooks.ledger.importing.messages import ImportFailed
from villagebooks.ledger.importing.opening import opening_import
from villagebooks.ledger.importing.vouchers import vouchers_import
from villagebooks.ledger.models import Counterparty, Fund, Ledger, OpeningBalance, Voucher, VoucherLine

PLAN_CHANGED = _("账套在预览之后发生了变化，按现在的账套导入的结果与预览不同，未导入任何数据，请重新上传预览")
FILE_CHANGED = _("文件在预览之后发生了变化（SHA-256 不同），未导入任何数据，请重新上传预览")


@dataclass(frozen=True)
class PlannedLine:
    summary: str
    account_code: str
    account_name: str
    debit_fen: int
    credit_fen: int
    fund: str = ""
    counterparty: str = ""
    project: str = ""


@dataclass(frozen=True)
class PlannedVoucher:
    ledger_code: str
    key: str  # the file's voucher key
    date: str  # ISO
    status: str
    lines: tuple[PlannedLine, ...]

    @property
    def amount_fen(self) -> int:
        return sum(line.debit_fen for line in self.lines)


@dataclass(frozen=True)
class ImportPlan:
    """What an import writes. ``kind`` is ``vouchers`` or ``opening``."""

    kind: str
    file_name: str
    sha256: str  # the file's
    vouchers: tuple[PlannedVoucher, ...] = ()
    openings: tuple[PlannedLine, ...] = ()  # opening balances: one a row
    created_funds: tuple[str, ...] = ()  # "ledger_code:name"
    created_counterparties: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)

    @property
    def lines(self) -> tuple[PlannedLine, ...]:
        return self.openings or tuple(line for v in self.vouchers for line in v.lines)

    @property
    def debit_fen(self) -> int:
        return sum(line.debit_fen for line in self.lines)

    @property
    def credit_fen(self) -> int:
        return sum(line.credit_fen for line in self.lines)

    @property
    def digest(self) -> str:
        """SHA-256 of the plan, the file's digest and the options included: what a confirm must write."""
        text = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


class _RollBack(Exception):
    """Raised inside the import's savepoint to undo everything written, carrying the plan."""

    def __init__(self, plan: ImportPlan):
        super().__init__("dry run")
        self.plan = plan


def _voucher_plan(
    voucher_ids: list[int], *, file_name: str, sha256: str, options: dict, result
) -> ImportPlan:
    vouchers = Voucher.objects.filter(pk__in=voucher_ids).select_related("ledger").order_by("pk")
    lines_of: dict[int, list[PlannedLine]] = {}
    for line in (
        VoucherLine.objects.filter(voucher_id__in=voucher_ids)
        .select_related("account", "fund", "counterparty", "project")
        .order_by("voucher_id", "line_no")
    ):
        lines_of.setdefault(line.voucher_id, []).append(
            PlannedLine(
                summary=line.summary,
                account_code=line.account.code,
                account_name=line.account.name,
                debit_fen=line.debit_fen,
                credit_fen=line.credit_fen,
                fund=line.fund.name if line.fund_id else "",
                counterparty=line.counterparty.name if line.counterparty_id else "",
                project=line.project.code if line.project_id else "",
            )
        )
    return ImportPlan(
        kind="vouchers",
        file_name=file_name,
        sha256=sha256,
        vouchers=tuple(
            PlannedVoucher(
                ledger_code=v.ledger.code,
                key=v.external_key,
                date=v.date.isoformat() if isinstance(v.date, date) else str(v.date),
                status=str(v.status),
                lines=tuple(lines_of.get(v.pk, ())),
            )
            for v in vouchers
        ),
        created_funds=tuple(result.created_funds),
        created_counterparties=tuple(result.created_counterparties),
        options=options,
    )


def _run_vouchers(*, actor, path: Path, options: dict, expect: str | None) -> ImportPlan:
    path = Path(path)
    sha256 = _sha256(path)
    collected: list[int] = []
    try:
        with transaction.atomic():
            result = vouchers_import(actor=actor, path=path, voucher_ids=collected, **options)
            plan = _voucher_plan(
                collected, file_name=path.name, sha256=sha256, options=options, result=result
            )
            if expect is None:
                raise _RollBack(plan)
            if plan.digest != expect:
                raise ImportFailed(problems=[FieldProblem("file", str(PLAN_CHANGED))])
    except _RollBack as dry:
        return dry.plan
    return plan


def vouchers_import_plan(
    *, actor, path: Path, post: bool = False, create_missing: bool = False, only_ledger: str | None = None
) -> ImportPlan:
    """What ``vouchers_import`` would write from this file, with every check run; nothing is written.

    Raises:
        ImportFailed: every problem of the file, as the import reports them.
    """
    options = {"post": post, "create_missing": create_missing, "only_ledger": only_ledger}
    return _run_vouchers(actor=actor, path=path, options=options, expect=None)


def vouchers_import_planned(
    *,
    actor,
    path: Path,
    digest: str,
    post: bool = False,
    create_missing: bool = False,
    only_ledger: str | None = None,
) -> ImportPlan:
    """Import the file only if it writes exactly the plan whose ``digest`` was previewed.

    Raises:
        ImportFailed: the file's problems now, or ``PLAN_CHANGED``; nothing was written.
    """
    options = {"post": post, "create_missing": create_missing, "only_ledger": only_ledger}
    return _run_vouchers(actor=actor, path=path, options=options, expect=digest)


def _opening_plan(
    ledger: Ledger, *, file_name: str, sha256: str, before: tuple[set, set], options
) -> ImportPlan:
    rows = (
        OpeningBalance.objects.filter(ledger=ledger)
        .select_related("account", "fund", "counterparty")
        .order_by("account__code", "pk")
    )
    funds = set(Fund.objects.filter(ledger=ledger).values_list("name", flat=True))
    parties = set(Counterparty.objects.filter(ledger=ledger).values_list("name", flat=True))
    return ImportPlan(
        kind="opening",
        file_name=file_name,
        sha256=sha256,
        openings=tuple(
            PlannedLine(
                summary="",
                account_code=row.account.code,
                account_name=row.account.name,
                debit_fen=row.debit_fen,
                credit_fen=row.credit_fen,
                fund=row.fund.name if row.fund_id else "",
                counterparty=row.counterparty.name if row.counterparty_id else "",
            )
            for row in rows
        ),
        created_funds=tuple(f"{ledger.code}:{name}" for name in sorted(funds - before[0])),
        created_counterparties=tuple(f"{ledger.code}:{name}" for name in sorted(parties - before[1])),
        options=options,
    )


def _run_opening(
    *, actor, ledger_code: str, path: Path, create_missing: bool, expect: str | None
) -> ImportPlan:
    path = Path(path)
    sha256 = _sha256(path)
    options = {"create_missing": create_missing}
    try:
        with transaction.atomic():
            existing = Ledger.objects.filter(code=ledger_code).first()
            before = (
                set(Fund.objects.filter(ledger=existing).values_list("name", flat=True)),
                set(Counterparty.objects.filter(ledger=existing).values_list("name", flat=True)),
            )
            ledger = opening_import(
                actor=actor, ledger_code=ledger_code, path=path, create_missing=create_missing
            )
            plan = _opening_plan(ledger, file_name=path.name, sha256=sha256, before=before, options=options)
            if expect is None:
                raise _RollBack(plan)
            if plan.digest != expect:
                raise ImportFailed(problems=[FieldProblem("file", str(PLAN_CHANGED))])
    except _RollBack as dry:
        return dry.plan
    return plan


def opening_import_plan(*, actor, ledger_code: str, path: Path, create_missing: bool = False) -> ImportPlan:
    """What ``opening_import`` would set from this file, with every check run; nothing is written."""
    return _run_opening(
        actor=actor, ledger_code=ledger_code, path=path, create_missing=create_missing, expect=None
    )


def opening_import_planned(
    *, actor, ledger_code: str, path: Path, digest: str, create_missing: bool = False
) -> ImportPlan:
    """Set the opening balances only if the file sets exactly the plan whose ``digest`` was previewed."""
    return _run_opening(
        actor=actor, ledger_code=ledger_code, path=path, create_missing=create_missing, expect=digest
    )
