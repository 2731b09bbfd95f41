"""Resources: the import (all or nothing, every bad row named) and whether each is contracted."""

from datetime import date

import pytest

from villagebooks.affairs.models import Resource
from villagebooks.affairs.public_property import public_resources
from villagebooks.affairs.tests.property_support import (
    CONTRACT_HEADER,
    RESOURCE_HEADER,
    import_contracts,
    import_resources,
)
from villagebooks.common.errors import DomainError

pytestmark = pytest.mark.django_db


def test_import_and_contracted_state_follows_the_contract(ledger, accountant, tmp_path):
    assert import_resources(tmp_path, accountant) == 2
    row = "C1,HT01,发包,张三,农户,,,ZY-01,河湾机动地12.5亩,2025-01-10,2025-02-01,2030-01-31,5000.00,0,否,,,2025-03-01,5000.00"
    import_contracts(tmp_path, accountant, f"{CONTRACT_HEADER}\n{row}")
    before = {r["code"]: r for r in public_resources(ledger, date(2025, 1, 31))}
    during = {r["code"]: r for r in public_resources(ledger, date(2025, 6, 1))}
    assert not before["ZY-01"]["contracted"]
    assert during["ZY-01"] == {
        "code": "ZY-01",
        "name": "河湾机动地",
        "kind": "土地",
        "land_use": "耕地",
        "area_mu": "12.50",
        "location": "三组河湾",
        "contracted": True,
        "party": "张三",
    }
    assert not during["ZY-02"]["contracted"]


def test_bad_rows_named_and_nothing_written(ledger, accountant, tmp_path):
    text = "\n".join(
        [
            RESOURCE_HEADER,
            "R1,HT01,鱼塘,水面,养殖水面,二组,-3,",
            "R2,HT01,山地,矿山,四荒地,后山,10,",
            "R3,HT01,,土地,耕地,一组,abc,",
            "R4,HT01,坡地,土地,耕地,一组,5,",
            "R4,HT01,坡地,土地,耕地,一组,5,",
        ]
    )
    with pytest.raises(DomainError) as error:
        import_resources(tmp_path, accountant, text)
    found = {(p.row, p.field) for p in error.value.problems}
    assert {(2, "area"), (3, "kind"), (4, "name"), (4, "area"), (6, "resource")} <= found
    assert not Resource.objects.exists()


def test_missing_column_named_in_chinese(ledger, accountant, tmp_path):
    with pytest.raises(DomainError, match="面积（亩）"):
        import_resources(
            tmp_path, accountant, "资源编号,账套,名称,资源类别,用途\nR1,HT01,鱼塘,水面,养殖水面\n"
        )
