"""新旧衔接: a 2004 ledger's year closed, then its balances opened in a new 2023 ledger.

The old ledger (黑滩村, 2004 chart, from January 2023) opens with 银行存款 60,000, 固定资产 100,000
less 累计折旧 20,000, 牲畜(禽)资产 8,000 in two sub-accounts (13101 耕牛 5,000, 13102 生猪 3,000),
against 资本 148,000. In 2023 it receives 20,000 earmarked for a road (241, a 2004 account the
chart gained) and spends 12,000 of it on 在建工程 (154), buys software (161 无形资产) for 3,000,
owes 张三 1,500 on 应付款 sub-account 20201, lends 一组 1,000 on 内部往来, earns 发包收入 8,000,
pays 管理费用 600, and at the year close sets aside 提取应付福利费 500 (212).
"""

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from villagebooks.common.audit import AuditEntry
from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.ledger import services
from villagebooks.ledger.models import Account, Counterparty, Fund, Ledger, OpeningBalance
from villagebooks.ledger.tests.books import balance, post, year_close_through
from villagebooks.reports import ledger_conversion as conversion
from villagebooks.reports.ledger_conversion import Decision

YEAR_2023 = """
    2023-02-01 收到县交通局道路补助
      借 102 银行存款          20000.00
      贷 241 专项应付款        20000.00  fund=县交通局道路补助
    2023-03-01 支付道路工程款
      借 154 在建工程          12000.00
      贷 102 银行存款          12000.00
    2023-03-02 购买财务软件
      借 161 无形资产           3000.00
      贷 102 银行存款           3000.00
    2023-04-01 欠张三材料款
      借 502 经营支出           1500.00
      贷 20201 应付款—张三      1500.00  party=张三
    2023-05-01 垫付一组修渠款
      借 113 内部往来           1000.00  party=一组
      贷 102 银行存款           1000.00
    2023-06-01 收到土地发包款
      借 102 银行存款           8000.00
      贷 511 发包及上交收入     8000.00
    2023-07-01 购买办公用品
      借 541 管理费用            600.00
      贷 102 银行存款            600.00
"""

DECISIONS = {
    "13101": Decision(to="132"),  # 耕牛 are 产役畜: 生产性生物资产
    "13102": Decision(to="131"),  # 生猪: 消耗性生物资产
    "212": Decision(to="211", counterparty="职工福利"),
}


@pytest.fixture
def old_books(region_tree, accountant, reviewer):
    ledger = services.ledger_create(
        actor=accountant,
        village_code="510781100201",
        code="HT55A",
        name="黑滩村集体经济组织",
        chart="2004",
        start_year=2023,
        start_month=1,
    )
    services.account_add(actor=accountant, ledger=ledger, parent_code="131", code="13101", name="耕牛")
    services.account_add(actor=accountant, ledger=ledger, parent_code="131", code="13102", name="生猪")
    services.account_add(actor=accountant, ledger=ledger, parent_code="202", code="20201", name="张三")
    services.fund_create(
        actor=accountant,
        ledger=ledger,
        name="县交通局道路补助",
        kind="earmarked_transfer",
        issuer="江油市交通运输局",
        document_number="江交〔2023〕5号",
        amount_fen=2_000_000,
    )
    services.counterparty_create(actor=accountant, ledger=ledger, name="张三", kind="household")
    services.counterparty_create(actor=accountant, ledger=ledger, name="一组")
    services.opening_balances_set(
        actor=accountant,
        ledger=ledger,
        rows=[
            services.OpeningInput(account_code="102", debit_fen=6_000_000),
            services.OpeningInput(account_code="13101", debit_fen=500_000),
            services.OpeningInput(account_code="13102", debit_fen=300_000),
            services.OpeningInput(account_code="151", debit_fen=10_000_000),
            services.OpeningInput(account_code="152", credit_fen=2_000_000),
            services.OpeningInput(account_code="301", credit_fen=14_800_000),
        ],
    )
    ledger.refresh_from_db()
    post(ledger, accountant, reviewer, YEAR_2023)
    for month in range(1, 12):
        services.period_close(actor=accountant, ledger=ledger, year=2023, month=month)
    year_close_through(ledger, accountant, reviewer, 2023, {"提取应付福利费": 50_000})
    ledger.refresh_from_db()
    return ledger


