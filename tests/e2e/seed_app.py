"""The browser tests' set-up data, made through the services as an operator would make it.

Run by ``conftest.py`` in a subprocess against the temporary database of the test server:
the region tree, two townships' ledgers, users with passwords, posted vouchers (the road
payment with a scanned attachment), and one draft and one submitted voucher so that home has
something to flag. The figures the tests expect follow from the vouchers below.
"""

import os
import sys
from datetime import date

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "villagebooks.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402  (after django.setup)

from tests.e2e.browsing import ATTACHMENT, ATTACHMENT_NAME  # noqa: E402
from villagebooks.ledger import services  # noqa: E402
from villagebooks.ledger.domain.vouchers import LineInput  # noqa: E402
from villagebooks.ledger.tests.books import parse_vouchers, post  # noqa: E402
from villagebooks.regions.models import Region  # noqa: E402
from villagebooks.regions.services import regions_import_csv, role_grant, system_user  # noqa: E402

REGIONS = """code,name,parent_code,kind
510000000000,四川省,,province
510700000000,绵阳市,510000000000,city
510781000000,江油市,510700000000,county
510781100000,新安镇,510781000000,township
510781100201,黑滩村,510781100000,village
510781101000,武都镇,510781000000,township
510781101201,青林村,510781101000,village
"""


def _user(username: str, password: str, full_name: str, role: str, region_code: str):
    user = get_user_model().objects.create_user(username=username, password=password, first_name=full_name)
    role_grant(actor=system_user(), user=user, role=role, region=Region.objects.get(code=region_code))
    return user


def _ledger(actor, *, village: str, code: str, name: str, fund: str):
    ledger = services.ledger_create(
        actor=actor, village_code=village, code=code, name=name, chart="2023", start_year=2025, start_month=1
    )
    services.fund_create(actor=actor, ledger=ledger, name=fund, kind="earmarked_transfer")
    return services.opening_balances_set(
        actor=actor,
        ledger=ledger,
        rows=[
            services.OpeningInput(account_code="102", debit_fen=8_000_000),
            services.OpeningInput(account_code="301", credit_fen=8_000_000),
        ],
    )


def main(password: str) -> None:
    regions_import_csv(actor=system_user(), text=REGIONS)
    accountant = _user("kuaiji", password, "李会计", "accountant", "510781100000")
    reviewer = _user("shenhe", password, "赵审核", "reviewer", "510781100000")
    outsider = _user("wudu", password, "武都会计", "accountant", "510781101000")
    _user("xian", password, "县农经站", "county", "510781000000")  # the county's view

    ledger = _ledger(
        accountant,
        village="510781100201",
        code="HT01",
        name="黑滩村股份经济合作联合社",
        fund="县交通局道路补助",
    )
    services.account_add(actor=accountant, ledger=ledger, parent_code="513", code="51301", name="办公费")
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-01-10 收到道路补助
          借 102 银行存款     50000.00
          贷 241 专项应付款   50000.00  fund=县交通局道路补助
    """,
    )
    # The road payment carries its signed acceptance as a scanned attachment, added before review.
    ((day, _summary, lines),) = parse_vouchers(
        """
        2025-02-15 道路硬化工程款
          借 241 专项应付款   30000.00  fund=县交通局道路补助
          贷 102 银行存款     30000.00
    """
    )
    road = services.voucher_create(actor=accountant, ledger=ledger, date=day, lines=lines, submit=True)
    services.attachment_add(actor=accountant, voucher=road, name=ATTACHMENT_NAME, content=ATTACHMENT)
    services.voucher_review(actor=reviewer, voucher=road)
    services.voucher_post(actor=accountant, voucher=road)
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-20 购买办公用品
          借 51301 办公费      1234.56
          贷 102 银行存款      1234.56
    """,
    )
    office = [
        LineInput(summary="购买打印纸", account_code="51301", debit_fen=20_000),
        LineInput(summary="购买打印纸", account_code="102", credit_fen=20_000),
    ]
    services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 4, 2), lines=office)
    services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 4, 3), lines=office, submit=True)

    _ledger(
        outsider, village="510781101201", code="QL01", name="青林村股份经济合作联合社", fund="村道维修补助"
    )
    _registry(accountant)


# One household of 黑滩村 for the registry's pages: valid ID numbers (GB 11643) and a card (Luhn).
HOUSEHOLD_ROWS = [
    ["510781100201", "HT-001", "张德明", "510781196503120033", "户主", "是", "", "脱贫户", "2020-12-31", "是",
     "村委会主任", "", "13912345678", "6217996606000000012", "江油市农村信用合作联社"],
    ["510781100201", "HT-001", "李秀英", "510781196708230041", "配偶", "是", "", "", "", "是", "",
     "510781196503120033", "", "", ""],
]  # fmt: skip


def _registry(actor) -> None:
    import tempfile
    from pathlib import Path

    from villagebooks.common.spreadsheet import csv_writer
    from villagebooks.registry.households import COLUMNS, households_import

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "households.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv_writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows(HOUSEHOLD_ROWS)
        households_import(actor=actor, path=path)


if __name__ == "__main__":
    main(sys.argv[1])
