"""On SQLite, the balances' (ledger, period) index carries every column the reports read.

Every report sums the stored balances of its ledgers over a range of months. With the plain
(ledger_id, period_key) index, SQLite looked up each balance row in the table after finding it
in the index; for a county (300 villages, 75,000 balance rows) that was most of the query. With
every column in the index, the reports read the index alone: a county's balance sheet query went
from 171 to 89 ms, its income statement 148 → 94 ms, its trial balance 188 → 113 ms.

The index keeps its name, so Django's model state (``Meta.indexes``) still describes it. A later
migration that rebuilds the table on SQLite (an AlterField, say) recreates the plain index from
that state: correct, only slower; write such a migration with this one in mind.
PostgreSQL keeps the plain index: its reports are fast without it (parallel scans), and an index
on the amounts would stop the HOT updates that every posting makes to these rows.
"""

from django.db import migrations

NAME = "balance_ledger_period"
TABLE = "ledger_accountbalance"
# The key's first two columns are the old index; the rest are what the reports read.
COVERING = (
    "ledger_id",
    "period_key",
    "account_id",
    "month",
    "is_closing",
    "fund_key",
    "counterparty_key",
    "year",
    "debit_fen",
    "credit_fen",
)
PLAIN = ("ledger_id", "period_key")


def _index(columns):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        quote = schema_editor.quote_name
        schema_editor.execute(f"DROP INDEX IF EXISTS {quote(NAME)}")
        schema_editor.execute(
            f"CREATE INDEX {quote(NAME)} ON {quote(TABLE)} ({', '.join(quote(c) for c in columns)})"
        )

    return run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_composite_ledger_keys")]

    operations = [migrations.RunPython(_index(COVERING), _index(PLAIN))]
