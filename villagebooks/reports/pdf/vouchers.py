"""Vouchers printed as the usual 记账凭证 form, two to an A4 sheet, and a month's vouchers as one PDF.

A voucher fills the upper or the lower half of a portrait A4 page (cut along the dashed line
for the voucher binder): the title, the date, 记字第N号 and 附件 N 张, the ledger's name as
核算单位, the table 摘要 / 会计科目 (总账科目, 明细科目) / 借方金额 / 贷方金额, the 合计 row
with the total in words (人民币大写, accounting-rules.md §7) and the names of 记账, 审核 and
制单. Lines that do not fit one half go on to the next half, each part marked 第1/2页 …; the
合计 row is on the last part only. Empty rows left in the table are struck through, as the
rules for paper vouchers ask, so nothing can be added to a printed voucher.

``printable_vouchers`` reads what the form shows in a fixed number of queries, whatever the
number of vouchers; the drawing itself touches no database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from villagebooks.common.audit import record_report_view
from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.money import amount_in_words, format_fen
from villagebooks.ledger.domain.periods import BAD_PERIOD
from villagebooks.ledger.models import Account, Voucher, VoucherLine, VoucherRenumberingLine, VoucherStatus
from villagebooks.ledger.selectors import ledger_get
from villagebooks.reports.pdf.document import GREY, RED, Document, clean
from villagebooks.reports.scope import UNKNOWN_LEDGER

NO_VOUCHERS = _("{year}-{month:02d} 没有已记账的凭证")

TITLE = "记 账 凭 证"
HALF = 297.0 / 2  # one voucher per half of a portrait A4 page
LEFT = 15.0
WIDTH = 180.0
# 摘要, 总账科目, 明细科目, 借方金额, 贷方金额 (mm)
COLUMNS = (46.0, 36.0, 42.0, 28.0, 28.0)
TABLE_TOP = 33.0  # below the top of the half
HEADER_ROW = 6.0  # the header is two rows high
ROW = 9.0  # the height of an ordinary line
BODY = 7 * ROW  # the lines of one part: seven ordinary ones
CELL_SIZE = 9.0
AMOUNT_SIZE = 10.0
LINE_HEIGHT = CELL_SIZE * 1.3 * 25.4 / 72
PAD = 1.2


@dataclass(frozen=True)
class PrintedLine:
    summary: str
    general: str  # 总账科目: the first-level account, "241 专项应付款"
    detail: str  # 明细科目: the sub-account and the line's counterparty and fund, one a line
    debit_fen: int
    credit_fen: int


@dataclass(frozen=True)
class PrintedVoucher:
    unit: str  # 核算单位: the ledger's name
    date: date
    number: int | None
    attachments: int
    lines: tuple[PrintedLine, ...]
    prepared_by: str
    reviewed_by: str
    posted_by: str
    note: str = ""
    # Posted by an import: reviewed outside, in this file (name, SHA-256), instead of by a reviewer.
    reviewed_outside: tuple[str, str] | None = None
    # A closing voucher: posted by the year close as the system's entry, reviewed by nobody.
    posted_by_closing: bool = False
    status: str = ""  # empty once posted; otherwise what it still is (草稿, 待审核, 已审核)
    # 整理凭证号: each number it had before (原记-n) and the day it changed, oldest first, as its
    # page shows them.
    renumbered: tuple[tuple[int, date], ...] = ()

    @property
    def debit_fen(self) -> int:
        return sum(line.debit_fen for line in self.lines)

    @property
    def credit_fen(self) -> int:
        return sum(line.credit_fen for line in self.lines)


def vouchers_pdf(*, actor, ledger_code: str, year: int, month: int, via: str = "page") -> bytes:
    """The posted vouchers of one month of a ledger, in number order, as one PDF; the operation
    log records who printed them (``via``: page or cli).

    Raises:
        NotPermitted: no such ledger, or ``actor`` may not view it (the same message for both,
            so that the answer does not tell which ledgers exist).
        DomainError: a month outside 1–12, or no posted voucher in that month (field ``period``).
    """
    if not (1 <= month <= 12 and 1 <= year <= 9999):
        raise DomainError(BAD_PERIOD, field="period")
    ledger = ledger_get(user=actor, code=ledger_code)
    if ledger is None:
        raise NotPermitted(UNKNOWN_LEDGER.format(code=ledger_code))
    vouchers = (
        Voucher.objects.filter(
            ledger=ledger, period__year=year, period__month=month, status=VoucherStatus.POSTED
        )
        .order_by("number")
        .only("pk")
    )
    printable = printable_vouchers(vouchers)
    if not printable:
        raise DomainError(NO_VOUCHERS.format(year=year, month=month), field="period")
    period = f"{year}-{month:02d}"
    record_report_view(
        actor=actor,
        report="vouchers",
        fmt="pdf",
        via=via,
        from_period=period,
        to_period=period,
        ledger=ledger,
    )
    return render_printed_vouchers(printable)


def render_vouchers_pdf(vouchers: Iterable[Voucher]) -> bytes:
    """Vouchers (of any status, in the order given) as the bytes of one PDF of 记账凭证 forms.

    The caller decides who may see them: use ``vouchers_pdf`` for a month, which checks.
    """
    return render_printed_vouchers(printable_vouchers(vouchers))


def printable_vouchers(vouchers: Iterable[Voucher]) -> list[PrintedVoucher]:
    """What the form shows of each voucher, in the given order.

    Four queries whatever the number of vouchers (vouchers with ledger and people, lines with
    fund and counterparty, the numbers renumbered vouchers had before, the ledgers' accounts),
    after the one that lists a queryset given.
    """
    ids = [voucher.pk for voucher in vouchers]
    lines = VoucherLine.objects.select_related("fund", "counterparty").order_by("line_no")
    renumberings = VoucherRenumberingLine.objects.select_related("renumbering").order_by(
        "renumbering__renumbered_at", "renumbering_id"
    )
    loaded = {
        voucher.pk: voucher
        for voucher in Voucher.objects.filter(pk__in=ids)
        .select_related("ledger", "prepared_by", "reviewed_by", "posted_by")
        .prefetch_related(Prefetch("lines", queryset=lines), Prefetch("renumberings", queryset=renumberings))
    }
    ledger_ids = {voucher.ledger_id for voucher in loaded.values()}
    accounts = {
        row["id"]: row
        for row in Account.objects.filter(ledger_id__in=ledger_ids).values("id", "code", "name", "parent_id")
    }
    return [_printed(loaded[pk], accounts) for pk in ids]


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _printed(voucher: Voucher, accounts: dict[int, dict]) -> PrintedVoucher:
    return PrintedVoucher(
        unit=voucher.ledger.name,
        date=voucher.date,
        number=voucher.number,
        attachments=voucher.attachment_count,
        lines=tuple(_printed_line(line, accounts) for line in voucher.lines.all()),
        prepared_by=_person(voucher.prepared_by),
        reviewed_by=_person(voucher.shown_reviewer),
        posted_by=_person(voucher.posted_by),
        reviewed_outside=(voucher.source_file, voucher.source_sha256) if voucher.reviewed_outside else None,
        posted_by_closing=voucher.posted_by_closing,
        note=voucher.note,
        status="" if voucher.status == VoucherStatus.POSTED else str(voucher.get_status_display()),
        renumbered=tuple(
            (step.old_number, timezone.localtime(step.renumbering.renumbered_at).date())
            for step in voucher.renumberings.all()
        ),
    )


def _printed_line(line: VoucherLine, accounts: dict[int, dict]) -> PrintedLine:
    chain = [accounts[line.account_id]]
    while chain[-1]["parent_id"] is not None:
        chain.append(accounts[chain[-1]["parent_id"]])
    top = chain[-1]
    detail = []
    if len(chain) > 1:
        # The leaf's code and the names below the first-level account: 24101 道路补助—一组.
        names = "—".join(account["name"] for account in reversed(chain[:-1]))
        detail.append(f"{chain[0]['code']} {names}")
    if line.counterparty is not None:
        detail.append(f"往来：{line.counterparty.name}")
    if line.fund is not None:
        detail.append(f"资金：{line.fund.name}")
    return PrintedLine(
        summary=line.summary,
        general=f"{top['code']} {top['name']}",
        detail="\n".join(detail),
        debit_fen=line.debit_fen,
        credit_fen=line.credit_fen,
    )


# Drawing


@dataclass(frozen=True)
class _Row:
    line: PrintedLine
    cells: tuple[list[str], list[str], list[str]]  # wrapped 摘要, 总账科目, 明细科目
    height: float


def render_printed_vouchers(vouchers: list[PrintedVoucher]) -> bytes:
    """The vouchers' forms, one half page each (more for long vouchers), as PDF bytes."""
    title = "记账凭证"
    if vouchers:
        first, last = vouchers[0], vouchers[-1]
        title = f"记账凭证 {first.unit} {_number(first)} 至 {_number(last)}"
    document = Document(title=title, subject="记账凭证")
    half = 0
    for voucher in vouchers:
        parts = _parts(document, voucher)
        for index, rows in enumerate(parts):
            if half % 2 == 0:
                document.add_page()
                top = 0.0
            else:
                top = HALF
                document.dashed_line(5, HALF, document.w - 5, HALF)
            _draw(document, voucher, rows, top, part=index + 1, parts=len(parts))
            half += 1
    return document.to_bytes()


def _number(voucher: PrintedVoucher) -> str:
    return f"记-{voucher.number}" if voucher.number else "未编号"


def _parts(document: Document, voucher: PrintedVoucher) -> list[list[_Row]]:
    """The voucher's lines cut into parts that each fit the table of one form."""
    rows = []
    most = int((BODY - 2 * PAD) // LINE_HEIGHT)
    for line in voucher.lines:
        cells = tuple(
            _clip(document.wrap(clean(text), width - 2 * PAD, CELL_SIZE), most)
            for text, width in zip((line.summary, line.general, line.detail), COLUMNS[:3], strict=True)
        )
        height = max(ROW, max(len(lines) for lines in cells) * LINE_HEIGHT + 2 * PAD)
        rows.append(_Row(line, cells, height))
    parts: list[list[_Row]] = [[]]
    used = 0.0
    for row in rows:
        if parts[-1] and used + row.height > BODY:
            parts.append([])
            used = 0.0
        parts[-1].append(row)
        used += row.height
    return parts


def _clip(lines: list[str], most: int) -> list[str]:
    # A 200-character summary still fits; only pathological text is cut, visibly.
    if len(lines) <= most:
        return lines
    return lines[: most - 1] + [lines[most - 1][:-1] + "…"]


def _draw(
    document: Document, voucher: PrintedVoucher, rows: list[_Row], top: float, *, part: int, parts: int
):
    right = LEFT + WIDTH
    with document.style(size=18, bold=True):
        document.line_at(TITLE, LEFT, top + 8, WIDTH, 9, "C")
    # The title's double rule, as printed on voucher paper.
    document.line(LEFT + 62, top + 17.6, right - 62, top + 17.6)
    document.line(LEFT + 62, top + 18.4, right - 62, top + 18.4)
    if voucher.status:
        with document.style(size=10, bold=True, color=RED):
            document.line_at(f"{voucher.status}，未记账", LEFT, top + 10, WIDTH, 6, "R")
    elif voucher.renumbered:  # above the number, where an unposted voucher says so (never both)
        notes = "".join(f"（原记-{old}，{day:%Y-%m-%d} 整理凭证号）" for old, day in voucher.renumbered)
        space = WIDTH / 2 - 30  # right of the title
        with document.style(size=document.fitting_size(notes, space, 8, 5), color=GREY):
            document.line_at(notes, LEFT + WIDTH - space, top + 10, space, 6, "R")
    day = voucher.date
    number = f"记字第 {voucher.number} 号" if voucher.number else "记字第    号"
    if parts > 1:
        number += f"  第{part}/{parts}页"
    with document.style(size=10):
        document.line_at(f"{day.year} 年 {day.month:02d} 月 {day.day:02d} 日", LEFT, top + 20, WIDTH, 6, "C")
        document.line_at(number, LEFT, top + 20, WIDTH, 6, "R")
        document.line_at(f"核算单位：{clean(voucher.unit)}", LEFT, top + 26.5, WIDTH - 30, 6, "L")
        document.line_at(f"附件 {voucher.attachments} 张", LEFT, top + 26.5, WIDTH, 6, "R")
    y = _draw_header(document, top + TABLE_TOP)
    y = _draw_lines(document, rows, y)
    y = _draw_total(document, voucher, y, last=part == parts)
    with document.style(size=10):
        third = WIDTH / 3
        document.line_at(f"记账：{clean(voucher.posted_by)}", LEFT + 2, y + 2, third, 7, "L")
        if voucher.reviewed_outside:
            reviewer = "外部（随文件导入）"
        elif voucher.posted_by_closing:
            reviewer = "无（系统结转）"
        else:
            reviewer = clean(voucher.reviewed_by)
        document.line_at(f"审核：{reviewer}", LEFT + third, y + 2, third, 7, "C")
        document.line_at(f"制单：{clean(voucher.prepared_by)}", LEFT + 2 * third, y + 2, third - 2, 7, "R")
    remarks = []
    if voucher.reviewed_outside:  # first: the print must say where the review was
        file_name, sha256 = voucher.reviewed_outside
        remarks.append(f"外部审核：随文件 {clean(file_name)} 导入，SHA-256 {sha256}")
    if voucher.posted_by_closing:
        remarks.append("结转凭证：年结时由系统记账，不经审核")
    if voucher.note:
        remarks.append(f"说明：{clean(voucher.note)}")
    if remarks:
        with document.style(size=8, color=GREY):
            note = document.wrap("；".join(remarks), WIDTH)[0]
            document.line_at(note, LEFT, y + 9, WIDTH, 5, "L")


def _x(column: int) -> float:
    return LEFT + sum(COLUMNS[:column])


def _draw_header(document: Document, y: float) -> float:
    """摘要 | 会计科目 (总账科目, 明细科目) | 借方金额 | 贷方金额, two rows high."""
    high = 2 * HEADER_ROW
    document.rect(_x(0), y, COLUMNS[0], high)
    document.rect(_x(1), y, COLUMNS[1] + COLUMNS[2], HEADER_ROW)
    document.rect(_x(1), y + HEADER_ROW, COLUMNS[1], HEADER_ROW)
    document.rect(_x(2), y + HEADER_ROW, COLUMNS[2], HEADER_ROW)
    document.rect(_x(3), y, COLUMNS[3], high)
    document.rect(_x(4), y, COLUMNS[4], high)
    with document.style(size=10, bold=True):
        document.line_at("摘  要", _x(0), y, COLUMNS[0], high, "C")
        document.line_at("会 计 科 目", _x(1), y, COLUMNS[1] + COLUMNS[2], HEADER_ROW, "C")
        document.line_at("总账科目", _x(1), y + HEADER_ROW, COLUMNS[1], HEADER_ROW, "C")
        document.line_at("明细科目", _x(2), y + HEADER_ROW, COLUMNS[2], HEADER_ROW, "C")
        document.line_at("借方金额", _x(3), y, COLUMNS[3], high, "C")
        document.line_at("贷方金额", _x(4), y, COLUMNS[4], high, "C")
    return y + high


def _draw_lines(document: Document, rows: list[_Row], y: float) -> float:
    end = y + BODY
    for row in rows:
        for column, width in enumerate(COLUMNS):
            document.rect(_x(column), y, width, row.height)
        with document.style(size=CELL_SIZE):
            for column, lines in enumerate(row.cells):
                document.lines_in(
                    lines, _x(column) + PAD, y, COLUMNS[column] - 2 * PAD, row.height, LINE_HEIGHT
                )
        for column, fen in ((3, row.line.debit_fen), (4, row.line.credit_fen)):
            _amount(document, fen, column, y, row.height)
        y += row.height
    if y < end - 0.01:
        # The rows left empty: drawn, then struck through across the amounts (划线注销).
        for column, width in enumerate(COLUMNS):
            document.rect(_x(column), y, width, end - y)
        rule = y + ROW
        while rule < end - 0.01:
            document.line(LEFT, rule, LEFT + WIDTH, rule)
            rule += ROW
        document.line(_x(5), y, _x(3), end)
    return end


def _amount(document: Document, fen: int, column: int, y: float, height: float, *, bold=False, symbol=False):
    if fen == 0 and not symbol:
        return
    text = format_fen(fen, symbol=symbol)
    width = COLUMNS[column] - 2 * PAD
    size = document.fitting_size(text, width, AMOUNT_SIZE, 6)
    # A negative amount is a red-ink (红字) correction and is printed red, as on paper.
    with document.style(size=size, bold=bold, color=RED if fen < 0 else (0, 0, 0)):
        document.line_at(text, _x(column) + PAD, y, width, height, "R")


def _draw_total(document: Document, voucher: PrintedVoucher, y: float, *, last: bool) -> float:
    for column, width in ((0, COLUMNS[0]), (1, COLUMNS[1] + COLUMNS[2]), (3, COLUMNS[3]), (4, COLUMNS[4])):
        document.rect(_x(column), y, width, ROW)
    if not last:
        with document.style(size=10):
            document.line_at("（转下页）", _x(0), y, COLUMNS[0], ROW, "C")
        return y + ROW
    with document.style(size=10, bold=True):
        document.line_at("合  计", _x(0), y, COLUMNS[0], ROW, "C")
    words = f"人民币（大写）：{amount_in_words(voucher.debit_fen)}"
    space = COLUMNS[1] + COLUMNS[2] - 2 * PAD
    size = document.fitting_size(words, space, 10, 7)
    with document.style(size=size, bold=True):
        document.lines_in(document.wrap(words, space), _x(1) + PAD, y, space, ROW, size * 1.25 * 25.4 / 72)
    _amount(document, voucher.debit_fen, 3, y, ROW, bold=True, symbol=True)
    _amount(document, voucher.credit_fen, 4, y, ROW, bold=True, symbol=True)
    return y + ROW
