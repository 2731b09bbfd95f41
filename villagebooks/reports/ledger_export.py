"""The whole-ledger export: every table of one ledger as CSV, its reports as XLSX and its
attachment files, in one ZIP a user can always take away.

The ZIP is written to a temporary file next to the target and renamed over it only when it is
complete, so a failure never leaves half an archive where the user expects one. Voucher lines
and balance rows are streamed from the database in chunks and into the archive row by row, so a
ledger of a hundred thousand lines never sits in memory. On PostgreSQL the reads run in one
REPEATABLE READ transaction, so every file shows the same moment of the books.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from villagebooks.common.audit import audit_record
from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.money import fen_to_text
from villagebooks.common.spreadsheet import Number, csv_writer
from villagebooks.ledger import access
from villagebooks.ledger.access import Action
from villagebooks.ledger.domain.periods import period_label
from villagebooks.ledger.models import (
    Account,
    AccountBalance,
    Attachment,
    ChainEntry,
    Counterparty,
    Fund,
    Ledger,
    OpeningBalance,
    Period,
    VoucherLine,
)
from villagebooks.ledger.selectors import ledger_get
from villagebooks.reports.catalog import REPORT_KINDS
from villagebooks.reports.scope import UNKNOWN_LEDGER, ReportScope
from villagebooks.reports.xlsx import write_xlsx

ATTACHMENT_MISSING = _("附件文件缺失：{name}（凭证 {voucher}），导出已停止")
CANNOT_WRITE = _("无法写入 {path}：{error}")

# Rows fetched from the database at a time when streaming lines and balances.
CHUNK_SIZE = 2000
# Rows of one Excel sheet, the header included: README.txt warns when vouchers.csv has more.
EXCEL_MAX_ROWS = 1_048_576
# Report kinds exported per year, in this order, if the catalogue has them.
YEARLY_REPORTS = ("trial-balance", "fund-summary", "balance-sheet", "income-statement")
# Characters that cannot be in a file name on Windows, where most users will unpack the ZIP.
UNSAFE_NAME = re.compile(r'[\x00-\x1f<>:"/\\|?*]')

LEDGER_COLUMNS = [
    "code",
    "name",
    "village_code",
    "village_name",
    "chart",
    "chart_label",
    "start_year",
    "start_month",
    "status",
    "status_label",
    "carried_year",
    "created_at",
    "updated_at",
]
ACCOUNT_COLUMNS = [
    "code",
    "name",
    "parent_code",
    "level",
    "category",
    "category_label",
    "normal_side",
    "normal_side_label",
    "is_leaf",
    "requires_fund",
    "requires_counterparty",
    "is_active",
]
FUND_COLUMNS = ["name", "kind", "kind_label", "issuer", "document_number", "amount"]
COUNTERPARTY_COLUMNS = ["name", "kind", "kind_label", "id_number"]
PERIOD_COLUMNS = ["year", "month", "status", "status_label", "last_number", "closed_at", "closed_by"]
OPENING_COLUMNS = ["account_code", "account_name", "fund", "counterparty", "debit", "credit"]
VOUCHER_COLUMNS = [
    "voucher_id",
    "period",
    "number",
    "date",
    "status",
    "kind",
    "reverses_number",
    "reverses_voucher_id",
    "note",
    "prepared_by",
    "created_at",
    "reviewed_by",
    "reviewed_at",
    "posted_by",
    "posted_at",
    "line_no",
    "summary",
    "account_code",
    "account_name",
    "debit",
    "credit",
    "fund",
    "counterparty",
    "project",
]
ATTACHMENT_COLUMNS = [
    "file",
    "original_name",
    "content_type",
    "size",
    "sha256",
    "voucher_id",
    "period",
    "number",
]
BALANCE_COLUMNS = [
    "account_code",
    "account_name",
    "year",
    "month",
    "period_key",
    "fund",
    "counterparty",
    "is_closing",
    "debit",
    "credit",
]

FILE_NOTES = {
    "ledger.csv": "账套基本信息（编号、名称、所属村、会计制度、启用年月、状态、已结转年度）",
    "accounts.csv": "会计科目表（编码、名称、上级科目、级次、类别、余额方向、是否末级、是否需要资金来源/往来单位、是否启用）",
    "funds.csv": "资金来源（名称、类别、下达单位、文号、下达金额）",
    "counterparties.csv": "往来单位（名称、类别、证件号码）",
    "periods.csv": "会计期间（年、月、结账状态、最后凭证号、结账时间、结账人）",
    "opening_balances.csv": "期初余额（科目、资金来源、往来单位、借方、贷方）",
    "vouchers.csv": "全部凭证，每条分录一行（凭证内部编号、期间、凭证号、日期、状态、类型、冲销的凭证号及其内部编号、说明、"
    "制单/审核/记账人及时间、分录行号、摘要、科目、借方、贷方、资金来源、往来单位、项目）；"
    "草稿和待审核凭证也在内，状态列区分",
    "attachments.csv": "附件清单（压缩包内文件路径、原文件名、类型、大小、SHA-256、所属凭证）；附件文件本身在 attachments/ 目录",
    "chain.jsonl": "已记账凭证哈希链，每行一条（序号、版本、算法、前一条哈希、本条哈希、记账时的凭证内容 canonical）；"
    "用 villagebooks verify-export 或独立的 verify_books.py 对照已公布的校验点核验",
    "balances.csv": "科目余额发生额（按科目、年、月、资金来源、往来单位；月份 0 为年初余额，is_closing=1 为年末结转）",
}


@dataclass
class ExportSummary:
    ledger_code: str
    files: list[str] = field(default_factory=list)  # every member of the ZIP, in order
    years: list[int] = field(default_factory=list)
    voucher_count: int = 0
    line_count: int = 0
    debit_total_fen: int = 0
    credit_total_fen: int = 0
    attachment_count: int = 0
    attachment_bytes: int = 0
    size: int = 0  # bytes of the ZIP
    posted_ids: set[int] = field(default_factory=set)  # the vouchers vouchers.csv shows as posted


def ledger_export(*, actor, ledger_code: str, target: BinaryIO | Path | str) -> ExportSummary:
    """Write every record of a ledger, its yearly reports and its attachments as one ZIP.

    Args:
        actor: the user asking; needs ``view`` on the ledger.
        ledger_code: the ledger's code.
        target: a path (written through a temporary file and renamed) or a writable binary file
            (written only once the whole archive has been built).

    Raises:
        NotPermitted: the ledger does not exist or is out of the user's scope (one message for
            both, so the answer does not reveal whether a code exists).
        DomainError: an attachment file is missing from storage, or the target cannot be written.
    """
    ledger = ledger_get(user=actor, code=ledger_code)
    if ledger is None:
        raise NotPermitted(UNKNOWN_LEDGER.format(code=ledger_code))
    access.require(actor, ledger, Action.VIEW)
    summary = ExportSummary(ledger_code=ledger.code)
    exported_at = timezone.localtime()
    with _snapshot(), _temporary_zip(target) as temporary:
        with _Archive(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.stamp = exported_at.timetuple()[:6]
            _write_archive(archive, ledger, summary, exported_at)
        temporary.flush()
        summary.size = temporary.tell()
    audit_record(
        actor=actor,
        action="ledger_export",
        ledger_id=ledger.pk,
        obj=ledger,
        files=len(summary.files),
        lines=summary.line_count,
        attachments=summary.attachment_count,
        size=summary.size,
    )
    return summary


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view of the books for the whole export, where the database offers it.

    PostgreSQL gives REPEATABLE READ to a transaction that asks before its first query. Inside
    an outer transaction (a test, a caller's atomic block) the outer one decides. SQLite is left
    alone: its transactions here take the write lock at BEGIN, which would stop all posting for
    the length of an export.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


@contextmanager
def _temporary_zip(target: BinaryIO | Path | str) -> Iterator[BinaryIO]:
    if isinstance(target, (str, os.PathLike)):
        path = Path(target)
        try:
            handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 closed or removed below
                dir=path.parent or ".", prefix=f".{path.name}.", suffix=".part", delete=False
            )
        except OSError as error:
            raise DomainError(CANNOT_WRITE.format(path=path, error=error), field="output") from error
        try:
            with handle:
                yield handle
                os.fsync(handle.fileno())
            os.replace(handle.name, path)
        except OSError as error:  # a full disk, a directory in the way
            Path(handle.name).unlink(missing_ok=True)
            raise DomainError(CANNOT_WRITE.format(path=path, error=error), field="output") from error
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        return
    # A file object (an HTTP response, a buffer): build the whole archive aside, then copy it,
    # so nothing reaches the object unless the archive is complete.
    with tempfile.TemporaryFile() as handle:
        yield handle
        handle.seek(0)
        shutil.copyfileobj(handle, target)


class _Archive(zipfile.ZipFile):
    """A ZIP whose members carry the export time (the standard library stamps streamed members
    1980-01-01 and others with the server's clock)."""

    stamp: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0)

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.stamp)
        info.compress_type = self.compression
        return info

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        if mode == "w" and isinstance(name, str):
            name = self._info(name)
        return super().open(name, mode, pwd, force_zip64=force_zip64)

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)


