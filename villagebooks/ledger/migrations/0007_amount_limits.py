"""The database bounds a line's amounts and a balance row's totals, so no sum overflows.

Before, 9,300 vouchers of 9,999,999,999,999.99 yuan overflowed 64 bits: SQLite silently stored
the balance rows as REAL (the trial balance was off by 0.62, ``verify`` crashed on "integer
overflow"), PostgreSQL failed with "bigint out of range". The services now refuse such amounts
(``common.money.MAX_FEN`` a line, ``BALANCE_MAX_FEN`` a balance row's debit or credit total);
these constraints are the database's own guard against anything else that writes.

- PostgreSQL: CHECK constraints, ``NOT VALID``: they hold for every row written from now on,
  and a database that already holds rows beyond the limits (written before this migration)
  still upgrades; ``verify`` names those rows.
- SQLite: triggers with the constraints' names. SQLite cannot add a CHECK without rebuilding the
  table, which would drop the posted-voucher triggers (0002) and the covering index (0005); and a
  trigger can also refuse what a CHECK of the range would let through, a REAL inside the range
  (``typeof``). A later migration that rebuilds one of these tables gets the CHECK from the model
  state as well.

Django's model state has the CHECK constraints (``models.VoucherLine``, ``models.AccountBalance``).
"""

from django.db import migrations, models

# The values as they are today; fixed here, as a migration must be.
LINE_MAX = 10**14
BALANCE_MAX = 10**16
# (constraint name, table, maximum)
BOUNDED = [
    ("line_amounts_in_range", "ledger_voucherline", LINE_MAX),
    ("balance_amounts_in_range", "ledger_accountbalance", BALANCE_MAX),
]


def _outside(prefix: str, limit: int, *, typeof: bool) -> str:
    """The condition of a row whose amounts are out of range (or, on SQLite, not integers)."""
    parts = [f"{prefix}{column} NOT BETWEEN -{limit} AND {limit}" for column in ("debit_fen", "credit_fen")]
    if typeof:
        parts = [f"typeof({prefix}{column}) <> 'integer'" for column in ("debit_fen", "credit_fen")] + parts
    return " OR ".join(parts)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table, limit in BOUNDED:
        if vendor == "postgresql":
            inside = " AND ".join(
                f"{column} BETWEEN -{limit} AND {limit}" for column in ("debit_fen", "credit_fen")
            )
            schema_editor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({inside}) NOT VALID")
        elif vendor == "sqlite":
            when = _outside("NEW.", limit, typeof=True)
            for event, suffix in (("INSERT", "insert"), ("UPDATE OF debit_fen, credit_fen", "update")):
                schema_editor.execute(
                    f"CREATE TRIGGER {name}_{suffix} BEFORE {event} ON {table} WHEN {when}"
                    f" BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END"
                )
        else:
            raise RuntimeError(f"no amount limits for {vendor}")


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table, _limit in BOUNDED:
        if vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")
        else:
            for suffix in ("insert", "update"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_{suffix}")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0006_ledger_in_unique_keys")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward)],
            state_operations=[
                migrations.AddConstraint(
                    model_name="voucherline",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("credit_fen__gte", -LINE_MAX),
                            ("credit_fen__lte", LINE_MAX),
                            ("debit_fen__gte", -LINE_MAX),
                            ("debit_fen__lte", LINE_MAX),
                        ),
                        name="line_amounts_in_range",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="accountbalance",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("credit_fen__gte", -BALANCE_MAX),
                            ("credit_fen__lte", BALANCE_MAX),
                            ("debit_fen__gte", -BALANCE_MAX),
                            ("debit_fen__lte", BALANCE_MAX),
                        ),
                        name="balance_amounts_in_range",
                    ),
                ),
            ],
        )
    ]
