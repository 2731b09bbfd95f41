"""Seed the 2004 chart's statement layouts from villagebooks/data/statements-2004.json (data, not schema).

As in 0002: a layout already present is left alone (a county may have loaded its own), every
formula is checked before anything is written, and reversing removes the 2004 layouts only.
"""

from django.db import migrations

SEEDED_CHARTS = ("2004",)


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
    dependencies = [("reports", "0002_seed_statement_layouts")]

    operations = [migrations.RunPython(seed, unseed)]
