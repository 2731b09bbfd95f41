"""The catalogue's flags say the truth: a report marked for one ledger refuses a region, one
marked for a region refuses a ledger, and every other report builds for both (the pages, the
API and the command offer reports by these flags)."""

import pytest

from villagebooks.common.errors import DomainError
from villagebooks.reports.catalog import REPORT_KINDS
from villagebooks.reports.scope import scope_for_ledger, scope_for_region
from villagebooks.reports.tests.township_books import write_heitan, write_tumen


@pytest.fixture
def scopes(ledger, other_ledger, accountant, reviewer, tmp_path):
    from villagebooks.funds.tests.support import library_for_reports

    write_heitan(ledger, accountant, reviewer)
    write_tumen(other_ledger, accountant, reviewer)
    library_for_reports(ledger, accountant, tmp_path)  # the funds reports' rows
    return {
        "ledger": scope_for_ledger(user=accountant, ledger_code="HT01", from_key=202501, to_key=202506),
        "region": scope_for_region(
            user=accountant, region_code="510781100000", from_key=202501, to_key=202506
        ),
    }


def _build(kind, scope):
    return kind.build(scope, account="102") if kind.needs_account else kind.build(scope)


@pytest.mark.parametrize("slug", sorted(REPORT_KINDS))
def test_each_report_builds_where_the_catalogue_offers_it(scopes, slug):
    kind = REPORT_KINDS[slug]
    assert not (kind.ledger_only and kind.region_only)
    for level, refused in (("ledger", kind.region_only), ("region", kind.ledger_only)):
        if refused:
            with pytest.raises(DomainError):
                _build(kind, scopes[level])
        else:
            report = _build(kind, scopes[level])
            assert kind.rows(report), (slug, level)
