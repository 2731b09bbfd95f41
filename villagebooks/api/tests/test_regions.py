"""The region tree as far as the caller sees: the places holding their ledgers, counted."""

from villagebooks.api.selectors import UNKNOWN_REGION
from villagebooks.api.tests.conftest import error_of
from villagebooks.reports import ledger_conversion as conversion
from villagebooks.reports.tests.test_ledger_conversion import DECISIONS, old_books  # noqa: F401 (fixture)


def _shape(nodes):
    return [(n["code"], n["name"], n["kind"], n["ledgers"], _shape(n["children"])) for n in nodes]


def test_a_township_accountant_sees_its_villages_with_ledgers(ledger, other_ledger, acc):
    response = acc.get("/api/regions")
    assert response.status_code == 200
    assert _shape(response.json()) == [
        ("510000000000", "四川省", "province", 2, [
            ("510700000000", "绵阳市", "city", 2, [
                ("510781000000", "江油市", "county", 2, [
                    ("510781100000", "新安镇", "township", 2, [
                        ("510781100201", "黑滩村", "village", 1, []),
                        ("510781100202", "土门村", "village", 1, []),
                    ]),
                ]),
            ]),
        ]),
    ]  # fmt: skip


def test_a_ledger_level_role_sees_one_village_and_an_outsider_nothing(
    ledger, other_ledger, api_as, village_reporter, outsider
):
    tree = api_as(village_reporter).get("/api/regions", {"root": "510781100000"}).json()
    assert _shape(tree) == [
        ("510781100000", "新安镇", "township", 1, [("510781100201", "黑滩村", "village", 1, [])])
    ]
    assert api_as(outsider).get("/api/regions").json() == []


def test_a_root_outside_the_tree_is_404(ledger, acc):
    response = acc.get("/api/regions", {"root": "510781101000"})  # 武都镇: no ledger of the caller
    assert response.status_code == 404
    assert error_of(response)["message"] == UNKNOWN_REGION.format(code="510781101000")


def test_a_converted_village_counts_once(old_books, acc, accountant):  # noqa: F811
    """新旧衔接: the village holds its old 2004 ledger and the new one that continues it; it is one
    village, and the region adds up one ledger of it (``in_force``), as the region reports do."""

    def village_row():
        tree = acc.get("/api/regions", {"root": "510781100000"}).json()
        return [(n["code"], n["villages"], n["ledgers"]) for n in [tree[0], *tree[0]["children"]]]

    assert village_row() == [("510781100000", 1, 1), ("510781100201", 1, 1)]
    conversion.ledger_convert(
        actor=accountant, ledger_code="HT55A", year=2023, new_code="HT55B", decisions=DECISIONS
    )
    assert village_row() == [("510781100000", 1, 1), ("510781100201", 1, 1)]


def test_a_ledger_level_role_on_the_old_ledger_still_sees_its_village(
    old_books,  # noqa: F811
    accountant,
    api_as,
    make_user,
):
    conversion.ledger_convert(
        actor=accountant, ledger_code="HT55A", year=2023, new_code="HT55B", decisions=DECISIONS
    )
    reporter = make_user("old-books-reader", "reporter", old_books.village, ledger_id=old_books.pk)
    tree = api_as(reporter).get("/api/regions", {"root": "510781100201"}).json()
    assert [(n["code"], n["villages"], n["ledgers"]) for n in tree] == [("510781100201", 1, 1)]
