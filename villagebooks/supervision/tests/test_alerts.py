"""The rules on hand-written books, the ``alerts`` and ``alert-thresholds`` commands, and who may
see what."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.ledger import services as ledger_services
from villagebooks.ledger.tests.books import post
from villagebooks.supervision.models import ThresholdSetting
from villagebooks.supervision.rules import Scope, check_cash_over_limit, check_split_payment
from villagebooks.supervision.services import CSV_COLUMNS, alerts_list
from villagebooks.supervision.thresholds import threshold_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(ledger, accountant, reviewer):
    ledger_services.counterparty_create(
        actor=accountant, ledger=ledger, name="李四五金店", kind="organisation"
    )
    return post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-02 购材料
          借 513 管理费用   4200.00  party=张三
          贷 102 银行存款   4200.00
        2025-03-20 购材料
          借 513 管理费用   4300.00  party=张三
          贷 102 银行存款   4300.00
        2025-03-30 购材料
          借 513 管理费用   4100.00  party=张三
          贷 101 库存现金   4100.00
        2025-05-01 五金
          借 513 管理费用   3000.00  party=李四五金店
          贷 102 银行存款   3000.00
        2025-06-10 五金
          借 513 管理费用   3000.00  party=李四五金店
          贷 101 库存现金   1000.00
          贷 102 银行存款   2000.00
        """,
    )


def _scope(ledger):
    ledger.refresh_from_db()
    return Scope.of([ledger], (2025, 1), (2025, 12))


def test_split_payment_one_alert_per_group_with_every_voucher(books, ledger):
    alerts = check_split_payment(_scope(ledger))
    assert len(alerts) == 1  # 李四五金店: 40 days apart, no alert
    alert = alerts[0]
    assert [v.id for v in alert.vouchers] == [v.pk for v in books[:3]]
    assert alert.amount_fen == 12_600_00
    assert alert.evidence == "30 天内向 张三 付款 3 笔，每笔低于 5,000.00 元审批线，合计 12,600.00 元。"


def test_cash_over_limit_not_at_exactly_the_limit(books, ledger):
    alerts = check_cash_over_limit(_scope(ledger))
    assert [a.vouchers[0].id for a in alerts] == [books[2].pk]  # 4,100.00; the 1,000.00 line is not over


def test_threshold_set_by_county_changes_the_rule_and_is_recorded(books, ledger, region_tree, make_user):
    county = make_user("county-officer", "county", region_tree["510781000000"])
    threshold_set(
        actor=county, rule="cash_over_limit", name="cash_limit", value="5000", region_code="510781000000"
    )
    assert check_cash_over_limit(_scope(ledger)) == []
    setting = ThresholdSetting.objects.get()
    assert (setting.changed_by, setting.value) == (county, "5000")
    threshold_set(
        actor=county, rule="split_payment", name="approval_limit", value="20000", region_code="510781000000"
    )
    assert check_split_payment(_scope(ledger)) == []


@pytest.mark.parametrize(
    ("rule", "name", "value"),
    [
        ("cash_over_limit", "cash_limit", "abc"),
        ("cash_over_limit", "nope", "1"),
        ("split_payment", "window_days", "0"),
    ],
)
def test_bad_threshold_refused_and_nothing_recorded(region_tree, rule, name, value):
    from villagebooks.regions.services import system_user

    with pytest.raises(DomainError):
        threshold_set(actor=system_user(), rule=rule, name=name, value=value, region_code="510781000000")
    assert not ThresholdSetting.objects.exists()


def test_accountant_cannot_set_thresholds(accountant, region_tree):
    with pytest.raises(NotPermitted):
        threshold_set(
            actor=accountant, rule="cash_over_limit", name="cash_limit", value="1", region_code="510781100000"
        )


