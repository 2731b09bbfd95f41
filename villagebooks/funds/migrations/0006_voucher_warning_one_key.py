"""A budget warning's voucher and ledger: one index and, on PostgreSQL, one foreign key.

Every read of a voucher's warnings is by voucher (its page, the API, a draft's warnings replaced
when it is checked again), so the (ledger, voucher) index goes and the voucher's own index serves.
On PostgreSQL the two single-column foreign keys (voucher, ledger) become one, (voucher_id,
ledger_id) → ledger_voucher (id, ledger_id), as ``ledger/0004`` did for a voucher's lines: an
import may write a warning for each voucher it posts (330,000 in the benchmark county's), and
PostgreSQL checks a foreign key one row at a time. The composite key checks both facts for the
price of one and adds a rule the single keys did not hold: a warning's ledger is its voucher's.

SQLite keeps the single-column keys (it cannot drop a constraint without rebuilding the table).
Django's model state still describes two foreign keys; a later AlterField of ``voucher`` or
``ledger`` would, on PostgreSQL, add a single-column key back: harmless, but slower.
"""

from django.db import migrations

TABLE = "funds_voucherwarning"
COMPOSITE = "warning_voucher_in_ledger"
# The single-column keys the composite one replaces: (column, referenced table).
REPLACED = [("voucher_id", "ledger_voucher"), ("ledger_id", "ledger_ledger")]


def _single_keys(schema_editor, column: str, target: str) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return [
        name
        for name, info in constraints.items()
        if info["foreign_key"] and info["columns"] == [column] and info["foreign_key"][0] == target
    ]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # ledger/0004 made (id, ledger_id) unique on ledger_voucher for the lines' key.
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD CONSTRAINT {COMPOSITE} FOREIGN KEY (voucher_id, ledger_id)"
        " REFERENCES ledger_voucher (id, ledger_id) DEFERRABLE INITIALLY DEFERRED"
    )
    for column, target in REPLACED:
        for name in _single_keys(schema_editor, column, target):
            schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {name}")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, target in REPLACED:
        schema_editor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_{column}_fk FOREIGN KEY ({column})"
            f" REFERENCES {target} (id) DEFERRABLE INITIALLY DEFERRED"
        )
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {COMPOSITE}")


class Migration(migrations.Migration):
    dependencies = [
        ("funds", "0005_voucher_warning_ledger_index"),
        ("ledger", "0004_composite_ledger_keys"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="voucherwarning", name="voucher_warning_voucher"),
        migrations.RunPython(forward, backward),
    ]
