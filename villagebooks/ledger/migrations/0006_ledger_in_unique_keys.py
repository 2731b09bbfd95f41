"""On PostgreSQL, a reversal's key to the voucher it reverses includes the ledger, like every other key.

Every unique key of a ledger-scoped table includes ``ledger_id`` (architecture.md: it keeps
villages apart and lets Citus distribute the table by ledger). ``Voucher.reverses`` was the one
exception: a one-to-one field, so a unique key on ``reverses_id`` alone and a foreign key to
``ledger_voucher (id)``. Here they become UNIQUE (reverses_id, ledger_id) and a foreign key
(reverses_id, ledger_id) → ledger_voucher (id, ledger_id) (the target unique pair is 0004's).
Together they say as much as before — a voucher is reversed at most once, since its id fixes its
ledger — and one thing more: a reversal is in the ledger of the voucher it reverses. The unique
key leads with ``reverses_id`` so that "which voucher reverses this one" still reads one index entry.

SQLite keeps the single-column keys, as in 0004: it cannot drop a column's UNIQUE without
rebuilding the table (and its immutability triggers), and SQLite is never distributed. Django's
model state still describes a one-to-one field (its ``reversed_by`` accessor depends on it); a later
AlterField of ``reverses`` would add the single-column keys back on PostgreSQL.
"""

from django.db import migrations

TABLE = "ledger_voucher"
UNIQUE = "voucher_reverses_once_in_ledger"
FOREIGN = "voucher_reverses_in_ledger"


def _single_column_keys(schema_editor) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return [
        name
        for name, info in constraints.items()
        if info["columns"] == ["reverses_id"] and (info["foreign_key"] or info["unique"])
    ]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    replaced = _single_column_keys(schema_editor)
    schema_editor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {UNIQUE} UNIQUE (reverses_id, ledger_id)")
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD CONSTRAINT {FOREIGN} FOREIGN KEY (reverses_id, ledger_id)"
        f" REFERENCES {TABLE} (id, ledger_id) DEFERRABLE INITIALLY DEFERRED"
    )
    for name in replaced:
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {name}")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_reverses_id_key UNIQUE (reverses_id)")
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_reverses_id_fk FOREIGN KEY (reverses_id)"
        f" REFERENCES {TABLE} (id) DEFERRABLE INITIALLY DEFERRED"
    )
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {FOREIGN}")
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {UNIQUE}")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_sqlite_covering_balance_index")]

    operations = [migrations.RunPython(forward, backward)]
