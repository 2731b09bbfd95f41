"""Helpers of the contract, asset and depreciation tests: files written as CSV text and
imported as a user does."""

from __future__ import annotations

from villagebooks.affairs import assets, contracts, resources

CONTRACT_HEADER = (
    "合同编号,账套,合同类型,对方名称,对方类别,身份证号,户编号,标的编号,标的,签订日期,起始日期,终止日期,"
    "合同总价,保证金,产权交易,交易编号,续签原合同,应收日期,应收金额"
)
SHOP_LEASE = f"""{CONTRACT_HEADER}
HT-2025-01,HT01,租赁,张三,农户,,,,村集体门面房一间,2025-01-10,2025-02-01,2027-01-31,20000.00,1000.00,是,JY-2025-008,,2025-03-01,5000.00
HT-2025-01,HT01,租赁,张三,农户,,,,村集体门面房一间,2025-01-10,2025-02-01,2027-01-31,20000.00,1000.00,是,JY-2025-008,,2025-09-01,5000.00
HT-2025-01,HT01,租赁,张三,农户,,,,村集体门面房一间,2025-01-10,2025-02-01,2027-01-31,20000.00,1000.00,是,JY-2025-008,,2026-03-01,10000.00
"""

ASSET_HEADER = "卡片编号,账套,资产名称,资产类型,类别,经营性/公益性,取得日期,存放地点,原值,建卡时累计折旧,折旧方法,使用年限,净残值率,项目编号,资金下达编号"
CARDS = f"""{ASSET_HEADER}
ZC-001,HT01,村集体门面房,固定资产,房屋及建筑物,经营性,2024-12-15,黑滩村街上,120000.00,0,年限平均法,20,5,,
ZC-002,HT01,村委会活动室桌椅,固定资产,家具用具,经营性,2025-01-20,村委会,3000.00,0,年限平均法,1,0,,
ZC-003,HT01,村道路灯,固定资产,基础设施,公益性,2025-01-05,村道,50000.00,0,,,,,
"""

RESOURCE_HEADER = "资源编号,账套,名称,资源类别,用途,坐落,面积（亩）,备注"
RESOURCES = f"""{RESOURCE_HEADER}
ZY-01,HT01,河湾机动地,土地,耕地,三组河湾,12.50,
ZY-02,HT01,后山林地,林地,林地,后山,80,
"""


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_contracts(tmp_path, actor, text: str = SHOP_LEASE) -> int:
    return contracts.contracts_import(actor=actor, path=write(tmp_path, "contracts.csv", text))


def import_assets(tmp_path, actor, text: str = CARDS) -> int:
    return assets.assets_import(actor=actor, path=write(tmp_path, "assets.csv", text))


def import_resources(tmp_path, actor, text: str = RESOURCES) -> int:
    return resources.resources_import(actor=actor, path=write(tmp_path, "resources.csv", text))