def _write_archive(archive: zipfile.ZipFile, ledger: Ledger, summary: ExportSummary, exported_at) -> None:
    _csv(archive, summary, "ledger.csv", LEDGER_COLUMNS, [_ledger_row(ledger)])
    _csv(archive, summary, "accounts.csv", ACCOUNT_COLUMNS, _account_rows(ledger))
    funds = {fund.pk: fund for fund in Fund.objects.filter(ledger=ledger)}
    parties = {party.pk: party for party in Counterparty.objects.filter(ledger=ledger)}
    _csv(
        archive,
        summary,
        "funds.csv",
        FUND_COLUMNS,
        (
            [f.name, f.kind, str(f.get_kind_display()), f.issuer, f.document_number, _yuan(f.amount_fen)]
            for f in funds.values()
        ),
    )
    _csv(
        archive,
        summary,
        "counterparties.csv",
        COUNTERPARTY_COLUMNS,
        ([p.name, p.kind, str(p.get_kind_display()), p.id_number] for p in parties.values()),
    )
    periods = list(Period.objects.filter(ledger=ledger).select_related("closed_by"))
    _csv(
        archive,
        summary,
        "periods.csv",
        PERIOD_COLUMNS,
        (
            [
                p.year,
                p.month,
                p.status,
                str(p.get_status_display()),
                p.last_number,
                _when(p.closed_at),
                _username(p.closed_by),
            ]
            for p in periods
        ),
    )
    _csv(archive, summary, "opening_balances.csv", OPENING_COLUMNS, _opening_rows(ledger))
    _csv(archive, summary, "vouchers.csv", VOUCHER_COLUMNS, _voucher_rows(ledger, summary), large=True)
    _write_attachments(archive, ledger, summary)
    _write_chain(archive, ledger, summary)
    _csv(archive, summary, "balances.csv", BALANCE_COLUMNS, _balance_rows(ledger, funds, parties), large=True)
    reports = _write_reports(archive, ledger, periods, summary)
    _write_readme(archive, ledger, periods, reports, summary, exported_at)


