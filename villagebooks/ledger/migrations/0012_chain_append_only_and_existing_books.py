"""The chain and the checkpoints are append-only in the database; books posted before the chain
existed are chained now, in posting order (posted_at, id).

As for posted vouchers (0002, 0008) and the operation log (common 0002): triggers refuse every
UPDATE and DELETE of a chain entry, a checkpoint or a checkpoint key, whoever sends them; on
SQLite also an INSERT over an existing row's id or place in the chain (``INSERT OR REPLACE``
deletes the old row without firing DELETE triggers). The chain's head row (``ChainHead``) is
only a lock and a cache: ``verify`` checks it against the entries.

PostgreSQL's TRUNCATE fires no row trigger; the app's role may not TRUNCATE (DEVELOPERS.md).
On SQLite a later migration that rebuilds one of these tables must create its triggers again
(``ledger/tests/chain/test_chain.py`` fails if they are missing).
"""

from django.db import migrations

MESSAGE = "哈希链和校验点只能追加，不能修改或删除"  # ledger/errors.py CHAIN_APPEND_ONLY

TABLES = ("ledger_chainentry", "ledger_checkpoint", "ledger_checkpointkey")

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
] + [
    f"""CREATE TRIGGER ledger_chainentry_no_replace_place BEFORE INSERT ON ledger_chainentry
        WHEN EXISTS (SELECT 1 FROM ledger_chainentry
                     WHERE ledger_id = NEW.ledger_id AND sequence = NEW.sequence)
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {table}_{what}" for table in TABLES for what in ("no_update", "no_delete", "no_replace")
] + ["DROP TRIGGER IF EXISTS ledger_chainentry_no_replace_place"]

POSTGRES_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END $$ LANGUAGE plpgsql""",
] + [
    f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"""
    for table in TABLES
]
POSTGRES_BACKWARD = [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in TABLES] + [
    "DROP FUNCTION IF EXISTS ledger_append_only()"
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"no append-only triggers for {schema_editor.connection.vendor}")
        for statement in statements:
            schema_editor.execute(statement)

    return run


def chain_existing_books(apps, schema_editor):
    # Plain SQL over the tables as they are at this migration (chain.build_missing reads no model
    # state beyond their names and columns); a fresh database has nothing to chain.
    from villagebooks.ledger import chain

    # Version 1: the line's project (ledger 0013) does not exist yet at this migration.
    chain.build_missing(version=1)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0011_chain_and_checkpoints")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
        migrations.RunPython(chain_existing_books, migrations.RunPython.noop),
    ]
