"""The operation log is append-only in the database: its rows can be inserted, never changed.

Triggers refuse every UPDATE and DELETE of common_auditentry, whoever sends them (the app, a
shell, a script); on SQLite also an INSERT over an existing row's id, because ``INSERT OR
REPLACE`` deletes the old row without firing DELETE triggers (unless the connection has set
``PRAGMA recursive_triggers``, which a plain ``sqlite3`` shell has not).

PostgreSQL's TRUNCATE fires no row trigger; the app's role may not TRUNCATE (DEVELOPERS.md, "the
two roles"), the owner's may, as the test suite's flush and a restore need.

On SQLite, a later migration that makes Django rebuild common_auditentry (say, an AlterField)
drops these triggers with the table and must create them again; adding a nullable column or one
with a default is done in place and keeps them. ``common/tests/test_audit_append_only.py`` fails if
they are missing.
"""

from django.db import migrations

MESSAGE = "操作日志只能追加，不能修改或删除"  # common/errors.py AUDIT_APPEND_ONLY

SQLITE_FORWARD = [
    f"""CREATE TRIGGER auditentry_no_update BEFORE UPDATE ON common_auditentry
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER auditentry_no_delete BEFORE DELETE ON common_auditentry
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER auditentry_no_replace BEFORE INSERT ON common_auditentry
        WHEN EXISTS (SELECT 1 FROM common_auditentry WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS auditentry_no_update",
    "DROP TRIGGER IF EXISTS auditentry_no_delete",
    "DROP TRIGGER IF EXISTS auditentry_no_replace",
]

POSTGRES_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION common_auditentry_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER auditentry_append_only BEFORE UPDATE OR DELETE ON common_auditentry
        FOR EACH ROW EXECUTE FUNCTION common_auditentry_append_only()""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS auditentry_append_only ON common_auditentry",
    "DROP FUNCTION IF EXISTS common_auditentry_append_only()",
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
    dependencies = [("common", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
