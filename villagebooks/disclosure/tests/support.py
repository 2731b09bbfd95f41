"""A paid subsidy list of 黑滩村 for the disclosure tests: two persons of one household, the
county's 公益性岗位补贴 (300.00 a month), booked, reviewed and posted."""

from __future__ import annotations

import csv
import tempfile
from datetime import date
from pathlib import Path

from stdnum import luhn

from villagebooks.ledger import services as ledger_services
from villagebooks.regions.services import system_user
from villagebooks.registry import subsidies
from villagebooks.registry.households import COLUMNS, households_import

ZHANG_ID, LI_ID = "510781196503120033", "510781196708230041"
ZHANG_CARD = "6217996606000000012"
LI_CARD = "621799660600000002" + luhn.calc_check_digit("621799660600000002")
PROGRAMME = [
    "GYGW",
    "公益性岗位补贴",
    "510781000000",
    "livelihood_subsidy",
    "person",
    "300.00",
    "",
    "",
    "month",
]


def _write(path: Path, columns, rows) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns] if isinstance(row, dict) else row)
    return path


def paid_subsidy_list(ledger, accountant, reviewer, *, pay_date: date = date(2025, 3, 15)):
    household = {"village": "510781100201", "household": "HT-001", "alive": "是", "status": "脱贫户",
                 "status_date": "2020-12-31", "member": "是", "bank": "江油市农村信用合作联社"}  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        households_import(
            actor=system_user(),
            path=_write(
                folder / "households.csv",
                COLUMNS,
                [
                    household | {"name": "张德明", "id_number": ZHANG_ID, "relation": "户主", "bank_card": ZHANG_CARD,
                                 "phone": "13912345678"},
                    household | {"name": "李秀英", "id_number": LI_ID, "relation": "配偶", "bank_card": LI_CARD},
                ],
            ),
        )  # fmt: skip
        subsidies.programmes_import(
            actor=system_user(),
            path=_write(folder / "programmes.csv", subsidies.PROGRAMME_COLUMNS, [PROGRAMME]),
        )
        ledger_services.fund_create(
            actor=accountant, ledger=ledger, name="民生补助资金", kind="livelihood_subsidy"
        )
        rows = [
            [ZHANG_ID, "张德明", "1", "300.00", "300.00", ZHANG_CARD],
            [LI_ID, "李秀英", "1", "300.00", "300.00", LI_CARD],
        ]
        result = subsidies.subsidy_list_import(
            actor=accountant,
            path=_write(folder / "list.csv", subsidies.LIST_COLUMNS, rows),
            ledger=ledger,
            programme_code="GYGW",
            batch_code="GW-2025-03",
            pay_date=pay_date,
            pay=True,
        )
    ledger_services.voucher_review(actor=reviewer, voucher=result.voucher)
    ledger_services.voucher_post(actor=accountant, voucher=result.voucher)
    return result.batch
