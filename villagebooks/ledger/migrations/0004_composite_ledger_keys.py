"""On PostgreSQL, a line's voucher and ledger are one foreign key, and so are a voucher's period and ledger.

PostgreSQL checks a foreign key one inserted row at a time (about 9 µs each); a county's import of
1.9 million lines and 450,000 vouchers made 7.9 million such checks, most of its server time. The
composite keys check two facts for the price of one and add a rule the single keys did not hold:
a line's ledger is its voucher's ledger, and a voucher's period belongs to the voucher's ledger.
The ledger itself is still guaranteed, through the period's own key to its ledger.

Django's model state still describes VoucherLine.voucher, VoucherLine.ledger, Voucher.period and
Voucher.ledger as foreign keys with single-column constraints (SQLite keeps those: it cannot add a
constraint to a table without rebuilding it, and its import is not limited by them). A later
AlterField of one of those fields would, on PostgreSQL, add its single-column key back: harmless,
but slower; write such a migration with this one in mind.
"""

from django.db import migrations

# (table, its column(s) → the referenced table and column(s), the name of the new constraint)
COMPOSITE_KEYS = [
    ("ledger_voucherline", ("voucher_id", "ledger_id"), "ledger_voucher", ("id", "ledger_id"), "line_voucher_in_ledger"),
    ("ledger_voucher", ("period_id", "ledger_id"), "ledger_period", ("id", "ledger_id"), "voucher_period_in_ledger"),
]
# The single-column keys the composite ones replace: (table, column, referenced table).
REPLACED_KEYS = [
    ("ledger_voucherline", "voucher_id", "ledger_voucher"),
    ("ledger_voucherline", "ledger_id", "ledger_ledger"),
    ("ledger_voucher", "period_id", "ledger_period"),
    ("ledger_voucher", "ledger_id", "ledger_ledger"),
]
# A composite key must reference a unique pair: the primary key with the ledger beside it.
TARGET_UNIQUES = [
    ("ledger_voucher", "voucher_id_with_ledger"),
    ("ledger_period", "period_id_with_ledger"),
]


def _single_keys(schema_editor, table: str, column: str, target: str) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, info in constraints.items()
        if info["foreign_key"] and info["columns"] == [column] and info["foreign_key"][0] == target
    ]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name in TARGET_UNIQUES:
        schema_editor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE (id, ledger_id)")
    for table, columns, target, target_columns, name in COMPOSITE_KEYS:
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({', '.join(columns)})"
            f" REFERENCES {target} ({', '.join(target_columns)}) DEFERRABLE INITIALLY DEFERRED"
        )
    for table, column, target in REPLACED_KEYS:
        for name in _single_keys(schema_editor, table, column, target):
            schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, target in REPLACED_KEYS:
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_fk FOREIGN KEY ({column})"
            f" REFERENCES {target} (id) DEFERRABLE INITIALLY DEFERRED"
        )
    for table, _columns, _target, _target_columns, name in COMPOSITE_KEYS:
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    for table, name in TARGET_UNIQUES:
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_statement_level_line_insert_guard")]

    operations = [migrations.RunPython(forward, backward)]
