"""Seed the 2004 chart's statement layouts from villagebooks/data/statements-2004.json (data, not schema).

As in 0002 (``statements.seed_layouts``): a layout already present is left alone, every formula
is checked before anything is written, and reversing removes the 2004 layouts only.
"""

from django.db import migrations

SEEDED_CHARTS = ("2004",)


def seed(apps, schema_editor):
    from villagebooks.reports.statements import seed_layouts

    layouts, lines = apps.get_model("reports", "StatementLayout"), apps.get_model("reports", "StatementLine")
    seed_layouts(layouts, lines, charts=SEEDED_CHARTS)


def unseed(apps, schema_editor):
    apps.get_model("reports", "StatementLayout").objects.filter(chart__in=SEEDED_CHARTS).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_seed_statement_layouts")]

    operations = [migrations.RunPython(seed, unseed)]