def test_alerts_csv_columns(books, ledger, tmp_path):
    target = tmp_path / "alerts.csv"
    call_command("alerts", "--ledger", "HT01", "--from", "2025-01", "--to", "2025-12", "--format", "csv",
                 "--output", str(target), stderr=io.StringIO())  # fmt: skip
    rows = list(csv.reader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == CSV_COLUMNS
    split = [r for r in rows[1:] if r[0] == "split_payment"]
    assert split[0][1:3] == ["HT01", "2025-03"]
    assert split[0][4] == ";".join(str(v.number) for v in books[:3])
    assert split[0][7] == "12600.00"


def test_alerts_command_bad_input(books):
    with pytest.raises(CommandError, match="月份"):
        call_command("alerts", "--ledger", "HT01", "--from", "2025-13", "--to", "2025-12")
    with pytest.raises(CommandError, match="规则"):
        call_command("alerts", "--ledger", "HT01", "--from", "2025-01", "--to", "2025-12", "--rule", "nope")
    with pytest.raises(CommandError, match="晚于"):
        call_command("alerts", "--ledger", "HT01", "--from", "2025-12", "--to", "2025-01")


def test_supervisor_of_another_township_sees_nothing(books, region_tree, make_user):
    outsider = make_user("outsider", "supervisor", region_tree["510781101000"])  # 武都镇
    with pytest.raises(DomainError, match="不存在"):
        alerts_list(actor=outsider, ledger_code="HT01", first="2025-01", last="2025-12")
    with pytest.raises(DomainError, match="不存在"):
        alerts_list(actor=outsider, region_code="510781100000", first="2025-01", last="2025-12")
    insider = make_user("insider", "supervisor", region_tree["510781100000"])
    result = alerts_list(actor=insider, region_code="510781100000", first="2025-01", last="2025-12")
    assert {a.rule for a in result.alerts} >= {"split_payment", "cash_over_limit"}


def test_reporter_may_not_list_alerts(books, region_tree, make_user):
    reporter = make_user("reporter", "reporter", region_tree["510781100201"])
    with pytest.raises(NotPermitted):
        alerts_list(actor=reporter, ledger_code="HT01", first="2025-01", last="2025-12")


def test_thresholds_show(region_tree):
    out = io.StringIO()
    call_command("alert-thresholds".replace("-", "_"), "show", stdout=out)
    assert "split_payment.approval_limit = 5000.00（默认）" in out.getvalue()


def test_backdated_entry_flags_a_voucher_posted_into_a_reopened_month(
    ledger, accountant, reviewer, manager, region_tree, make_user
):
    from villagebooks.supervision.rules import check_backdated_entry

    # The books of 2025 are entered today: the lag part of the rule is set out of the way.
    county = make_user("county-officer", "county", region_tree["510781000000"])
    threshold_set(
        actor=county, rule="backdated_entry", name="max_lag_days", value="3650", region_code="510781000000"
    )

    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-01-05 收到租金
          借 102 银行存款   20000.00
          贷 501 经营收入   20000.00
        2025-03-02 提取现金
          借 101 库存现金   3000.00
          贷 102 银行存款   3000.00
        """,
    )
    for month in (1, 2, 3):
        ledger_services.period_close(actor=accountant, ledger=ledger, year=2025, month=month)
    assert check_backdated_entry(_scope(ledger)) == []  # posted before March was closed: no alert
    ledger_services.period_reopen(actor=manager, ledger=ledger, year=2025, month=3, reason="补记漏记费用")
    assert check_backdated_entry(_scope(ledger)) == []  # reopened, nothing posted into it yet
    (late,) = post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-31 补记费用
          借 513 管理费用   800.00
          贷 101 库存现金   800.00
        """,
    )
    alerts = check_backdated_entry(_scope(ledger))
    assert [[v.id for v in a.vouchers] for a in alerts] == [[late.pk]]
    assert alerts[0].period == "2025-03" and "2025-03 月已结账" in alerts[0].evidence
    assert "反结账后" in alerts[0].evidence


def test_the_review_desk_shows_a_voucher_its_split_payment_with_the_other_payments(books, ledger):
    from villagebooks.regions.services import system_user
    from villagebooks.supervision.services import voucher_alerts

    ledger.refresh_from_db()
    middle = books[1]
    middle.refresh_from_db()
    alerts = voucher_alerts(actor=system_user(), voucher=middle)
    split = [a for a in alerts if a.rule == "split_payment"]
    assert [[v.id for v in a.vouchers] for a in split] == [[v.pk for v in books[:3]]]
    hardware = books[3]
    hardware.refresh_from_db()
    assert [
        a.rule for a in voucher_alerts(actor=system_user(), voucher=hardware) if a.rule == "split_payment"
    ] == []
