"""On PostgreSQL, a spending summary's account and ledger are one foreign key, as a balance row's
are (``ledger/0024``).

An import of the benchmark county writes 154,000 ``ProjectSpending`` rows and 25,000
``ProjectSpendingYear`` rows, each checked against two keys (account, ledger). The composite key
(account_id, ledger_id) → ledger_account (id, ledger_id) checks both for the price of one and adds
a rule the single keys did not hold: the account is one of the row's own ledger.

SQLite keeps the single-column keys; Django's model state still describes two foreign keys (a later
AlterField of ``account`` or ``ledger`` would, on PostgreSQL, add a single-column key back).
"""

from django.db import migrations

# (table, the name of its composite key)
TABLES = [
    ("funds_projectspending", "spending_account_in_ledger"),
    ("funds_projectspendingyear", "spending_year_account_in_ledger"),
]
REPLACED = [("account_id", "ledger_account"), ("ledger_id", "ledger_ledger")]


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
    for table, name in TABLES:
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY (account_id, ledger_id)"
            " REFERENCES ledger_account (id, ledger_id) DEFERRABLE INITIALLY DEFERRED"
        )
        for column, target in REPLACED:
            for key in _single_keys(schema_editor, table, column, target):
                schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {key}")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name in TABLES:
        for column, target in REPLACED:
            schema_editor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_fk FOREIGN KEY ({column})"
                f" REFERENCES {target} (id) DEFERRABLE INITIALLY DEFERRED"
            )
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("funds", "0006_voucher_warning_one_key"),
        ("ledger", "0024_balance_account_in_ledger"),
    ]

    operations = [migrations.RunPython(forward, backward)]
