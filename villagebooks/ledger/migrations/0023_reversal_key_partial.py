"""On PostgreSQL, "a voucher is reversed at most once" as a unique index of the reversals only.

``0006`` made it UNIQUE (reverses_id, ledger_id) over every voucher, so each voucher that reverses
nothing (all but a few: every imported one) added an entry to it. A unique index with ``WHERE
reverses_id IS NOT NULL`` says the same, since a NULL never equals another, and costs an import
nothing: the benchmark county's 448,660 vouchers made 448,660 entries. The name is kept, so a
violation still names ``voucher_reverses_once_in_ledger``. The foreign key (reverses_id,
ledger_id) → ledger_voucher (id, ledger_id) is unchanged: it references 0004's unique pair.
SQLite keeps the single-column unique key of the one-to-one field (see 0006).
"""

from django.db import migrations

TABLE = "ledger_voucher"
UNIQUE = "voucher_reverses_once_in_ledger"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {UNIQUE}")
    schema_editor.execute(
        f"CREATE UNIQUE INDEX {UNIQUE} ON {TABLE} (reverses_id, ledger_id) WHERE reverses_id IS NOT NULL"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX {UNIQUE}")
    schema_editor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {UNIQUE} UNIQUE (reverses_id, ledger_id)")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0022_region_side_balances")]

    operations = [migrations.RunPython(forward, backward)]
