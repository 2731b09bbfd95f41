"""The 收益及收益分配表 shows 提取公积公益金, 提取应付福利费 (2004), 向成员分配 and 其他 on lines of
their own instead of one 各项分配 line (statements-<chart>.json, read from the sub-accounts of
32202 the year close now opens).

The platform's income-statement layout of each chart is rewritten from the data file only when it
is still the layout seeded before (its lines as the old file had them): a layout an administrator
changed is left alone, and so is every county's override. Reversing writes the old lines back
under the same condition.
"""

from django.db import migrations

OLD_LINES = {
    "2023": [
        (17, "减：各项分配（提取公积公益金、向成员分配等）", "debit(322)"),
        (18, "六、年末未分配收益", "L16-L17"),
    ],
    "2004": [
        (15, "减：各项分配（提取公积公益金、提取应付福利费、外来投资分利、农户分配等）", "debit(322)"),
        (16, "五、年末未分配收益", "L14-L15"),
    ],
}


def _tail(layout, line_model, count):
    rows = list(line_model.objects.filter(layout=layout).order_by("position"))
    return rows, [(r.line_no, r.label, r.formula) for r in rows[-count:]]


def forward(apps, schema_editor):
    from villagebooks.reports.statements import check_layout, seed_data, specs_from_data, write_layout

    layouts, lines = apps.get_model("reports", "StatementLayout"), apps.get_model("reports", "StatementLine")
    for chart, old in OLD_LINES.items():
        layout = layouts.objects.filter(chart=chart, kind="income", region__isnull=True).first()
        if layout is None:
            continue
        _rows, tail = _tail(layout, lines, len(old))
        if tail != old:
            continue
        title, specs, check = specs_from_data(seed_data(chart)["statements"]["income"])
        problems = check_layout(chart=chart, lines=specs, check=check)
        if problems:
            raise ValueError(f"statements-{chart}.json income: " + "；".join(map(str, problems)))
        write_layout(layouts, lines, chart=chart, kind="income", title=layout.title, lines=specs, check=check)


def backward(apps, schema_editor):
    layouts, lines = apps.get_model("reports", "StatementLayout"), apps.get_model("reports", "StatementLine")
    for chart, old in OLD_LINES.items():
        layout = layouts.objects.filter(chart=chart, kind="income", region__isnull=True).first()
        if layout is None:
            continue
        rows = list(lines.objects.filter(layout=layout).order_by("position"))
        first_new = next((i for i, r in enumerate(rows) if r.line_no == old[0][0]), None)
        if first_new is None or rows[first_new].formula != "debit(3220201)":
            continue
        lines.objects.filter(pk__in=[r.pk for r in rows[first_new:]]).delete()
        position = rows[first_new].position
        for offset, (line_no, label, formula) in enumerate(old):
            lines.objects.create(
                layout=layout,
                position=position + offset,
                line_no=line_no,
                label=label,
                indent=1 if offset == 0 else 0,
                bold=offset == 1,
                formula=formula,
            )


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_chart_2004_intangibles_and_earmarked")]

    operations = [migrations.RunPython(forward, backward)]
