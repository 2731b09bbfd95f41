"""``villagebooks add-user`` and ``villagebooks import-users``: what an administrator types and reads."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from villagebooks.regions.models import RoleAssignment
from villagebooks.regions.tests.conftest import (
    HEITAN,
    STRONG_PASSWORD,
    TOWNSHIP,
    WUDU,
    villagebooks_process,
)

pytestmark = pytest.mark.django_db
User = get_user_model()


def run(*args, stdin=None) -> str:
    out = io.StringIO()
    options = {"stdout": out} | ({"stdin": stdin} if stdin is not None else {})
    call_command(*args, **options)
    return out.getvalue()


def roles_of(username: str) -> list[tuple]:
    return list(
        RoleAssignment.objects.filter(user__username=username)
        .order_by("id")
        .values_list("role", "region__code", "ledger_id")
    )


# add-user ---------------------------------------------------------------------------------------


def test_add_user_without_a_password_says_how_to_set_one(region_tree):
    output = run("add_user", "zhang", "--role", "accountant", "--region", TOWNSHIP, "--full-name", "张三")

    assert output.splitlines() == [
        "已新建用户 zhang：授予“代理会计”角色，范围：新安镇(510781100000)",
        "用户 zhang 尚未设置密码，还不能登录；请运行：villagebooks changepassword zhang",
    ]
    user = User.objects.get(username="zhang")
    assert user.first_name == "张三" and not user.has_usable_password()


def test_add_user_reads_one_line_of_stdin_as_the_password(ledger, client):
    output = run(
        "add_user", "li", "--role", "reporter", "--ledger", "HT01", "--password-stdin",
        stdin=io.StringIO(STRONG_PASSWORD + "\nnot-the-password\n"),
    )  # fmt: skip

    assert output.splitlines() == ["已新建用户 li：授予“村报账员”角色，范围：黑滩村股份经济合作联合社(HT01)"]
    assert roles_of("li") == [("reporter", HEITAN, ledger.pk)]
    response = client.post("/login/", {"username": "li", "password": STRONG_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"


def test_add_user_again_adds_a_role_at_another_place(region_tree):
    run("add_user", "zhang", "--role", "accountant", "--region", TOWNSHIP)

    output = run("add_user", "zhang", "--role", "supervisor", "--region", WUDU)

    assert output.splitlines() == ["已为用户 zhang：授予“监督员”角色，范围：武都镇(510781101000)"]
    assert roles_of("zhang") == [("accountant", TOWNSHIP, None), ("supervisor", WUDU, None)]


@pytest.mark.parametrize(
    ("stdin", "message"), [("", "password: 未从标准输入读到密码"), ("\n", "password: 密码不能为空")]
)
def test_add_user_refuses_an_empty_password_on_stdin(region_tree, stdin, message):
    with pytest.raises(CommandError) as error:
        run(
            "add_user",
            "zhang",
            "--role",
            "accountant",
            "--region",
            TOWNSHIP,
            "--password-stdin",
            stdin=io.StringIO(stdin),
        )
    assert str(error.value) == message
    assert not User.objects.filter(username="zhang").exists()


def test_add_user_says_what_is_wrong_with_a_weak_password(region_tree):
    with pytest.raises(CommandError) as error:
        run(
            "add_user", "zhang", "--role", "accountant", "--region", TOWNSHIP, "--password-stdin",
            stdin=io.StringIO("12345\n"),
        )  # fmt: skip
    assert str(error.value).splitlines() == [
        "password: 密码太短，至少需要 8 个字符。",
        "password: 这个密码太常见了。",
        "password: 密码只包含数字。",
    ]
    assert not User.objects.filter(username="zhang").exists()


def test_add_user_needs_exactly_one_place(region_tree):
    with pytest.raises(CommandError) as neither:
        run("add_user", "zhang", "--role", "accountant")
    with pytest.raises(CommandError) as both:
        run("add_user", "zhang", "--role", "accountant", "--region", TOWNSHIP, "--ledger", "HT01")
    assert "one of the arguments --region --ledger is required" in str(neither.value)
    assert "not allowed with argument" in str(both.value)


def test_add_user_as_a_township_admin_outside_the_township_is_refused(township_admin):
    with pytest.raises(CommandError) as error:
        run("add_user", "zhang", "--role", "accountant", "--region", WUDU, "--user", "township-admin")
    assert str(error.value) == "region: 您没有权限为“武都镇”的用户授权"
    assert not User.objects.filter(username="zhang").exists()


def test_add_user_as_an_accountant_is_refused(accountant):
    with pytest.raises(CommandError) as error:
        run("add_user", "zhang", "--role", "reporter", "--region", HEITAN, "--user", "accountant")
    assert str(error.value) == "您没有管理用户的权限"


def test_the_console_command_as_an_operator_types_it(tmp_path):
    """``villagebooks add-user`` in a shell, the password piped in, on a database of its own."""
    (tmp_path / "regions.csv").write_text(
        f"code,name,parent_code,kind\n510781000000,江油市,,county\n{TOWNSHIP},新安镇,510781000000,township\n",
        encoding="utf-8",
    )
    assert villagebooks_process("migrate", "-v", "0", home=tmp_path).returncode == 0
    assert villagebooks_process("import-regions", "regions.csv", home=tmp_path).returncode == 0
    add = ["add-user", "zhang", "--role", "accountant", "--region", TOWNSHIP, "--password-stdin"]

    first = villagebooks_process(*add, home=tmp_path, stdin=STRONG_PASSWORD + "\n")
    again = villagebooks_process(*add, home=tmp_path, stdin=STRONG_PASSWORD + "\n")

    assert (first.returncode, first.stdout, first.stderr) == (
        0,
        "已新建用户 zhang：授予“代理会计”角色，范围：新安镇(510781100000)\n",
        "",
    )
    assert again.returncode == 1
    assert again.stderr == (
        "CommandError: role: 用户 zhang 已在“新安镇(510781100000)”拥有角色“代理会计”\n"
        "password: 用户 zhang 已存在，不能在此修改密码（请用 villagebooks changepassword zhang）\n"
    )


# import-users -----------------------------------------------------------------------------------

COUNTY_FILE = f"""username,role,region,ledger,full_name,password
zhang,accountant,{TOWNSHIP},,张三,{STRONG_PASSWORD}
zhang,代理会计,{WUDU},,,
li,reporter,,HT01,李四,
wang,county,510781000000,,王五,Wang-wu-2025!
,,,,,
"""


def test_import_users_from_a_gbk_file(ledger, tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes(COUNTY_FILE.encode("gbk"))

    output = run("import_users", str(path))

    assert output.splitlines() == [
        "用户导入完成：新建用户 3 个，授予角色 4 个",
        "以下用户尚未设置密码，还不能登录；请逐个运行 villagebooks changepassword 用户名：li",
        "文件中的密码已生效：请删除该文件，或把它保管在他人无法读取的地方",
    ]
    assert roles_of("zhang") == [("accountant", TOWNSHIP, None), ("accountant", WUDU, None)]
    assert roles_of("li") == [("reporter", HEITAN, ledger.pk)]
    assert roles_of("wang") == [("county", "510781000000", None)]
    users = {u.username: u for u in User.objects.filter(username__in=["zhang", "li", "wang"])}
    assert {name: u.first_name for name, u in users.items()} == {
        "zhang": "张三",
        "li": "李四",
        "wang": "王五",
    }
    assert users["zhang"].check_password(STRONG_PASSWORD)
    assert users["wang"].check_password("Wang-wu-2025!")
    assert not users["li"].has_usable_password()


def test_import_users_from_utf8_with_bom_and_only_region_columns(region_tree, tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes(f"username,role,region\nzhao,reviewer,{TOWNSHIP}\n".encode("utf-8-sig"))

    output = run("import_users", str(path))

    assert output.splitlines() == [
        "用户导入完成：新建用户 1 个，授予角色 1 个",
        "以下用户尚未设置密码，还不能登录；请逐个运行 villagebooks changepassword 用户名：zhao",
    ]


def test_import_users_from_a_workbook_with_chinese_headers(ledger, tmp_path):
    # The county office keeps its list in Excel: numbers as cells (a region code, a numeric
    # password) are read as the text shown, and the header may be written in Chinese.
    workbook = Workbook()
    workbook.active.append(["用户名", "角色", "行政区划", "账套", "姓名", "密码"])
    workbook.active.append(["zhang", "代理会计", int(TOWNSHIP), None, "张三", STRONG_PASSWORD])
    workbook.active.append(["li", "reporter", None, "HT01", "李四", None])
    path = tmp_path / "users.xlsx"
    workbook.save(path)

    output = run("import_users", str(path))

    assert output.splitlines()[0] == "用户导入完成：新建用户 2 个，授予角色 2 个"
    assert roles_of("zhang") == [("accountant", TOWNSHIP, None)]
    assert roles_of("li") == [("reporter", HEITAN, ledger.pk)]
    assert User.objects.get(username="zhang").check_password(STRONG_PASSWORD)


def test_import_users_refuses_a_file_that_is_no_table(region_tree, tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes("username,role,region\n".encode("utf-16"))
    with pytest.raises(CommandError) as error:
        run("import_users", str(path))
    assert str(error.value) == "file: 文件是 UTF-16 编码，请另存为 UTF-8 或 GBK 编码的 CSV"
    assert not User.objects.filter(username="zhang").exists()


def test_import_users_reports_every_bad_row_and_changes_nothing(ledger, tmp_path):
    run("add_user", "zhang", "--role", "accountant", "--region", TOWNSHIP, "--full-name", "张三")
    users_before, roles_before = User.objects.count(), RoleAssignment.objects.count()
    path = tmp_path / "users.csv"
    path.write_text(
        "username,role,region,ledger,full_name,password\n"
        f"good,accountant,{WUDU},,好人,\n"  # 2: fine on its own
        f"zhang,accountant,{TOWNSHIP},,,\n"  # 3: already held
        f"zhang,reviewer,{WUDU},,张叁,\n"  # 4: another name for an existing user
        f"bad name,boss,{TOWNSHIP},,,\n"  # 5: username and role
        ",reporter,,,,\n"  # 6: no username, no place
        "li,reporter,510781999999,,,\n"  # 7: unknown region
        "li,reporter,,ZZ01,,\n"  # 8: unknown ledger
        "li,county,,HT01,,\n"  # 9: a region role on a ledger
        f"new,reviewer,{HEITAN},,新人,short\n"  # 10: weak password
        f"new,reviewer,{HEITAN},,,\n"  # 11: the same role again
        f"new,reporter,{HEITAN},,旧人,\n"  # 12: another name for the same new user
        f"good,reviewer,{WUDU},,,x,extra\n",  # 13: more cells than columns
        encoding="utf-8",
    )

    with pytest.raises(CommandError) as error:
        run("import_users", str(path))

    assert str(error.value).splitlines() == ["第13行 本行的列数多于表头"]
    path.write_text(path.read_text(encoding="utf-8").rsplit("good,reviewer", 1)[0], encoding="utf-8")

    with pytest.raises(CommandError) as error:
        run("import_users", str(path))

    assert str(error.value).splitlines() == [
        "第3行 role: 用户 zhang 已在“新安镇(510781100000)”拥有角色“代理会计”",
        "第4行 full_name: 用户 zhang 已存在且姓名不同，请确认是否为同一人",
        "第5行 username: 用户名只能包含字母、数字、汉字和 @ . + - _，最长150个字符",
        "第5行 role: 未知角色“boss”，应为 admin、county、agency-manager、accountant、reviewer、reporter、supervisor 之一",
        "第6行 username: 用户名不能为空",
        "第6行 region: 请填写 region（行政区划代码）或 ledger（账套编号）之一",
        "第7行 region: 行政区划 510781999999 不存在",
        "第8行 ledger: 账套 ZZ01 不存在",
        "第9行 ledger: “县级主管部门”角色只能授予在行政区划上，不能授予在单个账套上",
        "第10行 password: 密码太短，至少需要 8 个字符。",
        "第11行 username: 与第10行重复",
        "第12行 full_name: 同一用户的姓名与第10行不同",
    ]
    assert (User.objects.count(), RoleAssignment.objects.count()) == (users_before, roles_before)


def test_import_users_refuses_two_passwords_for_one_new_user(region_tree, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text(
        "username,role,region,password\n"
        f"zhang,accountant,{TOWNSHIP},{STRONG_PASSWORD}\n"
        f"zhang,reviewer,{WUDU},Another-pass-2025\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as error:
        run("import_users", str(path))
    assert str(error.value) == "第3行 password: 同一用户的密码与第2行不同"
    assert not User.objects.filter(username="zhang").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,role,region\n", "header: 缺少列：username\nheader: 未知列：name"),
        ("username,role\nzhang,accountant\n", "header: 缺少列：region 或 ledger（至少要有其中一列）"),
        ("username,role,region,fullname\n", "header: 未知列：fullname"),
        ("username,role,region,ledger\n,,,\n", "file: 文件中没有用户"),
    ],
)
def test_import_users_checks_the_header(region_tree, tmp_path, text, message):
    path = tmp_path / "users.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as error:
        run("import_users", str(path))
    assert str(error.value) == message


def test_a_township_admins_file_with_a_row_elsewhere_is_refused_whole(township_admin, tmp_path):
    users_before = User.objects.count()
    path = tmp_path / "users.csv"
    path.write_text(
        f"username,role,region\nmine,accountant,{HEITAN}\ntheirs,accountant,{WUDU}\nboss,admin,510781000000\n",
        encoding="utf-8",
    )

    with pytest.raises(CommandError) as error:
        run("import_users", str(path), "--user", "township-admin")

    assert str(error.value).splitlines() == [
        "第3行 region: 您没有权限为“武都镇”的用户授权",
        "第4行 region: 您没有权限为“江油市”的用户授权",
    ]
    assert User.objects.count() == users_before


def test_an_accountant_is_refused_before_the_file_is_read(accountant, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("not,a,user,file\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        run("import_users", str(path), "--user", "accountant")
    assert str(error.value) == "您没有管理用户的权限"


def test_import_users_needs_the_file(region_tree, tmp_path):
    with pytest.raises(CommandError) as error:
        run("import_users", str(tmp_path / "missing.csv"))
    assert str(error.value) == f"文件不存在：{tmp_path / 'missing.csv'}"