def _csv(
    archive: zipfile.ZipFile,
    summary: ExportSummary,
    name: str,
    columns: list[str],
    rows: Iterable[list],
    *,
    large: bool = False,
) -> None:
    """Stream rows into a UTF-8 (with BOM, for Excel) CSV member, through the spreadsheet guard.

    Amounts are ``Number``s (the exact text from ``fen_to_text``), so a negative (red) amount is
    not taken for a formula and quoted; text is guarded. The two ``large`` files may pass 2 GiB.
    """
    with archive.open(name, "w", force_zip64=large) as member:
        text = io.TextIOWrapper(member, encoding="utf-8-sig", newline="")
        writer = csv_writer(text)
        writer.writerow(columns)
        writer.writerows(rows)
        text.flush()
        text.detach()
    summary.files.append(name)


def _yuan(fen: int) -> Number:
    return Number(fen_to_text(fen))


def _when(moment) -> str:
    # astimezone on the zone fetched once: timezone.localtime looks it up again on every call.
    return moment.astimezone(_ZONE()).isoformat(timespec="seconds") if moment else ""


_ZONE = timezone.get_current_timezone


def _username(user) -> str:
    return user.get_username() if user is not None else ""


def _ledger_row(ledger: Ledger) -> list:
    return [
        ledger.code,
        ledger.name,
        ledger.village.code,
        ledger.village.name,
        ledger.chart,
        str(ledger.get_chart_display()),
        ledger.start_year,
        ledger.start_month,
        ledger.status,
        str(ledger.get_status_display()),
        ledger.carried_year,
        _when(ledger.created_at),
        _when(ledger.updated_at),
    ]


