"""Spending kept at posting: ``ProjectSpending``, the posted lines tagged with a project or a
fund summed per (ledger, project, fund, account, month), and ``ProjectSpendingYear``, the same
per year (a report of whole years, e.g. a county's year, reads one row where the months are up
to twelve).

Project execution and the fund passport read it (``funds.passport``) instead of summing voucher
lines: a county's report then reads a few rows a village. It is written in posting's transaction
by the after-posting step (``register``): once for a voucher posted by the service (a reversal
and a year close's vouchers go through it too), once for a whole import batch, the batch's
lines added up first, so that an import adds one statement a batch to each table. Rows are
keyed by account, not by what the account means, so that the rules of which accounts are
spending (``data/funds-rules.json``) stay data read at report time.

Year-close vouchers are left out, as the reports leave them out (they only move the year's
result). ``verify`` recomputes both tables' rows from the lines (``discrepancies``, registered
with the ledger's verification); migration ``funds/0003`` builds the months for the books posted
before it, ``funds/0004`` the years from the months.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict

from django.db import connection

from villagebooks.common.pgarrays import array_literals
from villagebooks.funds.models import ProjectSpending, ProjectSpendingYear
from villagebooks.ledger import background_writes, posting, verification
from villagebooks.ledger.models import Account, Period, Voucher, VoucherKind, VoucherLine, VoucherStatus

# (ledger, project_key, fund_key, account, period_key) — or year, in the yearly rows
Key = tuple[int, int, int, int, int]

MISMATCH = "项目资金支出汇总与凭证分录不符（项目 {project}，资金 {fund}，{side}）"
YEAR_MISMATCH = "项目资金支出年度汇总与凭证分录不符（{year}年全年，项目 {project}，资金 {fund}，{side}）"


POSTED = VoucherStatus.POSTED.value  # read, never written here: only ledger.posting posts


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def sums(vouchers: list[posting.VoucherToPost]) -> dict[Key, list[int]]:
    """The vouchers' tagged lines added up per key: [debit, credit]."""
    totals: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for voucher in vouchers:
        if voucher.kind == VoucherKind.CLOSING:
            continue
        period_key = voucher.date.year * 100 + voucher.date.month
        for line in voucher.lines:
            if line.project_id is None and line.fund_id is None:
                continue
            total = totals[
                (voucher.ledger_id, line.project_id or 0, line.fund_id or 0, line.account_id, period_key)
            ]
            total[0] += line.debit_fen
            total[1] += line.credit_fen
    return totals


def after_posting(vouchers: list[posting.VoucherToPost]) -> None:
    """Add what ``vouchers`` (one voucher, or an import's batch) posted to the summary: one
    statement, rows in key order (concurrent posters lock them in one order)."""
    totals = sums(vouchers)
    if totals:
        add(totals)


