"""The registry's data as files: the household list, a household's payments, the subsidy
reconciliation and what households received, each a ``Table`` (headers and rows as they are
shown, identifiers masked unless the viewer may see them — the reconciliation only, recorded
there) written as CSV or XLSX here and as PDF by ``reports.pdf.tables`` (the web app joins them).
Files never carry a full identifier to a role that may not see it; the household list and a
household's payments carry none at all (lists printed for notice, the disclosure issue)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _

from villagebooks.common.money import fen_to_text
from villagebooks.common.spreadsheet import Number, csv_writer, xlsx_workbook
from villagebooks.registry.domain.identity import mask
from villagebooks.registry.models import Household, Person
from villagebooks.registry.selectors import household_payments, households_in_scope


@dataclass
class Table:
    title: str
    subtitle: str
    headers: list[str]
    rows: list[list]  # text; amounts as ``Number`` in the columns of ``numeric``
    numeric: set[int] = field(default_factory=set)
    stem: str = "registry"


def households_table(user, *, village_code: str = "") -> Table:
    households = households_in_scope(user)
    if village_code:
        households = households.filter(village__code=village_code)
    households = households.annotate(persons_count=Count("persons")).order_by("village__code", "number")
    heads = {
        p.household_id: p
        for p in Person.objects.filter(household__in=households.values("id"), relation="户主").only(
            "household_id", "name", "id_number"
        )
    }
    rows = []
    for household in households:
        head = heads.get(household.pk)
        rows.append(
            [
                household.village.name,
                household.number,
                household.address,
                household.status,
                household.monitor_kind,
                Number(str(household.persons_count)),
                head.name if head else "",
                mask(head.id_number) if head else "",
            ]  # fmt: skip
        )
    headers = [
        _("村"),
        _("户编号"),
        _("住址"),
        _("户类型"),
        _("监测类别"),
        _("人口"),
        _("户主"),
        _("户主身份证号"),
    ]
    return Table(_("农户名单"), village_code or _("全部可查看的村"), headers, rows, {5}, "households")


def household_payments_table(household: Household) -> Table:
    masked = dict(Person.objects.filter(household=household).values_list("name", "id_number"))
    rows = [
        [
            p["person"],
            mask(masked.get(p["person"], "")),
            p["programme"],
            p["batch"],
            p["date"].isoformat(),
            Number(fen_to_text(p["amount_fen"])),
            str(p["state"]),
            p["ledger_code"],
        ]  # fmt: skip
        for p in household_payments(household)
    ]
    headers = [
        _("姓名"),
        _("身份证号"),
        _("补贴项目"),
        _("批次"),
        _("发放日期"),
        _("金额"),
        _("发放状态"),
        _("账套"),
    ]
    title = _("农户补贴发放记录")
    return Table(
        title,
        f"{household.village.name} {household.number}",
        headers,
        rows,
        {5},
        f"household-{household.number}",
    )


def reconciliation_table(rows: list[list], *, subtitle: str) -> Table:
    """``subsidies.reconciliation_report``'s rows (masked there as the user may see them)."""
    from villagebooks.registry.subsidies import STATE_LABELS

    body = [
        [
            r[0],
            r[1],
            r[2],
            Number(fen_to_text(r[3])),
            Number(fen_to_text(r[4])),
            Number(fen_to_text(r[5])),
            str(STATE_LABELS[r[6]]),
            r[7],
            r[8],
        ]  # fmt: skip
        for r in rows
    ]
    headers = [_("批次"), _("身份证号"), _("姓名"), _("名册金额"), _("银行发放"), _("账簿记录"), _("状态"),
               _("原因"), _("处理")]  # fmt: skip
    return Table(_("补贴发放三方核对"), subtitle, headers, body, {3, 4, 5}, "subsidy-reconciliation")


def received_table(report) -> Table:
    from villagebooks.registry.received import HEADERS, received_rows

    rows = [[*r[:9], Number(fen_to_text(r[9])), r[10]] for r in received_rows(report)]
    subtitle = f"{report.region.name} {report.first:%Y-%m} — {report.last:%Y-%m}"
    return Table(_("农户补贴领取情况"), subtitle, [str(h) for h in HEADERS], rows, {9}, "subsidy-received")


def table_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow(row)
    return buffer.getvalue()


def table_xlsx(table: Table) -> bytes:
    workbook = xlsx_workbook()
    workbook.properties.title = table.title
    sheet = workbook.create_sheet(table.title[:31])
    sheet.append_row([sheet.text_cell(table.title)])
    sheet.append_row([sheet.text_cell(table.subtitle)])
    sheet.append_row([sheet.text_cell(h) for h in table.headers])
    for row in table.rows:
        sheet.append_row(
            [
                sheet.number_cell(v) if i in table.numeric and v != "" else sheet.text_cell(v)
                for i, v in enumerate(row)
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