def _flag(value: bool) -> int:
    return 1 if value else 0


def _account_rows(ledger: Ledger) -> Iterator[list]:
    for account in Account.objects.filter(ledger=ledger).select_related("parent"):
        yield [
            account.code,
            account.name,
            account.parent.code if account.parent else "",
            account.level,
            account.category,
            str(account.get_category_display()),
            account.normal_side,
            str(account.get_normal_side_display()),
            _flag(account.is_leaf),
            _flag(account.requires_fund),
            _flag(account.requires_counterparty),
            _flag(account.is_active),
        ]


def _opening_rows(ledger: Ledger) -> Iterator[list]:
    rows = OpeningBalance.objects.filter(ledger=ledger).select_related("account", "fund", "counterparty")
    for row in rows.order_by("account__code", "id"):
        yield [
            row.account.code,
            row.account.name,
            row.fund.name if row.fund else "",
            row.counterparty.name if row.counterparty else "",
            _yuan(row.debit_fen),
            _yuan(row.credit_fen),
        ]


def _voucher_rows(ledger: Ledger, summary: ExportSummary) -> Iterator[list]:
    lines = (
        VoucherLine.objects.filter(ledger=ledger)
        .order_by(
            "voucher__period__year", "voucher__period__month", "voucher__number", "voucher_id", "line_no"
        )
        .values_list(
            "voucher_id",
            "voucher__period__year",
            "voucher__period__month",
            "voucher__number",
            "voucher__date",
            "voucher__status",
            "voucher__kind",
            "voucher__reverses__number",
            "voucher__reverses_id",
            "voucher__note",
            "voucher__prepared_by__username",
            "voucher__created_at",
            "voucher__reviewed_by__username",
            "voucher__reviewed_at",
            "voucher__posted_by__username",
            "voucher__posted_at",
            "line_no",
            "summary",
            "account__code",
            "account__name",
            "debit_fen",
            "credit_fen",
            "fund__name",
            "counterparty__name",
            "project__code",
        )
    )
    last_voucher = None
    head: list = []
    for line in lines.iterator(chunk_size=CHUNK_SIZE):
        voucher_id = line[0]
        if voucher_id != last_voucher:
            # A voucher's own columns repeat on each of its lines: made once.
            (year, month, number, day, status, kind, reverses, reverses_id, note) = line[1:10]
            (prepared_by, created_at, reviewed_by, reviewed_at, posted_by, posted_at) = line[10:16]
            head = [
                voucher_id,
                period_label(year * 100 + month),
                number or "",
                day.isoformat(),
                status,
                kind,
                reverses or "",
                reverses_id or "",
                note,
                prepared_by,
                _when(created_at),
                reviewed_by,
                _when(reviewed_at),
                posted_by,
                _when(posted_at),
            ]
            summary.voucher_count += 1
            if status == "posted":
                summary.posted_ids.add(voucher_id)
            last_voucher = voucher_id
        line_no, text, code, name, debit, credit, fund, party, project = line[16:]
        summary.line_count += 1
        summary.debit_total_fen += debit
        summary.credit_total_fen += credit
        yield [
            *head,
            line_no,
            text,
            code,
            name,
            _yuan(debit),
            _yuan(credit),
            fund,
            party,
            project or "",
        ]