def _plan(user, decisions=DECISIONS, new_code="HT55B"):
    return conversion.conversion_plan(
        user=user, ledger_code="HT55A", year=2023, new_code=new_code, decisions=decisions
    )


def test_the_2004_chart_has_the_accounts_a_village_uses(old_books):
    # 161 and 241 (UNSURE additions) are there, 241 asking for its fund like 231.
    accounts = {a.code: a for a in Account.objects.filter(ledger=old_books, code__in=["161", "241"])}
    assert accounts["161"].name == "无形资产" and accounts["161"].category == "asset"
    assert accounts["241"].name == "专项应付款" and accounts["241"].requires_fund


def test_the_plan_shows_what_needs_a_decision_before_anything_is_made(old_books, accountant):
    plan = _plan(accountant, decisions={})
    items = {(item.kind, item.old_code): item for item in plan.items}
    # Each sub-account of 131 with a balance, and 212 with no counterparty where 211 requires one;
    # 202 and 212 meeting in 211 is the split decision's (212 → 211 or 212), not asked twice.
    assert set(items) == {("split", "13101"), ("split", "13102"), ("split", "212"), ("dimension", "212")}
    assert items[("split", "13101")].options == ("131", "132")
    assert items[("split", "13101")].balance_fen == 500_000
    assert items[("split", "212")].options == ("211", "212")
    assert items[("split", "212")].balance_fen == -50_000
    assert all(item.decision is None for item in plan.items)
    fields = {p.field for p in plan.problems}
    assert fields == {"decisions"} and len(plan.problems) == 4
    assert not Ledger.objects.filter(code="HT55B").exists()


def test_converting_carries_every_balance_and_the_balance_sheets_agree(old_books, accountant):
    plan = _plan(accountant)
    assert plan.problems == []
    new = conversion.ledger_convert(
        actor=accountant, ledger_code="HT55A", year=2023, new_code="HT55B", decisions=DECISIONS
    )
    assert (new.chart, new.start_year, new.start_month, new.status) == ("2023", 2024, 1, "active")
    assert new.village_id == old_books.village_id
    # Bank: 60,000 + 20,000 − 12,000 − 3,000 − 1,000 + 8,000 − 600 = 71,400.
    assert balance(new, "102") == balance(old_books, "102") == 7_140_000
    assert balance(new, "13102") == 300_000  # 生猪 stays 消耗性
    assert balance(new, "131") == 300_000
    assert balance(new, "132") == 500_000  # 耕牛 to 生产性生物资产, kept apart under a holder
    assert balance(new, "153") == 1_200_000  # 在建工程 was 154
    assert balance(new, "161") == 300_000
    assert balance(new, "241") == -2_000_000  # relieved only when the finished road is transferred
    assert balance(new, "211") == -200_000  # 张三 1,500 and 应付福利费 500
    assert balance(new, "113") == 100_000
    # 本年收益 closed into 未分配收益: 8,000 − 1,500 − 600 − 500 appropriated = 5,400.
    assert balance(new, "32201") == -540_000
    opening = {
        (o.account.code, o.fund.name if o.fund else "", o.counterparty.name if o.counterparty else "")
        for o in OpeningBalance.objects.filter(ledger=new).select_related("account", "fund", "counterparty")
    }
    assert ("241", "县交通局道路补助", "") in opening
    assert ("21101", "", "张三") in opening  # 20201 keeps its digits under 211
    assert ("21102", "", "职工福利") in opening  # 应付福利费 under its own sub-account
    names = dict(Account.objects.filter(ledger=new).values_list("code", "name"))
    assert names["21101"] == "张三" and names["21102"] == "应付福利费"
    assert (names["13102"], names["13201"], names["1320101"]) == ("生猪", "牲畜(禽)资产", "耕牛")
    fund = Fund.objects.get(ledger=new, name="县交通局道路补助")
    assert (fund.issuer, fund.document_number, fund.amount_fen) == (
        "江油市交通运输局",
        "江交〔2023〕5号",
        2_000_000,
    )
    assert Counterparty.objects.get(ledger=new, name="张三").kind == "household"
    report = conversion.conversion_report(user=accountant, plan=plan, new=new)
    assert report.agrees
    assert [(label, old) for label, old, _c, _n in report.totals] == [
        ("资产总计", 17_540_000),
        ("负债和所有者权益总计", 17_540_000),
    ]
    lines = {line.line_no: line for line in report.lines if line.line_no}
    assert all(line.carried_fen == line.new_fen for line in lines.values() if line.carried_fen is not None)
    assert AuditEntry.objects.filter(action="ledger_convert").count() == 2
    with pytest.raises(DomainError, match="已转换为新账套 HT55B"):  # never twice, under any code
        conversion.conversion_plan(
            user=accountant, ledger_code="HT55A", year=2023, new_code="HT55Z", decisions=DECISIONS
        )


