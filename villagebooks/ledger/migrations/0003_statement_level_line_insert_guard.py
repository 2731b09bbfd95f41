"""On PostgreSQL, guard line INSERTs once per statement instead of once per row.

An import inserts hundreds of lines with one statement; a row-level trigger looked up the
voucher for each of them (20–30 µs a line). The statement-level trigger sees all inserted rows
in a transition table and checks their vouchers in one query. UPDATE and DELETE of lines stay
row-level (they are rare and must see OLD). SQLite has no statement-level triggers: unchanged.
"""

from django.db import migrations

MESSAGE = "已记账凭证不能修改或删除"

POSTGRES_FORWARD = [
    "DROP TRIGGER IF EXISTS voucherline_posted_guard ON ledger_voucherline",
    """CREATE TRIGGER voucherline_posted_guard BEFORE UPDATE OR DELETE ON ledger_voucherline
        FOR EACH ROW EXECUTE FUNCTION ledger_voucherline_guard()""",
    # Each voucher is looked up by its primary key. The function's plan is cached when an import
    # starts, often while ledger_voucher is still empty; left to itself the planner then keeps
    # a sequential scan of every voucher imported so far, for every batch (quadratic time).
    f"""CREATE OR REPLACE FUNCTION ledger_voucherline_insert_guard() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM (SELECT DISTINCT voucher_id FROM new_lines) inserted
            WHERE (SELECT v.status FROM ledger_voucher v WHERE v.id = inserted.voucher_id) = 'posted'
        ) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql SET enable_seqscan = off""",
    """CREATE TRIGGER voucherline_posted_insert_guard AFTER INSERT ON ledger_voucherline
        REFERENCING NEW TABLE AS new_lines
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_voucherline_insert_guard()""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS voucherline_posted_insert_guard ON ledger_voucherline",
    "DROP FUNCTION IF EXISTS ledger_voucherline_insert_guard()",
    "DROP TRIGGER IF EXISTS voucherline_posted_guard ON ledger_voucherline",
    """CREATE TRIGGER voucherline_posted_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_voucherline
        FOR EACH ROW EXECUTE FUNCTION ledger_voucherline_guard()""",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_posted_voucher_triggers")]

    operations = [migrations.RunPython(_run(POSTGRES_FORWARD), _run(POSTGRES_BACKWARD))]
