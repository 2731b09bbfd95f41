"""Seed the statement layouts from villagebooks/data/statements-<chart>.json (data, not schema).

A layout already present is left alone: a county may have changed it. Reversing removes the
layouts of the seeded charts.
"""

from django.db import migrations

SEEDED_CHARTS = ("2023",)


def seed(apps, schema_editor):
    from villagebooks.reports.statements import check_layout, seed_data, specs_from_data, write_layout

    layout_model = apps.get_model("reports", "StatementLayout")
    line_model = apps.get_model("reports", "StatementLine")
    for chart in SEEDED_CHARTS:
        data = seed_data(chart)
        for kind, statement in data["statements"].items():
            if layout_model.objects.filter(chart=chart, kind=kind).exists():
                continue
            title, lines, check = specs_from_data(statement)
            problems = check_layout(chart=chart, lines=lines, check=check)
            if problems:
                raise ValueError(f"statements-{chart}.json {kind}: " + "；".join(map(str, problems)))
            write_layout(layout_model, line_model, chart=chart, kind=kind, title=title, lines=lines, check=check)


def unseed(apps, schema_editor):
    apps.get_model("reports", "StatementLayout").objects.filter(chart__in=SEEDED_CHARTS).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
