"""The demo county's books still on the 2004 chart (新旧衔接): the first village's year before the
demo's first, kept under 《村集体经济组织会计制度》(2004), closed, and brought over to the village's
2023 ledger by the conversion itself (``reports.ledger_conversion.ledger_convert``, what
``villagebooks convert-ledger`` and the 新旧衔接 page do).

The generated 2023 books (``generator``) run from the openings the generator chose: the cash and
bank it spends, the retention it pays, the earmarked fund it uses up. So the old year is built
backwards from them (``old_openings``): its opening balances are the generator's openings, in
2004 codes, less what the old year's own business moves, so that the old year's closing
balances, carried through the map, are exactly those openings, plus what the old year leaves of
its own (the road subsidy not yet spent, 在建工程, 无形资产, 耕牛, 王建国's advance, 应付福利费);
the difference of those is the village's 未分配收益.

A small, fixed year that uses what a 2004 ledger really uses, the accounts the chart gained
included (161 无形资产, 241 专项应付款, UNSURE) and the ones whose move needs a person's decision:
牲畜(禽)资产 in two sub-accounts (耕牛 are 产役畜, 生猪 are not), 应付福利费 set aside at the year
close (the 2023 chart has no such account), 应付款 to a named person. Everything goes through the
services, as in ``loading``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from villagebooks.common.money import yuan_to_fen
from villagebooks.demo import clock, setup_records
from villagebooks.ledger import services
from villagebooks.ledger.domain.chart import chart_templates
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Account, Counterparty, Fund, Ledger
from villagebooks.reports.ledger_conversion import (
    Decision,
    conversion_plan,
    conversion_report,
    ledger_convert,
)

OLD_CHART = "2004"
# The road works get a sub-account far from the ones the village's later projects take (15301…).
SUB_ACCOUNTS = [("131", "13101", "耕牛"), ("131", "13102", "生猪"), ("154", "15499", "通村道路工程")]
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
        "document_number": "江财农〔2024〕3号",
        "amount_fen": 1_600_000,
    },
]
COUNTERPARTIES = [("王建国", "household"), ("一组", "organisation")]
OPENING = [("102", "68000.00", ""), ("13101", "6000.00", ""), ("13102", "2400.00", "")]
OPENING += [("151", "120000.00", ""), ("152", "", "24000.00"), ("301", "", "172400.00")]
# (month, day, summary, [(code, debit, credit, fund, counterparty)])
YEAR = [
    (2, 20, "收到县交通局通村道路补助", [("102", "30000.00", "", "", ""), ("241", "", "30000.00", ROAD, "")]),
    (3, 15, "支付通村道路工程进度款", [("15499", "18000.00", "", "", ""), ("102", "", "18000.00", "", "")]),
    (4, 2, "购买村级财务软件", [("161", "2800.00", "", "", ""), ("102", "", "2800.00", "", "")]),
    (4, 28, "收到鱼塘发包款", [("102", "12000.00", "", "", ""), ("511", "", "12000.00", "", "")]),
    (5, 10, "收到村级组织运转经费", [("102", "16000.00", "", "", ""), ("522", "", "16000.00", OFFICE, "")]),
    (6, 6, "王建国垫付修渠材料款", [("502", "1600.00", "", "", ""), ("202", "", "1600.00", "", "王建国")]),
    (7, 1, "垫付一组水渠维修款", [("113", "900.00", "", "", "一组"), ("102", "", "900.00", "", "")]),
    (8, 12, "购买办公用品", [("541", "650.00", "", "", ""), ("102", "", "650.00", "", "")]),
    (9, 18, "支付村干部误工补贴", [("541", "4800.00", "", "", ""), ("102", "", "4800.00", "", "")]),
    (11, 20, "出售生猪", [("102", "2600.00", "", "", ""), ("501", "", "2600.00", "", "")]),
    (11, 20, "结转出售生猪成本", [("502", "2400.00", "", "", ""), ("13102", "", "2400.00", "", "")]),
    (12, 5, "银行存款利息", [("102", "120.00", "", "", ""), ("531", "", "120.00", "", "")]),
]
WELFARE_FEN = 80_000  # 提取应付福利费 at the year close
# The 2004 code of each 2023 account the generator opens its books with (where they differ:
# 202 应付款 became 211, 211 应付工资 212, 153 and 154 swapped).
OLD_CODE = {"211": "202", "212": "211", "153": "154", "154": "153"}
OLD_CODES_OK = {"101", "102", "111", "112", "113", "121", "141", "151", "152", "201", "221", "231", "241"}
OLD_CODES_OK |= {"301", "311", "322"} | set(OLD_CODE)
# What the village decided when its books moved (the items the map leaves to a person): the
# 耕牛 are 产役畜, so 生产性生物资产; the 2023 chart has no 应付福利费, and the balance set
# aside for the cadres' welfare goes with what is owed to them, 应付工资 (the map's other choice,
# 211 应付款, would put it beside the contractors' retentions the books go on paying from 211).
DECISIONS = {"13101": Decision(to="132"), "212": Decision(to="212")}
MEMBERS = "全体成员"  # who an old balance without a counterparty is owed to, if a 2023 account asks


def old_ledger_code(village_code: str) -> str:
    return f"{village_code}-04"


def old_books_load(
    *,
    setup_actor,
    accountant,
    reviewer,
    village_code: str,
    village_name: str,
    year: int,
    code: str = "",
    carried_to: dict | None = None,
) -> Ledger:
    """The 2004 ledger of ``village_code`` for ``year`` (``code``, by default the village's code
    and -04), posted and closed (year close with 提取应付福利费 reviewed by ``reviewer``).

    With ``carried_to`` (the set-up of the village's 2023 ledger, a line of the generator's
    ``ledgers.jsonl``), the year closes on the balances that set-up opens with
    (``old_openings``), and its bank is that set-up's bank sub-account."""
    banks = [a for a in (carried_to or {}).get("accounts", []) if a["parent"] == "102"]
    bank = banks[0]["code"] if banks else "102"
    ledger = services.ledger_create(
        actor=setup_actor,
        village_code=village_code,
        code=code or old_ledger_code(village_code),
        name=f"{village_name}集体经济组织（2004制度）",
        chart=OLD_CHART,
        start_year=year,
        start_month=1,
    )
    for account in banks:
        services.account_add(
            actor=setup_actor, ledger=ledger, parent_code="102", code=account["code"], name=account["name"]
        )
    for parent, sub_code, name in SUB_ACCOUNTS:
        services.account_add(actor=setup_actor, ledger=ledger, parent_code=parent, code=sub_code, name=name)
    openings = old_openings(carried_to, bank=bank) if carried_to else _fixed_openings(bank)
    funds = {o.fund_name for o in openings if o.fund_name}
    parties = {o.counterparty_name for o in openings if o.counterparty_name}
    for fund in FUNDS + [f for f in (carried_to or {}).get("funds", []) if f["name"] in funds]:
        setup_records.fund_create(actor=setup_actor, ledger=ledger, fund=fund)
    known = {name for name, _kind in COUNTERPARTIES}
    for party in (carried_to or {}).get("counterparties", []):
        if party["name"] in parties and party["name"] not in known:
            setup_records.counterparty_create(actor=setup_actor, ledger=ledger, party=party)
    for name, kind in COUNTERPARTIES:
        services.counterparty_create(actor=setup_actor, ledger=ledger, name=name, kind=kind)
    ledger = services.opening_balances_set(actor=setup_actor, ledger=ledger, rows=openings)
    # On the demo's clock (demo/clock.py): each voucher entered and posted on its day, each
    # month closed on the third of the next, the year on the fifth of January.
    for month, day, summary, lines in YEAR:
        with clock.at(clock.moment(date(year, month, day), 17)):
            _post_one(accountant, reviewer, ledger, date(year, month, day), summary, lines, bank=bank)
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


