"""On SQLite, every report reads the stored balances from one index alone (migration
ledger.0005): its plan names the covering index and never looks a balance row up in the table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from villagebooks.ledger.models import AccountBalance
from villagebooks.reports.fund_summary import build_fund_summary
from villagebooks.reports.scope import scope_for_ledger, scope_for_region
from villagebooks.reports.statements import build_balance_sheet, build_income_statement
from villagebooks.reports.tests.township_books import write_heitan, write_tumen
from villagebooks.reports.trial_balance import build_trial_balance

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="a SQLite-only index (ledger.0005)")

BUILDERS = [build_balance_sheet, build_income_statement, build_trial_balance, build_fund_summary]
TABLE = AccountBalance._meta.db_table


@pytest.fixture
def books(ledger, other_ledger, accountant, reviewer):
    write_heitan(ledger, accountant, reviewer)
    write_tumen(other_ledger, accountant, reviewer)


def _balance_plans(build, scope) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        build(scope)
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if f'"{TABLE}"' in query["sql"]:
                cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
                plans += [row[3] for row in cursor.fetchall() if TABLE in row[3]]
    return plans


@pytest.mark.parametrize("build", BUILDERS, ids=lambda build: build.__name__)
@pytest.mark.parametrize("scope_of", ["township", "village"])
def test_reports_read_balances_from_the_covering_index_alone(books, accountant, build, scope_of):
    if scope_of == "township":
        scope = scope_for_region(user=accountant, region_code="510781100000", from_key=202501, to_key=202506)
        # The ledgers' own rows, as a region read when the user sees part of it: seen whole, the
        # township reads its roll-ups instead (``reports/tests/test_rollups.py``).
        scope = scope.without_rollups()
    else:
        scope = scope_for_ledger(user=accountant, ledger_code="HT01", from_key=202501, to_key=202506)

    plans = _balance_plans(build, scope)

    assert plans, "the report read no balances"
    assert all("USING COVERING INDEX balance_ledger_period" in step for step in plans), plans
