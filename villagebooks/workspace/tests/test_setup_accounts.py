"""The chart-of-accounts page: the tree, and adding, renaming, disabling and enabling sub-accounts."""

import pytest

from villagebooks.common.models import AuditEntry
from villagebooks.ledger import services
from villagebooks.ledger.models import Account
from villagebooks.ledger.tests.books import post
from villagebooks.workspace.tests import setup_support
from villagebooks.workspace.tests.setup_support import queries_of, rows, text

outsider, supervisor = setup_support.outsider, setup_support.supervisor  # fixtures

URL = "/ledgers/HT01/accounts/"


@pytest.fixture
def office(ledger, accountant):
    return services.account_add(
        actor=accountant, ledger=ledger, parent_code="513", code="51301", name="办公费"
    )


def _names(ledger):
    return dict(Account.objects.filter(ledger=ledger).values_list("code", "name"))


def test_the_chart_shows_codes_names_category_side_dimensions_and_state(client, ledger, accountant, office):
    client.force_login(accountant)
    response = client.get(URL)
    assert response.status_code == 200
    table = rows(response)
    # Columns: code, name, category, side, dimensions, state, actions.
    assert table["101"][:6] == ["101", "库存现金", "资产类", "借", "", "启用"]
    assert table["133"][:6] == ["133", "生产性生物资产累计折旧", "资产类", "贷", "", "启用"]
    assert table["241"][:6] == ["241", "专项应付款", "负债类", "贷", "资金来源", "启用"]
    assert table["112"][:6] == ["112", "应收款", "资产类", "借", "往来单位", "启用"]
    assert table["513"][:6] == ["513", "管理费用", "支出类", "借", "", "启用"]
    assert table["51301"][:6] == ["51301", "办公费", "支出类", "借", "", "启用"]
    assert table["32201"][:6] == ["32201", "未分配收益", "所有者权益类", "贷", "", "启用"]
    # 42 level-1 accounts of the 2023 chart, 收益分配's two sub-accounts and 办公费, in code order.
    assert len(table) == 45
    assert list(table).index("513") + 1 == list(table).index("51301")
    html = response.content.decode()
    assert 'class="level-2" data-code="51301"' in html
    # Disabling is offered for the new sub-account, not for the accounts the year close posts to.
    assert 'action="/ledgers/HT01/accounts/51301/active/"' in html
    assert 'action="/ledgers/HT01/accounts/32201/active/"' not in html
    assert "增加明细科目" in html


def test_adding_a_sub_account_proposes_the_next_code_and_saves_it(client, ledger, accountant, office):
    client.force_login(accountant)
    form = client.get(URL + "?parent=513").context["add_form"]
    assert form.initial == {"parent": "513", "code": "51302"}

    response = client.post(URL + "add/", {"parent": "513", "code": "51302", "name": " 差旅费 "})
    assert response.status_code == 302
    assert response["Location"] == "/ledgers/HT01/accounts/#account-51302"
    account = Account.objects.get(ledger=ledger, code="51302")
    assert (account.name, account.level, account.parent.code, account.is_leaf) == ("差旅费", 2, "513", True)
    page = client.get(URL)
    assert "已增加科目 51302 差旅费" in text(page)
    assert rows(page)["51302"][:2] == ["51302", "差旅费"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"parent": "513", "code": "51301", "name": "杂费"}, "code", "科目编码 51301 已存在"),
        ({"parent": "513", "code": "51302", "name": "  "}, "name", "请填写名称"),
        (
            {"parent": "513", "code": "52101", "name": "杂费"},
            "code",
            "下级科目编码必须以上级科目编码 513 开头，并多2到3位数字",
        ),
        ({"parent": "999", "code": "99901", "name": "杂费"}, "parent", "科目 999 不存在于本账套"),
        ({"parent": "", "code": "51302", "name": "杂费"}, "parent", "请选择上级科目"),
        ({"parent": "513", "code": "51302", "name": "费" * 101}, "name", "名称不能超过 100 个字"),
    ],
)
def test_bad_sub_accounts_are_refused_at_their_field(
    client, ledger, accountant, office, data, field, message
):
    client.force_login(accountant)
    before = _names(ledger)
    response = client.post(URL + "add/", data)
    assert response.status_code == 400
    assert response.context["add_form"].errors == {field: [message]}
    assert message in text(response)
    assert _names(ledger) == before