def test_refusals_write_nothing(old_books, accountant, make_user, region_tree):
    before = Ledger.objects.count()
    with pytest.raises(DomainError) as undecided:
        conversion.ledger_convert(
            actor=accountant, ledger_code="HT55A", year=2023, new_code="HT55B", decisions={}
        )
    assert "13101" in str(undecided.value)
    with pytest.raises(DomainError, match="已被使用"):
        conversion.ledger_convert(
            actor=accountant, ledger_code="HT55A", year=2023, new_code="HT55A", decisions=DECISIONS
        )
    with pytest.raises(DomainError, match="尚未年结"):
        conversion.conversion_plan(
            user=accountant, ledger_code="HT55A", year=2024, new_code="X", decisions={}
        )
    with pytest.raises(DomainError, match="只能转入 131、132"):
        conversion.ledger_convert(
            actor=accountant,
            ledger_code="HT55A",
            year=2023,
            new_code="HT55B",
            decisions=DECISIONS | {"13101": Decision(to="134")},
        )
    with pytest.raises(DomainError, match="不是需要决定的事项"):
        conversion.ledger_convert(
            actor=accountant,
            ledger_code="HT55A",
            year=2023,
            new_code="HT55B",
            decisions=DECISIONS | {"102": Decision(to="102")},
        )
    with pytest.raises(DomainError, match="必须指定往来单位"):
        conversion.ledger_convert(
            actor=accountant,
            ledger_code="HT55A",
            year=2023,
            new_code="HT55B",
            decisions=DECISIONS | {"212": Decision(to="211")},
        )
    outsider = make_user("outsider", "accountant", region_tree["510781101000"])  # 武都镇: not this village
    with pytest.raises(NotPermitted):
        conversion.conversion_plan(
            user=outsider, ledger_code="HT55A", year=2023, new_code="HT55B", decisions=DECISIONS
        )
    assert Ledger.objects.count() == before


def test_a_year_not_closed_is_refused(region_tree, accountant):
    ledger = services.ledger_create(
        actor=accountant,
        village_code="510781100202",
        code="HT55C",
        name="土门村",
        chart="2004",
        start_year=2024,
        start_month=1,
    )
    with pytest.raises(DomainError, match="尚未年结"):
        conversion.conversion_plan(
            user=accountant, ledger_code=ledger.code, year=2024, new_code="N", decisions={}
        )
    new = services.ledger_create(
        actor=accountant,
        village_code="510781100202",
        code="HT55D",
        name="土门村",
        chart="2023",
        start_year=2024,
        start_month=1,
    )
    with pytest.raises(DomainError, match="无需转换"):
        conversion.conversion_plan(
            user=accountant, ledger_code=new.code, year=2024, new_code="N", decisions={}
        )