def _attachment_member(attachment: Attachment) -> str:
    name = UNSAFE_NAME.sub("_", attachment.original_name).strip(" .") or "file"
    # The id keeps two documents of the same name apart.
    return f"attachments/{attachment.pk}-{name}"


def _write_attachments(archive: zipfile.ZipFile, ledger: Ledger, summary: ExportSummary) -> None:
    attachments = list(
        Attachment.objects.filter(ledger=ledger)
        .select_related("voucher__period")
        .order_by("voucher_id", "id")
    )
    rows = []
    for attachment in attachments:
        member = _attachment_member(attachment)
        voucher = attachment.voucher
        try:
            source = default_storage.open(attachment.file.name, "rb")
        except OSError as error:
            raise DomainError(
                ATTACHMENT_MISSING.format(name=attachment.original_name, voucher=voucher), field="attachments"
            ) from error
        with source, archive.open(member, "w", force_zip64=True) as target:
            shutil.copyfileobj(source, target, 1024 * 1024)
        summary.files.append(member)
        summary.attachment_count += 1
        summary.attachment_bytes += attachment.size
        rows.append(
            [
                member,
                attachment.original_name,
                attachment.content_type,
                attachment.size,
                attachment.sha256,
                voucher.pk,
                str(voucher.period),
                voucher.number or "",
            ]
        )
    _csv(archive, summary, "attachments.csv", ATTACHMENT_COLUMNS, rows)


