"""A village whose 2004 ledger was brought over to a 2023 one (新旧衔接) is one row of its township,
with the ledger that holds its books now."""

from villagebooks.regions.models import Region
from villagebooks.reports import ledger_conversion as conversion
from villagebooks.reports.tests.test_ledger_conversion import DECISIONS, old_books  # noqa: F401 (fixture)
from villagebooks.web.selectors import region_children


def test_the_township_lists_a_converted_village_once_with_its_new_ledger(old_books, accountant):  # noqa: F811
    before = {
        place.code: place.ledger_code
        for place in region_children(user=accountant, region=Region.objects.get(code="510781100000"))
    }
    conversion.ledger_convert(
        actor=accountant, ledger_code="HT55A", year=2023, new_code="HT55B", decisions=DECISIONS
    )
    after = {
        place.code: place.ledger_code
        for place in region_children(user=accountant, region=Region.objects.get(code="510781100000"))
    }
    assert before == {"510781100201": "HT55A"}
    assert after == {"510781100201": "HT55B"}