def _post_one(accountant, reviewer, ledger, day: date, summary: str, lines, *, bank: str) -> None:
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
                account_code=bank if code == "102" else code,
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


def _fixed_openings(bank: str) -> list[services.OpeningInput]:
    return [
        services.OpeningInput(
            account_code=bank if code == "102" else code, debit_fen=_fen(debit), credit_fen=_fen(credit)
        )
        for code, debit, credit in OPENING
    ]


def old_openings(carried_to: dict, *, bank: str) -> list[services.OpeningInput]:
    """The 2004 opening balances whose year closes on ``carried_to``'s openings (in 2004 codes):
    each of those less what the old year's vouchers move on it, the livestock the year starts
    with, and 未分配收益 (32201) what makes them balance (it takes the year's profit and the
    old year's own balances at the close)."""
    categories = {t.code: t.category for t in chart_templates(OLD_CHART)}
    moved: dict[tuple[str, str, str], int] = defaultdict(int)
    for _month, _day, _summary, lines in YEAR:
        for line_code, debit, credit, fund, party in lines:
            line_code = bank if line_code == "102" else line_code
            if categories[line_code[:3]] not in ("income", "expense"):
                moved[(line_code, fund, party)] += _fen(debit) - _fen(credit)
    net: dict[tuple[str, str, str], int] = defaultdict(int)
    for line in carried_to["openings"]:
        new_code = line["account"]
        if new_code[:3] not in OLD_CODES_OK:
            raise ValueError(f"the 2004 demo books cannot open {new_code}")
        old_code = OLD_CODE.get(new_code[:3], new_code[:3]) + new_code[3:]
        key = (old_code, line["fund"], line["counterparty"])
        net[key] += line["debit_fen"] - line["credit_fen"] - moved.get(key, 0)
    for line_code, debit, credit in OPENING:
        if line_code.startswith("131"):  # the livestock: the old year's own
            net[(line_code, "", "")] += _fen(debit) - _fen(credit)
    undistributed = ("32201", "", "")
    net[undistributed] -= sum(net.values())
    return [
        services.OpeningInput(
            account_code=code,
            debit_fen=max(amount, 0),
            credit_fen=max(-amount, 0),
            fund_name=fund,
            counterparty_name=party,
        )
        for (code, fund, party), amount in sorted(net.items())
        if amount
    ]