def add(totals: dict[Key, list[int]]) -> None:
    """Add ``totals`` to the monthly rows and to their years' rows."""
    years: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for (ledger, project, fund, account, period_key), (debit, credit) in totals.items():
        total = years[(ledger, project, fund, account, period_key // 100)]
        total[0] += debit
        total[1] += credit
    # During an import the statements go on its writing thread after the batch's rows
    # (``background_writes``), so that the import prepares its next batch meanwhile.
    if connection.vendor == "postgresql":
        # Both tables in one statement (a round trip is most of a click's cost there), each over
        # arrays, however many keys a batch has (see posting._apply).
        monthly, monthly_params = _upsert_unnest(_table(ProjectSpending), "period_key", totals)
        yearly, yearly_params = _upsert_unnest(_table(ProjectSpendingYear), "year", years)
        background_writes.write(f"WITH monthly AS ({monthly}) {yearly}", monthly_params + yearly_params)
        return
    _upsert(_table(ProjectSpending), "period_key", totals)
    _upsert(_table(ProjectSpendingYear), "year", years)


def _on_conflict(table: str, keys: str) -> str:
    return (
        f" ON CONFLICT ({keys})"
        f" DO UPDATE SET debit_fen = {table}.debit_fen + excluded.debit_fen,"
        f" credit_fen = {table}.credit_fen + excluded.credit_fen"
    )


def _upsert_unnest(table: str, period_column: str, totals: dict[Key, list[int]]) -> tuple[str, list]:
    """PostgreSQL: the upsert of ``totals`` over arrays, rows in key order (concurrent posters
    lock them in one order), and its parameters."""
    keys = f"ledger_id, project_key, fund_key, account_id, {period_column}"
    columns = f"{keys}, debit_fen, credit_fen"
    rows = [(*key, debit, credit) for key, (debit, credit) in sorted(totals.items())]
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT {columns} FROM unnest(%s::bigint[], %s::bigint[],"
        " %s::bigint[], %s::bigint[], %s::int[], %s::bigint[], %s::bigint[]) WITH ORDINALITY AS"
        f" spent({columns}, position) ORDER BY position{_on_conflict(table, keys)}"
    )
    return sql, array_literals(rows)


def _upsert(table: str, period_column: str, totals: dict[Key, list[int]]) -> None:
    """SQLite: the upsert of ``totals`` as multi-row statements, rows in key order."""
    keys = f"ledger_id, project_key, fund_key, account_id, {period_column}"
    columns = f"{keys}, debit_fen, credit_fen"
    on_conflict = _on_conflict(table, keys)
    rows = [(*key, debit, credit) for key, (debit, credit) in sorted(totals.items())]
    # SQLite: multi-row statements, in chunks: SQLite takes a limited number of parameters a
    # statement (32,766 since 3.32).
    connection.ensure_connection()
    per_statement = max(1, connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // 7)
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        marks = ", ".join([f"({', '.join(['%s'] * 7)})"] * len(chunk))
        background_writes.write(
            f"INSERT INTO {table} ({columns}) VALUES {marks}{on_conflict}",
            [value for row in chunk for value in row],
        )


def in_posting_statement(voucher: Voucher) -> tuple[list[str], dict] | None:
    """``after_posting`` of one voucher as SQL in the posting's own statement on PostgreSQL
    (``posting.register_after_posting``): its tagged lines summed per key by the database, both
    tables, rows in key order; the month and year of its date, as ``sums`` takes them."""
    if voucher.kind == VoucherKind.CLOSING:
        return None
    lines = _table(VoucherLine)
    key = "COALESCE(project_id, 0), COALESCE(fund_id, 0), account_id"
    ctes = []
    for name, model, column, value in (
        ("spent_months", ProjectSpending, "period_key", "%(spent_month)s"),
        ("spent_years", ProjectSpendingYear, "year", "%(spent_year)s"),
    ):
        table = _table(model)
        keys = f"ledger_id, project_key, fund_key, account_id, {column}"
        # Joined with the numbered period: nothing when the period refused a number, and the
        # period's row locked before these, as by every other posting.
        ctes.append(
            f"{name} AS (INSERT INTO {table} ({keys}, debit_fen, credit_fen)"
            f" SELECT %(ledger_id)s, {key}, {value}, SUM(debit_fen), SUM(credit_fen)"
            f" FROM {lines} CROSS JOIN numbered WHERE voucher_id = %(voucher_id)s"
            " AND (project_id IS NOT NULL OR fund_id IS NOT NULL)"
            f" GROUP BY {key} ORDER BY {key}{_on_conflict(table, keys)})"
        )
    return ctes, {
        "spent_month": voucher.date.year * 100 + voucher.date.month,
        "spent_year": voucher.date.year,
    }


def register() -> None:
    """Join posting's after-posting step (once, however often ``ready`` runs)."""
    if after_posting not in posting.after_posting:
        posting.register_after_posting(after_posting, in_statement_sql=in_posting_statement)
    verification.register_check(discrepancies, "项目资金支出汇总")


# ---------------------------------------------------------------------------------------------
# From the lines: the migration's build and verify's check


def _from_lines_sql(ledger_filter: str) -> str:
    """SELECT of the summary's rows as the posted lines give them (``ledger_filter`` on ``vl``)."""
    return (
        "SELECT vl.ledger_id, COALESCE(vl.project_id, 0), COALESCE(vl.fund_id, 0), vl.account_id,"
        " p.year * 100 + p.month, SUM(vl.debit_fen), SUM(vl.credit_fen)"
        f" FROM {_table(VoucherLine)} vl JOIN {_table(Voucher)} v ON v.id = vl.voucher_id"
        f" JOIN {_table(Period)} p ON p.id = v.period_id"
        f" WHERE {ledger_filter} AND v.status = %s AND v.kind <> %s"
        " AND (vl.project_id IS NOT NULL OR vl.fund_id IS NOT NULL)"
        " GROUP BY vl.ledger_id, COALESCE(vl.project_id, 0), COALESCE(vl.fund_id, 0), vl.account_id,"
        " p.year * 100 + p.month"
    )


def discrepancies(ledger, report) -> None:
    """``verify``'s check: every summary row of ``ledger``, monthly and yearly, equal to its
    posted lines' sums."""
    with connection.cursor() as cursor:
        cursor.execute(
            _from_lines_sql("vl.ledger_id = %s"),
            [ledger.pk, POSTED, VoucherKind.CLOSING.value],
        )
        expected = {tuple(row[1:5]): (int(row[5]), int(row[6])) for row in cursor.fetchall()}
    expected_years: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for (project, fund, account, period), (debit, credit) in expected.items():
        total = expected_years[(project, fund, account, period // 100)]
        total[0] += debit
        total[1] += credit
    columns = ("project_key", "fund_key", "account_id", "debit_fen", "credit_fen")
    stored = {
        (project, fund, account, period): (debit, credit)
        for project, fund, account, debit, credit, period in ProjectSpending.objects.filter(
            ledger_id=ledger.pk
        ).values_list(*columns, "period_key")
    }
    stored_years = {
        (project, fund, account, year): (debit, credit)
        for project, fund, account, debit, credit, year in ProjectSpendingYear.objects.filter(
            ledger_id=ledger.pk
        ).values_list(*columns, "year")
    }
    codes = dict(Account.objects.filter(ledger_id=ledger.pk).values_list("pk", "code"))

    def compare(want_rows, have_rows, message, period_of):
        for key in sorted(want_rows.keys() | have_rows.keys()):
            want, have = want_rows.get(key, (0, 0)), have_rows.get(key, (0, 0))
            project, fund, account, period = key
            for side, index in (("借方", 0), ("贷方", 1)):
                if want[index] != have[index]:
                    report.discrepancies.append(
                        verification.Discrepancy(
                            ledger.code,
                            codes.get(account, str(account)),
                            period_of(period),
                            message.format(project=project or "-", fund=fund or "-", side=side, year=period),
                            want[index],
                            have[index],
                        )
                    )

    compare(expected, stored, MISMATCH, lambda period: period)
    # A year's row is named by its December (the month it runs through).
    compare(expected_years, stored_years, YEAR_MISMATCH, lambda year: year * 100 + 12)
