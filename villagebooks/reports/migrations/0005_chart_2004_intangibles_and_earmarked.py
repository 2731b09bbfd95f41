"""The 2004 balance sheet gains 无形资产 (161) and 专项应付款 (241), the accounts the 2004 chart
gained (ledger migration ``0017_chart_2004_intangibles_and_earmarked``; UNSURE, see
``data/statements-2004.json``).

The platform's 2004 balance sheet is rewritten from the data file only while none of its formulas
names 161 or 241 (a layout someone already gave those lines is left alone); a region's own layout
(an override) is never touched: the county that keeps one adds the lines itself. Reversing leaves
the lines: they show zero on a ledger without those accounts.
"""

import re

from django.db import migrations

CHART, KIND = "2004", "balance_sheet"


def rewrite(apps, schema_editor):
    from villagebooks.reports.statements import seed_layouts

    layouts, lines = apps.get_model("reports", "StatementLayout"), apps.get_model("reports", "StatementLine")
    platform = layouts.objects.filter(chart=CHART, kind=KIND, region__isnull=True).first()
    if platform is not None:
        formulas = " ".join(lines.objects.filter(layout=platform).values_list("formula", flat=True))
        if re.search(r"(?<!\d)(161|241)(?!\d)", formulas):
            return
        lines.objects.filter(layout=platform).delete()
        platform.delete()
    seed_layouts(layouts, lines, charts=(CHART,))


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_layout_overrides")]

    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop)]
