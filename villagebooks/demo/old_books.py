"""The demo county's books still on the 2004 chart (新旧衔接): the first village's year before the
demo's first, kept under 《村集体经济组织会计制度》(2004) and closed, waiting to be brought over to
a new 2023 ledger (``villagebooks convert-ledger``, the 新旧衔接 page).

A small, fixed year that uses what a 2004 ledger really uses, the accounts the chart gained
included (161 无形资产, 241 专项应付款, UNSURE) and the ones whose move needs a person's decision:
牲畜(禽)资产 in two sub-accounts (耕牛 are 产役畜, 生猪 are not), 应付福利费 set aside at the year
close (the 2023 chart has no such account), 应付款 to a named person. Everything goes through the
services, as in ``loading``.
"""

from __future__ import annotations

from datetime import date

from villagebooks.common.money import yuan_to_fen
from villagebooks.demo import clock
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Ledger

OLD_CHART = "2004"
SUB_ACCOUNTS = [("131", "13101", "耕牛"), ("131", "13102", "生猪"), ("202", "20201", "王建国")]
ROAD, OFFICE = "县交通局通村道路补助", "村级组织运转经费"
FUNDS = [
    {
        "name": ROAD,
        "kind": "earmarked_transfer",
        "issuer": "江油市交通运输局",
        "document_number": "江交〔2024〕11号",
        "amount_fen": 3_000_000,
    },
    {
        "name": OFFICE,
        "kind": "village_office",
        "issuer": "江油市财政局",
        "document_number": "",
        "amount_fen": 1_600_000,
    },
]
COUNTERPARTIES = [("王建国", "household"), ("一组", "organisation")]
OPENING = [("102", "68000.00", ""), ("13101", "6000.00", ""), ("13102", "2400.00", "")]
OPENING += [("151", "120000.00", ""), ("152", "", "24000.00"), ("301", "", "172400.00")]
# (month, day, summary, [(code, debit, credit, fund, counterparty)])
YEAR = [
    (2, 20, "收到县交通局通村道路补助", [("102", "30000.00", "", "", ""), ("241", "", "30000.00", ROAD, "")]),
    (3, 15, "支付通村道路工程进度款", [("154", "18000.00", "", "", ""), ("102", "", "18000.00", "", "")]),
    (4, 2, "购买村级财务软件", [("161", "2800.00", "", "", ""), ("102", "", "2800.00", "", "")]),
    (4, 28, "收到鱼塘发包款", [("102", "12000.00", "", "", ""), ("511", "", "12000.00", "", "")]),
    (5, 10, "收到村级组织运转经费", [("102", "16000.00", "", "", ""), ("522", "", "16000.00", OFFICE, "")]),
    (6, 6, "王建国垫付修渠材料款", [("502", "1600.00", "", "", ""), ("20201", "", "1600.00", "", "王建国")]),
    (7, 1, "垫付一组水渠维修款", [("113", "900.00", "", "", "一组"), ("102", "", "900.00", "", "")]),
    (8, 12, "购买办公用品", [("541", "650.00", "", "", ""), ("102", "", "650.00", "", "")]),
    (9, 18, "支付村干部误工补贴", [("541", "4800.00", "", "", ""), ("102", "", "4800.00", "", "")]),
    (11, 20, "出售生猪", [("102", "2600.00", "", "", ""), ("501", "", "2600.00", "", "")]),
    (11, 20, "结转出售生猪成本", [("502", "2400.00", "", "", ""), ("13102", "", "2400.00", "", "")]),
    (12, 5, "银行存款利息", [("102", "120.00", "", "", ""), ("531", "", "120.00", "", "")]),
]
WELFARE_FEN = 80_000  # 提取应付福利费 at the year close


def old_ledger_code(village_code: str) -> str:
    return f"{village_code}-04"


def old_books_load(
    *, setup_actor, accountant, reviewer, village_code: str, village_name: str, year: int, code: str = ""
) -> Ledger:
    """The 2004 ledger of ``village_code`` for ``year`` (``code``, by default the village's code
    and -04), posted and closed (year close with 提取应付福利费 reviewed by ``reviewer``)."""
    ledger = services.ledger_create(
        actor=setup_actor,
        village_code=village_code,
        code=code or old_ledger_code(village_code),
        name=f"{village_name}集体经济组织（2004制度）",
        chart=OLD_CHART,
        start_year=year,
        start_month=1,
    )
    for parent, code, name in SUB_ACCOUNTS:
        services.account_add(actor=setup_actor, ledger=ledger, parent_code=parent, code=code, name=name)
    for fund in FUNDS:
        services.fund_create(actor=setup_actor, ledger=ledger, **fund)
    for name, kind in COUNTERPARTIES:
        services.counterparty_create(actor=setup_actor, ledger=ledger, name=name, kind=kind)
    ledger = services.opening_balances_set(
        actor=setup_actor,
        ledger=ledger,
        rows=[
            services.OpeningInput(account_code=code, debit_fen=_fen(debit), credit_fen=_fen(credit))
            for code, debit, credit in OPENING
        ],
    )
    # On the demo's clock (demo/clock.py): each voucher entered and posted on its day, each
    # month closed on the third of the next, the year on the fifth of January.
    for month, day, summary, lines in YEAR:
        with clock.at(clock.moment(date(year, month, day), 17)):
            _post_one(accountant, reviewer, ledger, date(year, month, day), summary, lines)
    for month in range(1, 12):
        with clock.at(clock.moment(date(year, month + 1, 3), 10)):
            services.period_close(actor=accountant, ledger=ledger, year=year, month=month)
    with clock.at(clock.moment(date(year + 1, 1, 5), 10)):
        first = services.year_close(
            actor=accountant, ledger=ledger, year=year, appropriations={"提取应付福利费": WELFARE_FEN}
        )
        for voucher in first.distributions:
            services.voucher_review(actor=reviewer, voucher=voucher)
            services.voucher_post(actor=accountant, voucher=voucher)
        services.year_close(actor=accountant, ledger=ledger, year=year)
    ledger.refresh_from_db()
    return ledger


def _post_one(accountant, reviewer, ledger, day: date, summary: str, lines) -> None:
    """Prepare, review and post one voucher of the old books."""
    voucher = services.voucher_create(
        actor=accountant,
        ledger=ledger,
        date=day,
        note=summary,
        submit=True,
        lines=[
            LineInput(
                summary=summary,
                account_code=code,
                debit_fen=_fen(debit),
                credit_fen=_fen(credit),
                fund_name=fund,
                counterparty_name=party,
            )
            for code, debit, credit, fund, party in lines
        ],
    )
    services.voucher_review(actor=reviewer, voucher=voucher)
    services.voucher_post(actor=accountant, voucher=voucher)


def _fen(text: str) -> int:
    return yuan_to_fen(text) if text else 0