def old_books_carry_over(*, actor, old: Ledger, year: int, setup: dict) -> Ledger:
    """Bring ``old``'s books, closed at the end of ``year``, over to the village's 2023 ledger
    of ``setup`` (its code and name) through the conversion, with the village's ``DECISIONS``;
    then give the new ledger the rest of ``setup``: the sub-accounts, funds and counterparties
    its books use that the old books did not have. Its opening balances are the conversion's."""
    decisions = _decisions_made(user=actor, old=old, year=year, new_code=setup["ledger"])
    ledger = ledger_convert(
        actor=actor,
        ledger_code=old.code,
        year=year,
        new_code=setup["ledger"],
        new_name=setup["name"],
        decisions=decisions,
    )
    accounts = set(Account.objects.filter(ledger=ledger).values_list("code", flat=True))
    for account in setup["accounts"]:
        if account["code"] not in accounts:
            setup_records.account_add(actor=actor, ledger=ledger, account=account)
    funds = set(Fund.objects.filter(ledger=ledger).values_list("name", flat=True))
    for fund in setup["funds"]:
        if fund["name"] not in funds:
            setup_records.fund_create(actor=actor, ledger=ledger, fund=fund)
    parties = set(Counterparty.objects.filter(ledger=ledger).values_list("name", flat=True))
    for party in setup["counterparties"]:
        if party["name"] not in parties:
            setup_records.counterparty_create(actor=actor, ledger=ledger, party=party)
    ledger.refresh_from_db()
    return ledger


def old_books_report(*, user, old: Ledger, year: int, new: Ledger):
    """The conversion's old-against-new report (``conversion_report``) of the demo's move, made
    again from the same decisions at any time after it."""
    decisions = _decisions_made(user=user, old=old, year=year, new_code=new.code)
    plan = conversion_plan(
        user=user, ledger_code=old.code, year=year, new_code=new.code, decisions=decisions, made=True
    )
    return conversion_report(user=user, plan=plan, new=new)


def _decisions_made(*, user, old: Ledger, year: int, new_code: str) -> dict[str, Decision]:
    decisions = dict(DECISIONS)
    plan = conversion_plan(
        user=user, ledger_code=old.code, year=year, new_code=new_code, decisions=decisions, made=True
    )
    for item in plan.items:
        if item.needs and item.old_code not in decisions:
            decisions[item.old_code] = Decision(
                to=item.options[0], counterparty=MEMBERS if "counterparty" in item.needs else ""
            )
    return decisions


def _fen(text: str) -> int:
    return yuan_to_fen(text) if text else 0
