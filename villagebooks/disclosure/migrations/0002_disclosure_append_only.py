"""A published disclosure is never edited, and a look-up's log entry never changed: both tables
refuse UPDATE and DELETE in the database (and, on SQLite, an INSERT over an existing row's id,
which ``INSERT OR REPLACE`` would turn into a silent delete). A correction is a new row.

As with the operation log (``common/migrations/0002_*``): PostgreSQL's TRUNCATE fires no row
trigger and only the owner's role may TRUNCATE (the test suite's flush, a restore); on SQLite a
later migration that rebuilds one of these tables must create its triggers again.
"""

from django.db import migrations

MESSAGE = "村务公开的记录只能新增，不能修改或删除：更正请公开新版本"
TABLES = ("disclosure_disclosure", "disclosure_lookuplog")


def _sqlite_forward(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
        f"""CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table}
            WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id)
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    ]


def _postgres_forward(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION disclosure_append_only()""",
    ]


SQLITE_FORWARD = [s for table in TABLES for s in _sqlite_forward(table)]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {table}_{kind}" for table in TABLES for kind in ("no_update", "no_delete", "no_replace")]
POSTGRES_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION disclosure_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END $$ LANGUAGE plpgsql""",
    *[s for table in TABLES for s in _postgres_forward(table)],
]
POSTGRES_BACKWARD = [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in TABLES] + [
    "DROP FUNCTION IF EXISTS disclosure_append_only()"
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
    dependencies = [("disclosure", "0001_disclosures")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
