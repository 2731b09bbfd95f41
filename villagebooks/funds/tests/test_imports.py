"""``import-allocations`` and ``import-projects``: the columns of the issue (or their Chinese
names), every bad row named with its column and reason, all or nothing."""

from __future__ import annotations

import pytest

from villagebooks.funds.models import Allocation, AllocationShare, BudgetLine, ProjectAct, ProjectEntry
from villagebooks.funds.tests.support import (
    ALLOCATION_HEADER,
    PROJECT_HEADER,
    ROAD_ALLOCATION,
    ROAD_PROJECT,
    write,
)
from villagebooks.ledger.models import Fund, Project
from villagebooks.ledger.tests.importing.support import command_fails, run_command


def funds_state() -> dict:
    return {
        "allocations": sorted(Allocation.objects.values_list("code", "document_number")),
        "shares": sorted(AllocationShare.objects.values_list("ledger_id", "fund_id", "amount_fen")),
        "funds": sorted(Fund.objects.values_list("ledger_id", "name")),
        "projects": sorted(Project.objects.values_list("ledger_id", "code", "name")),
        "entries": ProjectEntry.objects.count(),
        "budget": sorted(BudgetLine.objects.values_list("account_prefix", "budget_fen")),
    }


def test_an_allocation_split_over_two_ledgers_creates_the_new_fund(
    ledger, other_ledger, accountant, tmp_path
):
    path = write(
        tmp_path,
        "a.csv",
        f"""{ALLOCATION_HEADER}
A-7,HT01,2025-02-10,江油市财政局,江财〔2025〕7号,衔接资金2025,财政专项扶贫资金,120000.00,产业发展,153;511,,warn
A-7,TM01,2025-02-10,江油市财政局,江财〔2025〕7号,衔接资金2025,财政专项扶贫资金,80000,产业发展,153;511,,warn
""",
    )
    out = run_command("import_allocations", path, "--user", "accountant")
    assert "下达文件 1 份，账套份额 2 个" in out
    allocation = Allocation.objects.get(code="A-7")
    assert (allocation.control, allocation.allowed_prefixes, allocation.fund_kind) == (
        "warn",
        ["153", "511"],
        "poverty_alleviation",
    )
    assert sorted(allocation.shares.values_list("ledger__code", "fund__name", "amount_fen")) == [
        ("HT01", "衔接资金2025", 12_000_000),
        ("TM01", "衔接资金2025", 8_000_000),
    ]
    assert Fund.objects.get(ledger=other_ledger, name="衔接资金2025").kind == "poverty_alleviation"


def test_chinese_headers_are_accepted(ledger, accountant, tmp_path):
    header = "下达编号,账套,下达日期,下达单位,文号,资金名称,资金类别,金额,用途,允许支出科目,项目,控制方式"
    path = write(
        tmp_path,
        "a.csv",
        header + "\nA-8,HT01,2025/2/10,县财政局,县财〔2025〕8号,县交通局道路补助,上级专项资金,1000,,,,预警\n",
    )
    run_command("import_allocations", path)
    assert Allocation.objects.get(code="A-8").control == "warn"


def test_every_bad_allocation_row_is_named_and_nothing_is_written(ledger, accountant, tmp_path):
    path = write(
        tmp_path,
        "a.csv",
        f"""{ALLOCATION_HEADER}
A-1,HT01,2025-02-30,县财政局,县财〔2025〕1号,资金甲,上级专项资金,100,,,,stop
A-2,XX99,2025-02-10,县财政局,县财〔2025〕2号,资金乙,没有这种,-5,,999,,maybe
A-3,HT01,2025-02-10,,县财〔2025〕3号,资金丙,上级专项资金,1.234,,153,P77,stop
A-4,HT01,2025-02-10,县财政局,县财〔2025〕4号,资金丁,上级专项资金,100,,,,stop
A-4,HT01,2025-02-11,县财政局,县财〔2025〕4号,资金丁,上级专项资金,100,,,,stop
""",
    )
    before = funds_state()
    problems = "\n".join(command_fails("import_allocations", path, "--user", "accountant"))
    for expected in (
        "第2行 date: 日期“2025-02-30”无效",
        "第3行 ledger: 账套 XX99 不存在或您无权管理其资金项目",
        "第3行 fund_kind: 资金类别“没有这种”无效",
        "第3行 control: 控制方式只能是 stop 或 warn",
        "第3行 amount: ",
        "第4行 issuer: 不能为空",
        "第4行 amount: ",
        "第4行 project: 项目 P77 不存在于账套 HT01",
        "第6行 date: 同一下达编号的各行此列必须相同（第 5 行为“2025-02-10”）",
        "第6行 ledger: 下达 A-4 在账套 HT01 的份额重复（第 5 行）",
    ):
        assert expected in problems, (expected, problems)
    assert funds_state() == before