def test_the_command_previews_then_converts(old_books, accountant, tmp_path, capsys):
    decisions = tmp_path / "decisions.json"
    decisions.write_text(conversion.decisions_dump(DECISIONS), encoding="utf-8")
    with pytest.raises(CommandError, match="需要决定转入哪个2023年科目"):
        call_command("convert_ledger", ledger="HT55A", new_code="HT55B", year=2023, username="accountant")
    call_command(
        "convert_ledger",
        ledger="HT55A",
        new_code="HT55B",
        year=2023,
        decisions=decisions,
        dry_run=True,
        username="accountant",
    )
    preview = capsys.readouterr().out
    assert "13101 牲畜(禽)资产—耕牛 → 1320101 耕牛" in preview
    assert not Ledger.objects.filter(code="HT55B").exists()
    call_command(
        "convert_ledger",
        ledger="HT55A",
        new_code="HT55B",
        year=2023,
        decisions=decisions,
        username="accountant",
    )
    out = capsys.readouterr().out
    assert "已新建账套 HT55B" in out and "逐行一致" in out
    assert json.loads(decisions.read_text(encoding="utf-8"))["13101"] == "132"


def _township_sheet(user, year: int, *, rollups: bool = True):
    from villagebooks.reports.scope import scope_for_region
    from villagebooks.reports.statements import build_balance_sheet

    scope = scope_for_region(
        user=user, region_code="510781100000", from_key=year * 100 + 1, to_key=year * 100 + 12
    )
    return scope, build_balance_sheet(scope if rollups else scope.without_rollups())


def test_a_converted_village_counts_once_in_its_region_before_and_after(old_books, accountant):
    """The township holds only 黑滩村: its old ledger is the village in 2023, the new one from 2024;
    the 2024 opening (年初) is the old closing once, not the old closing and the new opening."""
    from villagebooks.ledger.selectors import in_force
    from villagebooks.reports.comparisons import last_year

    new = conversion.ledger_convert(
        actor=accountant, ledger_code="HT55A", year=2023, new_code="HT55B", decisions=DECISIONS
    )
    assert new.continues == old_books
    before, sheet_2023 = _township_sheet(accountant, 2023)
    after, sheet_2024 = _township_sheet(accountant, 2024)
    assert (before.ledger_ids, before.mapped_ledger_ids) == ((), (old_books.pk,))
    assert (after.ledger_ids, after.mapped_ledger_ids) == ((new.pk,), ())
    assert last_year(after).mapped_ledger_ids == (old_books.pk,) and last_year(after).ledger_ids == ()
    total = sheet_2023.line(sheet_2023.check[0]).amounts[1]  # 期末 of 2023
    assert total == sheet_2024.line(sheet_2024.check[0]).amounts[0] > 0  # 年初 of 2024, once
    assert sheet_2024.line(sheet_2024.check[0]).amounts[1] == total  # nothing posted in 2024
    for year, sheet in ((2023, sheet_2023), (2024, sheet_2024)):
        assert _township_sheet(accountant, year, rollups=False)[1].rows == sheet.rows
    village = Ledger.objects.filter(village=old_books.village)
    assert list(village.filter(in_force(year=2023))) == [old_books]
    assert list(village.filter(in_force(year=2024))) == [new]
    assert list(village.filter(in_force())) == [new]


def test_the_dashboard_compares_a_converted_village_with_its_old_ledgers_year(old_books, accountant):
    """The township's 2024 dashboard shows 2023 beside it from the old ledger, as 2023's own does."""
    from villagebooks.reports.dashboard import _monthly

    conversion.ledger_convert(
        actor=accountant, ledger_code="HT55A", year=2023, new_code="HT55B", decisions=DECISIONS
    )
    before, _sheet = _township_sheet(accountant, 2023)
    after, _sheet = _township_sheet(accountant, 2024)
    year_2023 = _monthly(before, 2023)[2023]
    assert year_2023 is not None and any(year_2023[0])  # the old books' cash, month by month
    assert _monthly(after, 2024)[2023] == year_2023
    assert _monthly(after, 2024)[2024][0] == [year_2023[0][-1]] * 12  # carried over, nothing posted


