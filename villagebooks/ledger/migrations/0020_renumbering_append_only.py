"""The record of 整理凭证号 is append-only in the database: an act (``VoucherRenumbering``) and its
pairs (``VoucherRenumberingLine``) can be inserted, never changed or deleted.

As for the chain (0012), the operation log (common 0002) and the registry's history (registry
0003): triggers refuse every UPDATE and DELETE, whoever sends them (the app's role too); on SQLite
also an INSERT over an existing row's id (``INSERT OR REPLACE`` deletes the old row without firing
DELETE triggers). ``verify`` compares the voucher rows with the chain's act, not with these
tables, so these triggers keep the readable record (who, when, why, 原记-n) as true as the chain.
PostgreSQL's TRUNCATE fires no row trigger; the app's role may not TRUNCATE (DEVELOPERS.md). On
SQLite a later migration that rebuilds one of these tables must create its triggers again
(``ledger/tests/test_renumbering_append_only.py`` fails if they are missing).
"""

from django.db import migrations

MESSAGE = "整理凭证号的记录只能追加，不能修改或删除"  # ledger/errors.py RENUMBERING_APPEND_ONLY

TABLES = ("ledger_voucherrenumbering", "ledger_voucherrenumberingline")

SQLITE_FORWARD = [
    statement
    for table in TABLES
    for statement in (
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
        f"""CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table}
            WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id)
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    )
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {table}_{what}" for table in TABLES for what in ("no_update", "no_delete", "no_replace")
]

POSTGRES_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION ledger_renumbering_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END $$ LANGUAGE plpgsql""",
] + [
    f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION ledger_renumbering_append_only()"""
    for table in TABLES
]
POSTGRES_BACKWARD = [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in TABLES] + [
    "DROP FUNCTION IF EXISTS ledger_renumbering_append_only()"
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"no append-only triggers for {schema_editor.connection.vendor}")
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0019_voucher_renumbering")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
