"""Ledgers on the 2004 chart gain the level-1 accounts the chart's data gained: 161 无形资产 and
241 专项应付款 (added locally to many 2004 charts, UNSURE: ``data/chart-of-accounts-2004.csv``),
without which a 2004 ledger could not record an earmarked transfer.

Data, not schema. Every standard account a ledger lacks is added from the chart's data as it is
now (a ledger that already has the code, e.g. one a county added by hand, keeps its own); reversing
removes only accounts this migration added and nothing was booked on.
"""

from django.db import migrations

CHART = "2004"
ADDED = ("161", "241")


def add_accounts(apps, schema_editor):
    from villagebooks.ledger.domain.chart import chart_templates

    ledgers, accounts = apps.get_model("ledger", "Ledger"), apps.get_model("ledger", "Account")
    templates = [t for t in chart_templates(CHART) if t.code in ADDED]
    for ledger_id in ledgers.objects.filter(chart=CHART).values_list("id", flat=True):
        present = set(
            accounts.objects.filter(ledger_id=ledger_id, code__in=ADDED).values_list("code", flat=True)
        )
        accounts.objects.bulk_create(
            accounts(
                ledger_id=ledger_id,
                code=t.code,
                name=t.name,
                level=1,
                category=t.category,
                normal_side=t.normal_side,
                requires_fund=t.requires_fund,
                requires_counterparty=t.requires_counterparty,
            )
            for t in templates
            if t.code not in present
        )


def remove_unused(apps, schema_editor):
    accounts = apps.get_model("ledger", "Account")
    lines, openings = apps.get_model("ledger", "VoucherLine"), apps.get_model("ledger", "OpeningBalance")
    balances = apps.get_model("ledger", "AccountBalance")
    for account in accounts.objects.filter(ledger__chart=CHART, code__in=ADDED, parent__isnull=True):
        used = (
            accounts.objects.filter(parent=account).exists()
            or lines.objects.filter(account=account).exists()
            or openings.objects.filter(account=account).exists()
            or balances.objects.filter(account=account).exists()
        )
        if not used:
            account.delete()


class Migration(migrations.Migration):
    dependencies = [("ledger", "0016_entry_helpers")]

    operations = [migrations.RunPython(add_accounts, remove_unused)]