def test_an_allocation_code_is_recorded_once(ledger, accountant, tmp_path):
    path = write(tmp_path, "a.csv", ROAD_ALLOCATION)
    run_command("import_allocations", path)
    assert "下达编号 A-2025-01 已存在" in "\n".join(command_fails("import_allocations", path))


def test_another_villages_accountant_cannot_import_into_this_ledger(ledger, make_user, region_tree, tmp_path):
    make_user("far", "accountant", region_tree["510781101000"])  # 武都镇, not 新安镇
    path = write(tmp_path, "a.csv", ROAD_ALLOCATION)
    problems = "\n".join(command_fails("import_allocations", path, "--user", "far"))
    assert "账套 HT01 不存在或您无权管理其资金项目" in problems
    assert not Allocation.objects.exists()


def test_a_reviewer_may_not_record_allocations(ledger, reviewer, tmp_path):
    path = write(tmp_path, "a.csv", ROAD_ALLOCATION)
    assert "无权" in "\n".join(command_fails("import_allocations", path, "--user", "reviewer"))


def test_projects_enter_the_library_at_declared_with_their_budget_lines(ledger, accountant, tmp_path):
    path = write(
        tmp_path,
        "p.csv",
        ROAD_PROJECT + "HT01,P01,黑滩村道路硬化,基础设施,,513,5000,2025-03-01,2025-10-31,warn\n",
    )
    out = run_command("import_projects", path, "--user", "accountant")
    assert "新入库项目 1 个" in out and "预算行 2 行" in out
    entry = ProjectEntry.objects.get(ledger=ledger, project__code="P01")
    assert (entry.state, entry.kind, entry.control, str(entry.project)) == (
        "declared",
        "infrastructure",
        "stop",
        "黑滩村道路硬化(P01)",
    )
    assert list(entry.budget_lines.values_list("fund__name", "account_prefix", "budget_fen", "control")) == [
        ("县交通局道路补助", "153", 20_000_000, "stop"),
        (None, "513", 500_000, "warn"),
    ]
    assert ProjectAct.objects.get(entry=entry).to_state == "declared"


def test_importing_a_project_again_replaces_its_budget(ledger, accountant, tmp_path):
    run_command("import_projects", write(tmp_path, "p.csv", ROAD_PROJECT))
    run_command("import_projects", write(tmp_path, "p.csv", ROAD_PROJECT.replace("200000.00", "250000.00")))
    assert list(BudgetLine.objects.values_list("budget_fen", flat=True)) == [25_000_000]
    assert ProjectEntry.objects.count() == 1


def test_every_bad_project_row_is_named_and_nothing_is_written(ledger, accountant, tmp_path):
    path = write(
        tmp_path,
        "p.csv",
        f"""{PROJECT_HEADER}
HT01,P01,道路,修路,没有的资金,999,100,2025-03-01,2025-02-01,stop
HT01,P02,路灯,公益,,153,-1,2025-13-01,2025-12-01,stop
HT01,P03,水渠,基础设施,,153,100,2025-03-01,2025-12-01,stop
HT01,P03,水渠二期,基础设施,,153,100,2025-03-01,2025-12-01,stop
""",
    )
    before = funds_state()
    problems = "\n".join(command_fails("import_projects", path))
    for expected in (
        "第2行 kind: 项目类别“修路”无效",
        "第2行 end: 完工日期早于开工日期",
        "第2行 account: 科目“999”不是本账套的科目编码或其前缀",
        "第2行 fund: 资金来源“没有的资金”不存在于账套 HT01",
        "第3行 budget: 预算不能为负数",
        "第3行 start: 日期“2025-13-01”无效",
        "第5行 name: 同一项目的各行此列必须相同（第 4 行为“水渠”）",
        "第5行 account: 项目 P03 的预算行（资金“”，科目 153）重复（第 4 行）",
    ):
        assert expected in problems, (expected, problems)
    assert funds_state() == before


def test_a_missing_column_and_an_unknown_one_are_reported(ledger, tmp_path):
    path = write(tmp_path, "p.csv", "ledger,project,name,colour\nHT01,P01,道路,red\n")
    problems = "\n".join(command_fails("import_projects", path))
    assert "缺少必需的列：kind, account, budget, start, end" in problems
    assert "未知列：colour" in problems


@pytest.mark.parametrize("suffix", [".xlsx"])
def test_an_xlsx_file_is_read_too(ledger, accountant, tmp_path, suffix):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for line in ROAD_PROJECT.strip().splitlines():
        sheet.append(line.split(","))
    path = tmp_path / f"p{suffix}"
    workbook.save(path)
    run_command("import_projects", path)
    assert BudgetLine.objects.get().budget_fen == 20_000_000
