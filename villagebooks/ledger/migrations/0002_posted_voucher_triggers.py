"""Database triggers that make posted vouchers and their lines immutable.

Whatever path a change takes (this app, a shell, a direct UPDATE or DELETE in the database),
a posted voucher's row and its lines cannot be updated or deleted, and no line can be added to
it. The voucher's own transition *to* posted is an UPDATE of a row that is not yet posted, so
it passes. The message is the one users read (ledger/errors.py POSTED_IMMUTABLE).

Beware: on SQLite, a later migration that alters these tables in a way SQLite cannot do in
place makes Django rebuild the table, which drops its triggers. Such a migration must create
them again (the immutability tests fail if they are missing).
"""

from django.db import migrations

MESSAGE = "已记账凭证不能修改或删除"

SQLITE_FORWARD = [
    f"""CREATE TRIGGER voucher_posted_no_update BEFORE UPDATE ON ledger_voucher
        WHEN OLD.status = 'posted'
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER voucher_posted_no_delete BEFORE DELETE ON ledger_voucher
        WHEN OLD.status = 'posted'
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER line_posted_no_insert BEFORE INSERT ON ledger_voucherline
        WHEN (SELECT status FROM ledger_voucher WHERE id = NEW.voucher_id) = 'posted'
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER line_posted_no_update BEFORE UPDATE ON ledger_voucherline
        WHEN (SELECT status FROM ledger_voucher WHERE id = OLD.voucher_id) = 'posted'
          OR (SELECT status FROM ledger_voucher WHERE id = NEW.voucher_id) = 'posted'
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER line_posted_no_delete BEFORE DELETE ON ledger_voucherline
        WHEN (SELECT status FROM ledger_voucher WHERE id = OLD.voucher_id) = 'posted'
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS voucher_posted_no_update",
    "DROP TRIGGER IF EXISTS voucher_posted_no_delete",
    "DROP TRIGGER IF EXISTS line_posted_no_insert",
    "DROP TRIGGER IF EXISTS line_posted_no_update",
    "DROP TRIGGER IF EXISTS line_posted_no_delete",
]

POSTGRES_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION ledger_voucher_guard() RETURNS trigger AS $$
    BEGIN
        IF OLD.status = 'posted' THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER voucher_posted_guard BEFORE UPDATE OR DELETE ON ledger_voucher
        FOR EACH ROW EXECUTE FUNCTION ledger_voucher_guard()""",
    f"""CREATE OR REPLACE FUNCTION ledger_voucherline_guard() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND EXISTS (
            SELECT 1 FROM ledger_voucher WHERE id = OLD.voucher_id AND status = 'posted') THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP <> 'DELETE' AND EXISTS (
            SELECT 1 FROM ledger_voucher WHERE id = NEW.voucher_id AND status = 'posted') THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER voucherline_posted_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_voucherline
        FOR EACH ROW EXECUTE FUNCTION ledger_voucherline_guard()""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS voucherline_posted_guard ON ledger_voucherline",
    "DROP FUNCTION IF EXISTS ledger_voucherline_guard()",
    "DROP TRIGGER IF EXISTS voucher_posted_guard ON ledger_voucher",
    "DROP FUNCTION IF EXISTS ledger_voucher_guard()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"no posted-voucher triggers for {schema_editor.connection.vendor}")
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