def _write_chain(archive: zipfile.ZipFile, ledger: Ledger, summary: ExportSummary) -> None:
    """The ledger's hash chain as it is stored, one JSON object a line (``verify_books`` reads it)."""
    entries = (
        ChainEntry.objects.filter(ledger=ledger)
        .order_by("sequence")
        .values_list("sequence", "version", "algorithm", "previous_hash", "entry_hash", "canonical")
    )
    with archive.open("chain.jsonl", "w", force_zip64=True) as member:
        for sequence, version, algorithm, previous, digest, canonical in entries.iterator(
            chunk_size=CHUNK_SIZE
        ):
            row = {
                "sequence": sequence,
                "version": version,
                "algorithm": algorithm,
                "previous": previous,
                "hash": digest,
                "canonical": canonical,
            }
            member.write(json.dumps(row, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n")
    summary.files.append("chain.jsonl")


def _balance_rows(ledger: Ledger, funds: dict[int, Fund], parties: dict[int, Counterparty]) -> Iterator[list]:
    rows = (
        AccountBalance.objects.filter(ledger=ledger)
        .order_by("period_key", "account__code", "fund_key", "counterparty_key", "is_closing")
        .values_list(
            "account__code",
            "account__name",
            "year",
            "month",
            "period_key",
            "fund_key",
            "counterparty_key",
            "is_closing",
            "debit_fen",
            "credit_fen",
        )
    )
    for code, name, year, month, key, fund_key, party_key, is_closing, debit, credit in rows.iterator(
        chunk_size=CHUNK_SIZE
    ):
        yield [
            code,
            name,
            year,
            month,
            key,
            funds[fund_key].name if fund_key else "",
            parties[party_key].name if party_key else "",
            _flag(is_closing),
            _yuan(debit),
            _yuan(credit),
        ]


def _ledger_years(ledger: Ledger, periods: list[Period]) -> dict[int, tuple[int, int]]:
    """Per year of the ledger, the first and last period a report of that year covers."""
    last_month: dict[int, int] = {}
    for period in periods:
        last_month[period.year] = max(last_month.get(period.year, 0), period.month)
    final = max([ledger.start_year, *last_month])
    years = {}
    for year in range(ledger.start_year, final + 1):
        first = ledger.start_period_key if year == ledger.start_year else year * 100 + 1
        years[year] = (first, year * 100 + max(last_month.get(year, 12), first % 100))
    return years


def _write_reports(
    archive: zipfile.ZipFile, ledger: Ledger, periods: list[Period], summary: ExportSummary
) -> list[tuple[str, str, str]]:
    written = []
    for year, (from_key, to_key) in _ledger_years(ledger, periods).items():
        scope = ReportScope(
            title=ledger.name,
            ledger_ids=(ledger.pk,),
            chart=ledger.chart,
            from_key=from_key,
            to_key=to_key,
            single_ledger=ledger,
        )
        for slug in YEARLY_REPORTS:
            kind = REPORT_KINDS.get(slug)
            if kind is None:
                continue
            buffer = io.BytesIO()
            write_xlsx(kind, scope, kind.build(scope), buffer)
            name = f"{slug}-{year}.xlsx"
            archive.writestr(name, buffer.getvalue())
            summary.files.append(name)
            written.append((name, kind.title, scope.period_text))
        summary.years.append(year)
    return written


def _write_readme(
    archive: zipfile.ZipFile,
    ledger: Ledger,
    periods: list[Period],
    reports: list[tuple[str, str, str]],
    summary: ExportSummary,
    exported_at,
) -> None:
    closed = [p for p in periods if p.status == "closed"]
    lines = [
        "村账通 账套数据导出",
        "",
        f"导出时间：{exported_at.isoformat(timespec='seconds')}",
        f"账套：{ledger.name}（编号 {ledger.code}）",
        f"所属村：{ledger.village.name}（{ledger.village.code}）",
        f"会计制度：{ledger.get_chart_display()}",
        f"启用期间：{period_label(ledger.start_period_key)}",
        "会计期间："
        + (f"{periods[0]} 至 {periods[-1]}，共 {len(periods)} 个" if periods else "尚无")
        + (f"；已结账至 {closed[-1]}" if closed else "；尚无已结账期间"),
        f"凭证：{summary.voucher_count} 张，分录 {summary.line_count} 条，"
        f"借方合计 {fen_to_text(summary.debit_total_fen)}，贷方合计 {fen_to_text(summary.credit_total_fen)}",
        f"附件：{summary.attachment_count} 个",
        "",
        "文件说明：",
    ]
    lines += [f"  {name}：{note}" for name, note in FILE_NOTES.items()]
    if summary.attachment_count:
        lines.append("  attachments/：附件原件，文件名为“附件编号-原文件名”，与 attachments.csv 对应")
    lines += [f"  {name}：{title}（{period}）" for name, title, period in reports]
    lines += [
        "",
        "格式说明：",
        "  1. CSV 文件为 UTF-8 编码（带 BOM），可直接用 Excel 或 WPS 打开；第一行为列名。",
        "  2. 金额单位为元，两位小数，不含千分位和货币符号；红字冲销的分录金额为负数。",
        "  3. 时间为北京时间（ISO 8601 格式）；是/否类的列以 1/0 表示。",
        "  4. 为防止 Excel 把文字当作公式执行，以 = + - @ 开头的文字单元格前加了一个单引号 '，"
        "读取数据时请去掉该单引号（金额列不加）。",
        "  5. 各年度报表的期间为该年度内账套已有的会计期间。",
    ]
    if summary.line_count >= EXCEL_MAX_ROWS:
        lines.append(
            f"  6. vouchers.csv 共 {summary.line_count + 1} 行，超过 Excel 单表上限 {EXCEL_MAX_ROWS} 行，"
            "Excel 只能打开前面部分，请用 WPS、数据库或其他工具读取全部数据。"
        )
    lines.append("")
    archive.writestr("README.txt", "\r\n".join(lines).encode("utf-8-sig"))
    summary.files.append("README.txt")