def test_migration_0020_links_a_conversion_made_before_it_from_the_audit_rows(old_books, accountant):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("villagebooks.ledger.migrations.0021_ledger_continues")
    new = conversion.ledger_convert(
        actor=accountant, ledger_code="HT55A", year=2023, new_code="HT55B", decisions=DECISIONS
    )
    Ledger.objects.filter(pk=new.pk).update(continues=None)  # as converted before 0020
    migration.links_from_audit(apps, None)
    new.refresh_from_db()
    assert new.continues_id == old_books.pk
    old_books.refresh_from_db()
    assert old_books.continues_id is None
    migration.links_from_audit(apps, None)  # twice: the same link
    assert Ledger.objects.filter(continues__isnull=False).count() == 1


@pytest.mark.parametrize("region_code", ["510781100000", "510781000000"])
@pytest.mark.parametrize("chart", ["2023", "2004"])
def test_a_whole_regions_scope_equals_its_ledgers_listed_one_by_one(
    old_books, accountant, monkeypatch, region_code, chart
):
    """A user who sees every ledger of a region gets its scope from one grouped query, the ids
    listed only when read (``RegionLedgerIds``): the same scope, field by field, as the ledgers of
    the region listed one by one, in every year around a conversion (新旧衔接)."""
    from dataclasses import fields

    from villagebooks.reports import scope as scopes

    conversion.ledger_convert(
        actor=accountant, ledger_code="HT55A", year=2023, new_code="HT55B", decisions=DECISIONS
    )

    def scope_of(year: int):
        try:
            return scopes.scope_for_region(
                user=accountant,
                region_code=region_code,
                from_key=year * 100 + 1,
                to_key=year * 100 + 12,
                chart=chart,
            )
        except NotPermitted as error:
            return str(error.problems[0].message)

    for year in (2022, 2023, 2024, 2025):
        whole = scope_of(year)
        with monkeypatch.context() as patched:
            patched.setattr(scopes, "can_in_region", lambda *args: False)
            listed = scope_of(year)
        if isinstance(listed, str):
            assert whole == listed
            continue
        assert whole.rollup_region is not None
        for field in fields(listed):
            assert getattr(whole, field.name) == getattr(listed, field.name), (year, field.name)
        for ids in ("ledger_ids", "mapped_ledger_ids"):
            assert len(getattr(whole, ids)) == len(getattr(listed, ids))
            assert tuple(getattr(whole, ids)) == getattr(listed, ids)
        assert whole.composition == listed.composition and whole.title == listed.title


def test_already_converted_is_decided_by_the_link_not_by_the_audit_rows(old_books, accountant):
    """``Ledger.continues`` says which ledger continues which: a link without audit rows (written
    by a loader or by hand) refuses a second conversion; audit rows without a link do not."""
    linked = services.ledger_create(
        actor=accountant,
        village_code="510781100201",
        code="HT55C",
        name="黑滩村集体经济组织（手工接续）",
        chart="2023",
        start_year=2024,
        start_month=1,
    )
    Ledger.objects.filter(pk=linked.pk).update(continues=old_books)
    assert not AuditEntry.objects.filter(action="ledger_convert").exists()
    with pytest.raises(DomainError, match="已转换为新账套 HT55C"):
        conversion.conversion_plan(
            user=accountant, ledger_code="HT55A", year=2023, new_code="HT55Z", decisions=DECISIONS
        )
    Ledger.objects.filter(pk=linked.pk).update(continues=None)
    new = conversion.ledger_convert(
        actor=accountant, ledger_code="HT55A", year=2023, new_code="HT55B", decisions=DECISIONS
    )
    made = conversion.conversion_plan(  # the plan of the conversion made, for its report, still reads
        user=accountant, ledger_code="HT55A", year=2023, new_code="HT55B", decisions=DECISIONS, made=True
    )
    assert not made.problems
    Ledger.objects.filter(pk=new.pk).update(continues=None)  # the link gone, the audit rows kept
    plan = conversion.conversion_plan(
        user=accountant, ledger_code="HT55A", year=2023, new_code="HT55Z", decisions=DECISIONS
    )
    assert not plan.problems


