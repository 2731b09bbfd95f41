"""On PostgreSQL, a balance row's account and ledger are one foreign key, as a line's voucher and
ledger are (0004).

Each new balance row (an import of the benchmark county writes 71,000) was checked against two
keys, ``account_id`` → ledger_account and ``ledger_id`` → ledger_ledger. The composite key
(account_id, ledger_id) → ledger_account (id, ledger_id) checks both for the price of one and adds
a rule the single keys did not hold: a balance's account is an account of its own ledger. The
account's ledger is still guaranteed by the account's own key to its ledger. The target unique pair
(id, ledger_id) on ledger_account is added here; ``funds/0007`` uses it for the spending summaries.

SQLite keeps the single-column keys (it cannot drop a constraint without rebuilding the table).
Django's model state still describes two foreign keys; a later AlterField of ``account`` or
``ledger`` would, on PostgreSQL, add a single-column key back: harmless, but slower.
"""

from django.db import migrations

TARGET_UNIQUE = ("ledger_account", "account_id_with_ledger")
TABLE = "ledger_accountbalance"
COMPOSITE = "balance_account_in_ledger"
# The single-column keys the composite one replaces: (column, referenced table).
REPLACED = [("account_id", "ledger_account"), ("ledger_id", "ledger_ledger")]


def single_keys(schema_editor, table: str, column: str, target: str) -> list[str]:
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
    table, name = TARGET_UNIQUE
    schema_editor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE (id, ledger_id)")
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD CONSTRAINT {COMPOSITE} FOREIGN KEY (account_id, ledger_id)"
        " REFERENCES ledger_account (id, ledger_id) DEFERRABLE INITIALLY DEFERRED"
    )
    for column, target in REPLACED:
        for key in single_keys(schema_editor, TABLE, column, target):
            schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {key}")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, target in REPLACED:
        schema_editor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_{column}_fk FOREIGN KEY ({column})"
            f" REFERENCES {target} (id) DEFERRABLE INITIALLY DEFERRED"
        )
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {COMPOSITE}")
    table, name = TARGET_UNIQUE
    schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0023_reversal_key_partial")]

    operations = [migrations.RunPython(forward, backward)]
