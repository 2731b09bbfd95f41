"""Ledger migration 0017: a 2004 ledger made before the chart gained 161 无形资产 and 241 专项应付款
gets them (241 asking for its fund); one that has them keeps its own; reversing removes only the
unused ones."""

import importlib

import pytest
from django.apps import apps

from villagebooks.ledger import services
from villagebooks.ledger.models import Account

migration = importlib.import_module(
    "villagebooks.ledger.migrations.0017_chart_2004_intangibles_and_earmarked"
)


@pytest.fixture
def old_ledger(region_tree, accountant):
    ledger = services.ledger_create(
        actor=accountant,
        village_code="510781100201",
        code="HT55M",
        name="黑滩村（2004制度）",
        chart="2004",
        start_year=2024,
        start_month=1,
    )
    Account.objects.filter(ledger=ledger, code__in=["161", "241"]).delete()  # as made before 0017
    return ledger


def test_an_old_2004_ledger_gains_161_and_241(old_ledger, ledger):
    Account.objects.filter(ledger=old_ledger, code="161").delete()
    migration.add_accounts(apps, None)
    added = {a.code: a for a in Account.objects.filter(ledger=old_ledger, code__in=["161", "241"])}
    assert added["161"].name == "无形资产" and not added["161"].requires_fund
    assert added["241"].name == "专项应付款" and added["241"].requires_fund and added["241"].level == 1
    assert Account.objects.filter(ledger=ledger, code="241").count() == 1  # a 2023 ledger: unchanged
    migration.add_accounts(apps, None)  # run twice: nothing doubled
    assert Account.objects.filter(ledger=old_ledger, code__in=["161", "241"]).count() == 2


def test_reversing_removes_only_the_unused(old_ledger, accountant):
    migration.add_accounts(apps, None)
    services.account_add(
        actor=accountant, ledger=old_ledger, parent_code="241", code="24101", name="道路补助"
    )
    migration.remove_unused(apps, None)
    assert set(
        Account.objects.filter(ledger=old_ledger, code__in=["161", "241"]).values_list("code", flat=True)
    ) == {"241"}
