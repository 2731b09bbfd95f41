"""Close the routes around the posted-voucher triggers of 0002: REPLACE and changes of id.

On SQLite, ``INSERT OR REPLACE`` and ``UPDATE OR REPLACE`` (and ``REPLACE INTO``) resolve a
conflict on any unique key by deleting the row already there, and that deletion fires no DELETE
trigger unless the connection has set ``PRAGMA recursive_triggers`` (a plain ``sqlite3`` shell has
not). So a posted voucher could be rewritten (its date, note, people) by an INSERT over its id,
deleted by a draft that takes its number, and a draft could take a posted voucher's id (and its
lines' ids), changing the amounts while ``verify`` still agreed. The guards here do not depend on
any setting of the connection: BEFORE triggers refuse, before any conflict is resolved,

- an INSERT of a voucher whose id, (ledger, period, number) or (ledger, external_key) is a
  posted voucher's, and an UPDATE that moves a voucher onto the number or key of a posted one;
- an INSERT of a line whose id is a line of a posted voucher (a line onto a posted voucher is
  already refused by 0002, which also covers its (voucher, line_no) key);
- any change of a voucher's or a line's id, posted or not: nothing in the app changes an id, and
  a changed id is how one row takes another's place.

PostgreSQL has no REPLACE (``INSERT … ON CONFLICT DO UPDATE`` fires the UPDATE triggers of 0002);
it gets the same refusal of a changed id.

As 0002 says: a later migration that makes Django rebuild ledger_voucher or ledger_voucherline
on SQLite drops these triggers with the table and must create them again (the tests of
``ledger/tests/invariants/test_replace_and_ids.py`` fail if they are missing).
"""

from django.db import migrations

POSTED = "已记账凭证不能修改或删除"  # ledger/errors.py POSTED_IMMUTABLE
ID = "凭证和分录的 id 不能修改"  # ledger/errors.py ID_IMMUTABLE

# Each EXISTS looks a row up by one unique index (an OR inside one query could scan the table).
_POSTED_VOUCHER_WITH_KEY_OF_NEW = """
    EXISTS (SELECT 1 FROM ledger_voucher v WHERE v.ledger_id = NEW.ledger_id
            AND v.period_id = NEW.period_id AND v.number = NEW.number AND v.status = 'posted'{other})
    OR EXISTS (SELECT 1 FROM ledger_voucher v WHERE v.ledger_id = NEW.ledger_id
            AND v.external_key = NEW.external_key AND v.status = 'posted'{other})"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER voucher_posted_no_replace BEFORE INSERT ON ledger_voucher
        WHEN EXISTS (SELECT 1 FROM ledger_voucher v WHERE v.id = NEW.id AND v.status = 'posted')
          OR {_POSTED_VOUCHER_WITH_KEY_OF_NEW.format(other="")}
        BEGIN SELECT RAISE(ABORT, '{POSTED}'); END""",
    f"""CREATE TRIGGER voucher_posted_no_replace_by_update
        BEFORE UPDATE OF ledger_id, period_id, number, external_key ON ledger_voucher
        WHEN {_POSTED_VOUCHER_WITH_KEY_OF_NEW.format(other=" AND v.id <> OLD.id")}
        BEGIN SELECT RAISE(ABORT, '{POSTED}'); END""",
    f"""CREATE TRIGGER voucher_id_immutable BEFORE UPDATE OF id ON ledger_voucher
        WHEN NEW.id IS NOT OLD.id
        BEGIN SELECT RAISE(ABORT, '{ID}'); END""",
    f"""CREATE TRIGGER line_posted_no_replace BEFORE INSERT ON ledger_voucherline
        WHEN (SELECT v.status FROM ledger_voucherline l JOIN ledger_voucher v ON v.id = l.voucher_id
              WHERE l.id = NEW.id) = 'posted'
        BEGIN SELECT RAISE(ABORT, '{POSTED}'); END""",
    f"""CREATE TRIGGER line_id_immutable BEFORE UPDATE OF id ON ledger_voucherline
        WHEN NEW.id IS NOT OLD.id
        BEGIN SELECT RAISE(ABORT, '{ID}'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS voucher_posted_no_replace",
    "DROP TRIGGER IF EXISTS voucher_posted_no_replace_by_update",
    "DROP TRIGGER IF EXISTS voucher_id_immutable",
    "DROP TRIGGER IF EXISTS line_posted_no_replace",
    "DROP TRIGGER IF EXISTS line_id_immutable",
]

POSTGRES_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION ledger_id_immutable() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{ID}' USING ERRCODE = 'integrity_constraint_violation';
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER voucher_id_immutable BEFORE UPDATE OF id ON ledger_voucher
        FOR EACH ROW WHEN (NEW.id IS DISTINCT FROM OLD.id) EXECUTE FUNCTION ledger_id_immutable()""",
    """CREATE TRIGGER voucherline_id_immutable BEFORE UPDATE OF id ON ledger_voucherline
        FOR EACH ROW WHEN (NEW.id IS DISTINCT FROM OLD.id) EXECUTE FUNCTION ledger_id_immutable()""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS voucherline_id_immutable ON ledger_voucherline",
    "DROP TRIGGER IF EXISTS voucher_id_immutable ON ledger_voucher",
    "DROP FUNCTION IF EXISTS ledger_id_immutable()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"no id and replace guards for {schema_editor.connection.vendor}")
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0007_amount_limits")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