def test_a_leaf_with_postings_cannot_take_sub_accounts(client, ledger, accountant, reviewer, office):
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-20 购买办公用品
          借 51301 办公费      100.00
          贷 102 银行存款      100.00
    """,
    )
    client.force_login(accountant)
    response = client.post(URL + "add/", {"parent": "51301", "code": "5130101", "name": "纸张"})
    assert response.status_code == 400
    assert response.context["add_form"].errors == {
        "parent": ["科目 51301 已有记账数据或期初余额，不能再增加下级科目"]
    }
    page = client.get(URL)
    parents = [code for code, _label, _next in page.context["parents"]]
    assert "51301" not in parents and "513" in parents
    # Neither renaming nor disabling is offered for it.
    assert rows(page)["51301"][5] == "启用 已记账"
    assert 'action="/ledgers/HT01/accounts/51301/rename/"' not in page.content.decode()


def test_renaming_a_sub_account(client, ledger, accountant, office):
    client.force_login(accountant)
    response = client.post(URL + "51301/rename/", {"name": "办公用品费"})
    assert response.status_code == 302 and response["Location"] == "/ledgers/HT01/accounts/#account-51301"
    assert _names(ledger)["51301"] == "办公用品费"
    assert "科目 51301 已改名为“办公用品费”" in text(client.get(URL))


@pytest.mark.parametrize(
    ("code", "name", "message"),
    [
        ("51301", "", "请填写名称"),
        ("513", "管理费", "一级科目 513 由会计制度规定，不能改名"),
        ("51399", "杂费", "科目 51399 不存在于本账套"),
    ],
)
def test_bad_renames_are_shown_in_the_row_and_change_nothing(
    client, ledger, accountant, office, code, name, message
):
    client.force_login(accountant)
    before = _names(ledger)
    response = client.post(f"{URL}{code}/rename/", {"name": name})
    assert response.status_code == 400
    assert response.context["rename_code"] == code
    assert message in text(response)
    assert _names(ledger) == before
    if code == "51301":  # its row opens again with the form and the message under it
        assert "<details open>" in response.content.decode()
        assert rows(response)["51301"][6] == f"增加下级 改名 科目 51301 的新名称 保存 停用 {message}"


def test_disabling_and_enabling_a_sub_account(client, ledger, accountant, office):
    client.force_login(accountant)
    response = client.post(URL + "51301/active/", {"active": "0"})
    assert response.status_code == 302
    assert Account.objects.get(ledger=ledger, code="51301").is_active is False
    page = client.get(URL)
    assert "科目 51301 已停用" in text(page)
    assert rows(page)["51301"][5] == "停用"
    assert "其中停用 1 个" in text(page)
    assert "51301" not in [code for code, _label, _next in page.context["parents"]]

    client.post(URL + "51301/active/", {"active": "1"})
    assert Account.objects.get(ledger=ledger, code="51301").is_active is True
    assert [e.action for e in AuditEntry.objects.filter(ledger_id=ledger.pk).order_by("id")][-2:] == [
        "account_disable",
        "account_enable",
    ]


def test_a_refused_disable_says_why_in_its_row(client, ledger, accountant, office):
    services.account_add(actor=accountant, ledger=ledger, parent_code="51301", code="5130101", name="纸张")
    client.force_login(accountant)
    response = client.post(URL + "51301/active/", {"active": "0"})
    assert response.status_code == 400
    assert rows(response)["51301"][6].endswith("科目 51301 有下级科目，不能停用")
    assert Account.objects.get(ledger=ledger, code="51301").is_active is True


def test_viewers_see_the_chart_without_forms_and_cannot_change_it(
    client, ledger, office, reviewer, supervisor
):
    for user in (reviewer, supervisor):
        client.force_login(user)
        page = client.get(URL)
        assert page.status_code == 200
        assert rows(page)["51301"] == ["51301", "办公费", "支出类", "借", "", "启用"]
        assert "增加明细科目" not in page.content.decode()
        for path, data in (
            ("add/", {"parent": "513", "code": "51302", "name": "差旅费"}),
            ("51301/rename/", {"name": "杂费"}),
            ("51301/active/", {"active": "0"}),
        ):
            response = client.post(URL + path, data)
            assert response.status_code == 403
            assert "您没有权限对账套“黑滩村股份经济合作联合社”执行此操作" in text(response)
    account = Account.objects.get(ledger=ledger, code="51301")
    assert (account.name, account.is_active) == ("办公费", True)
    assert not Account.objects.filter(ledger=ledger, code="51302").exists()


def test_another_townships_accountant_gets_404_and_changes_nothing(client, ledger, office, outsider):
    client.force_login(outsider)
    assert client.get(URL).status_code == 404
    response = client.post(URL + "add/", {"parent": "513", "code": "51302", "name": "差旅费"})
    assert response.status_code == 404
    assert "账套 HT01 不存在或您无权查看" in text(response)
    assert client.post(URL + "51301/rename/", {"name": "杂费"}).status_code == 404
    assert _names(ledger)["51301"] == "办公费" and "51302" not in _names(ledger)


def test_anonymous_users_are_sent_to_log_in(client, ledger):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_the_chart_page_costs_the_same_queries_whatever_the_number_of_accounts(client, ledger, accountant):
    client.force_login(accountant)
    few = queries_of(client, URL)
    for number in range(1, 21):
        services.account_add(
            actor=accountant, ledger=ledger, parent_code="513", code=f"513{number:02d}", name=f"费用{number}"
        )
    assert queries_of(client, URL) == few