def test_the_dashboard_counts_a_converted_village_once(old_books, accountant):
    from villagebooks.reports.dashboard import build_dashboard

    conversion.ledger_convert(
        actor=accountant, ledger_code="HT55A", year=2023, new_code="HT55B", decisions=DECISIONS
    )
    for year in (2023, 2024):
        scope, _sheet = _township_sheet(accountant, year)
        assert build_dashboard(scope, user=accountant).villages == 1


def test_the_old_ledger_takes_no_voucher_and_closes_no_month_from_the_new_ones_start(
    old_books, accountant, reviewer
):
    """From the new ledger's start the regions count the new ledger, so a voucher or a month
    close there in the old one would be left out of every figure: both are refused, naming the
    new ledger, and nothing is written."""
    from villagebooks.ledger.domain.vouchers import LineInput
    from villagebooks.ledger.models import Period, PeriodStatus, Voucher

    conversion.ledger_convert(
        actor=accountant, ledger_code="HT55A", year=2023, new_code="HT55B", decisions=DECISIONS
    )
    new = Ledger.objects.get(code="HT55B")
    assert (new.start_year, new.start_month) == (2024, 1)
    old = Ledger.objects.get(code="HT55A")
    lines = [LineInput("收到租金", "102", debit_fen=10_000), LineInput("收到租金", "501", credit_fen=10_000)]
    vouchers_before = Voucher.objects.filter(ledger=old).count()
    with pytest.raises(
        DomainError, match="本账套自 2024-01 起已转入新账套 HT55B，2024-02-03 的凭证请在新账套中录入"
    ) as refused:
        services.voucher_create(actor=accountant, ledger=old, date=date(2024, 2, 3), lines=lines)
    assert [problem.field for problem in refused.value.problems] == ["date"]
    assert Voucher.objects.filter(ledger=old).count() == vouchers_before
    # The new ledger takes it.
    services.voucher_create(actor=accountant, ledger=new, date=date(2024, 2, 3), lines=lines)
    # A month of the old ledger's from the new start, if it has one, is not closed there.
    period = Period.objects.filter(ledger=old, year=2024, month=1).first()
    assert period is not None  # opened by the year close
    with pytest.raises(DomainError) as close_refused:
        services.period_close(actor=accountant, ledger=old, year=2024, month=1)
    if period is not None:
        assert "由新账套结账" in str(close_refused.value)
        period.refresh_from_db()
        assert period.status != PeriodStatus.CLOSED


def test_an_import_into_the_old_ledger_from_the_new_start_is_refused_at_its_row(
    old_books, accountant, tmp_path
):
    from villagebooks.ledger.models import Voucher
    from villagebooks.ledger.tests.importing.support import HEADER, command_fails

    conversion.ledger_convert(
        actor=accountant, ledger_code="HT55A", year=2023, new_code="HT55B", decisions=DECISIONS
    )
    path = tmp_path / "vouchers.csv"
    path.write_text(
        f"{HEADER}\nHT55A,J-1,2024-02-03,收到租金,102,100.00,,,\nHT55A,J-1,2024-02-03,收到租金,501,,100.00,,\n",
        encoding="utf-8",
    )
    vouchers_before = Voucher.objects.count()
    problems = "\n".join(command_fails("import_vouchers", path, "--post", "--user", "accountant"))
    assert "第2行 日期：本账套自 2024-01 起已转入新账套 HT55B，2024-02-03 的凭证请在新账套中录入" in problems
    assert Voucher.objects.count() == vouchers_before
