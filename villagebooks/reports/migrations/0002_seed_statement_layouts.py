"""Seed the statement layouts from villagebooks/data/statements-<chart>.json (data, not schema).

A layout already present is left alone: a county may have changed it. Reversing removes the
layouts of the seeded charts.
"""

from django.db import migrations

SEEDED_CHARTS = ("2023",)


def seed(apps, schema_editor):
    from villagebooks.reports.statements import seed_layouts

    layouts, lines = apps.get_model("reports", "StatementLayout"), apps.get_model("reports", "StatementLine")
    seed_layouts(layouts, lines, charts=SEEDED_CHARTS)


def unseed(apps, schema_editor):
    apps.get_model("reports", "StatementLayout").objects.filter(chart__in=SEEDED_CHARTS).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
