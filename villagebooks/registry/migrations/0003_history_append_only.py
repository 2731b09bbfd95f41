"""The registry's history is append-only in the database: a household's status history
(``HouseholdStatus``), the record of every change of a person or household (``RegistryChange``)
and the problems a list was paid with by an override (``ListProblem``, what the supervision
rules read) can be inserted, never changed or deleted. The record of each unmasked view is an
operation-log row (``common.audit.record_personal_data_view``), append-only since common 0002.

As for the operation log and the ledger's chain (common 0002, ledger 0012): triggers refuse every
UPDATE and DELETE, whoever sends them; on SQLite also an INSERT over an existing row's id
(``INSERT OR REPLACE`` deletes the old row without firing DELETE triggers). PostgreSQL's TRUNCATE
fires no row trigger; the app's role may not TRUNCATE (DEVELOPERS.md). On SQLite a later
migration that rebuilds one of these tables must create its triggers again
(``registry/tests/test_history_append_only.py`` fails if they are missing).
"""

from django.db import migrations

MESSAGE = "农户信息的变更记录只能追加，不能修改或删除"  # registry/errors.py HISTORY_APPEND_ONLY

TABLES = ("registry_householdstatus", "registry_registrychange", "registry_listproblem")

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
    f"""CREATE OR REPLACE FUNCTION registry_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END $$ LANGUAGE plpgsql""",
] + [
    f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION registry_append_only()"""
    for table in TABLES
]
POSTGRES_BACKWARD = [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in TABLES] + [
    "DROP FUNCTION IF EXISTS registry_append_only()"
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
    dependencies = [("registry", "0002_batch_project")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
