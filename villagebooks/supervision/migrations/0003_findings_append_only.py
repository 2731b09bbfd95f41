"""A finding's record is append-only in the database, not only through the models: its steps
(``FindingStep``: opened, responded, verified, sent back, closed), the documents handed in with a
step (``FindingDocument``), the dismissals of alerts with their reasons (``Dismissal``) and the
thresholds a county set (``ThresholdSetting``, each change a row with who and when) can be
inserted, never changed or deleted. ``Finding`` itself carries its current state and is updated
as steps are added; its history is the steps.

As registry 0003 and ledger 0012 do: triggers refuse every UPDATE and DELETE, whoever sends them;
on SQLite also an INSERT over an existing row's id (``INSERT OR REPLACE`` deletes the old row
without firing DELETE triggers). PostgreSQL's TRUNCATE fires no row trigger; the app's role may
not TRUNCATE (DEVELOPERS.md). On SQLite a later migration that rebuilds one of these tables must
create its triggers again (``supervision/tests/test_findings_append_only.py`` fails if they are
missing).
"""

from django.db import migrations

MESSAGE = "问题线索的处理记录只能追加，不能修改或删除"  # the tests look for these words

TABLES = (
    "supervision_findingstep",
    "supervision_findingdocument",
    "supervision_dismissal",
    "supervision_thresholdsetting",
)

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
    f"""CREATE OR REPLACE FUNCTION supervision_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END $$ LANGUAGE plpgsql""",
] + [
    f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION supervision_append_only()"""
    for table in TABLES
]
POSTGRES_BACKWARD = [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in TABLES] + [
    "DROP FUNCTION IF EXISTS supervision_append_only()"
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
    dependencies = [("supervision", "0002_finding_documents_rectification")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
