"""The demo county's earmarked money: allocations split over villages, projects in every state of
the lifecycle, spending tagged with them, a warning left on a voucher and a refusal by a stop rule.

Everything goes through funds' services and the ledger's voucher services, as a user's work
would: the checks of budget control run on these vouchers like on any other.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from villagebooks.common.errors import DomainError
from villagebooks.funds import services
from villagebooks.funds.access import COUNTY_STEPS
from villagebooks.funds.models import STATE_ORDER, ProjectState
from villagebooks.ledger import services as ledger_services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Account, Counterparty, Fund, FundKind, Ledger

ALLOCATION_HEADER = (
    "allocation,ledger,date,issuer,document_number,fund,fund_kind,amount,purpose,allowed_accounts,project,control,"
    "负面清单"
)
PROJECT_HEADER = "ledger,project,name,kind,fund,account,budget,start,end,control"
ISSUER = "江油市财政局"
# (code, name, kind, budget line account, budget yuan, control, state it reaches), per village.
PROJECTS = [
    [
        ("P01", "村组道路硬化", "基础设施", "153", "250000", "stop", "实施"),
        ("P02", "特色种植基地", "产业发展", "153", "100000", "warn", "公示"),
        ("P03", "困难户危房改造补助", "到户", "514", "50000", "stop", "申报"),
        ("P04", "村级文化广场", "公益", "153", "80000", "stop", "审核"),
    ],
    [
        ("P01", "灌溉水渠整治", "基础设施", "153", "180000", "stop", "评价"),
        ("P02", "农产品冷库", "产业发展", "153", "120000", "stop", "移交"),
        ("P03", "村道路灯安装", "公益", "153", "60000", "warn", "验收"),
        ("P04", "到户产业补助", "到户", "514", "40000", "stop", "立项"),
    ],
]


@dataclass
class FundsSummary:
    allocations: int = 0
    projects: int = 0
    warnings: int = 0
    refused: list[str] = field(default_factory=list)  # the stop rules' messages
    posted: int = 0  # vouchers posted for the passport (milestone payments, a return)


def _leaf(ledger: Ledger, prefix: str) -> str:
    """A leaf account under ``prefix`` (the generated charts have sub-accounts of 153 and 102)."""
    leaves = Account.objects.filter(ledger=ledger, code__startswith=prefix, is_leaf=True, is_active=True)
    return leaves.order_by("code").values_list("code", flat=True).first() or prefix


def _walk(*, actor, ledger: Ledger, code: str, state: str, entered: date, county=None) -> None:
    """Take a project from 申报 to ``state``, a step every ten days or so (公示 its ten days); the
    county's decisions by ``county`` when given."""
    day = entered
    target = STATE_ORDER.index(services.project_state(state))
    for name in STATE_ORDER[1 : target + 1]:
        day += timedelta(days=11 if name == ProjectState.IMPLEMENTING else 7)
        who = county if county is not None and name in COUNTY_STEPS else actor
        services.project_advance(actor=who, ledger=ledger, code=code, to=name, on=day, note="演示")


def demo_funds_load(
    *, accountant, manager, ledgers: list[Ledger], end: date, reviewer=None, county=None
) -> FundsSummary:
    """Allocations, projects and tagged spending in the first two ``ledgers`` (this year's open
    month); with a ``reviewer``, the second village's milestone payments and a return of unspent
    money posted, so that its fund passport has every figure; the county's decisions (审核, 验收,
    评价) taken by ``county`` when given."""
    summary = FundsSummary()
    ledgers = ledgers[:2]
    if len(ledgers) < 2:
        return summary
    funds = {}
    for ledger in ledgers:
        fund = Fund.objects.filter(ledger=ledger, kind=FundKind.EARMARKED_TRANSFER).order_by("name").first()
        if fund is None:
            return summary
        funds[ledger.pk] = fund.name
    year = end.year
    issued = date(year, 1, 15)
    allocation_rows = [ALLOCATION_HEADER]
    for ledger, amount in zip(ledgers, ("300000", "200000"), strict=True):
        allocation_rows.append(
            f"DEMO-{year}-01,{ledger.code},{issued},{ISSUER},江财农〔{year}〕18号,{funds[ledger.pk]},"
            # 负面清单: never 管理费用 (521), nor 公益 projects from this 衔接资金 document.
            f"财政专项扶贫资金,{amount},巩固衔接项目,153;514,,warn,521;公益"
        )
    project_rows = [PROJECT_HEADER]
    for ledger, projects in zip(ledgers, PROJECTS, strict=True):
        for code, name, kind, account, budget, control, _state in projects:
            project_rows.append(
                f"{ledger.code},{code},{name},{kind},{funds[ledger.pk]},{account},{budget},"
                f"{year}-03-01,{year}-11-30,{control}"
            )
    with tempfile.TemporaryDirectory(prefix="villagebooks-demo-funds-") as directory:
        allocations = Path(directory) / "allocations.csv"
        allocations.write_text("\n".join(allocation_rows) + "\n", encoding="utf-8")
        summary.allocations = services.allocations_import(actor=accountant, path=allocations).allocations
        projects = Path(directory) / "projects.csv"
        projects.write_text("\n".join(project_rows) + "\n", encoding="utf-8")
        summary.projects = services.projects_import(
            actor=accountant, path=projects, entered_on=issued
        ).created
    for ledger, projects in zip(ledgers, PROJECTS, strict=True):
        for code, _name, _kind, _account, _budget, _control, state in projects:
            _walk(actor=manager, ledger=ledger, code=code, state=state, entered=issued, county=county)
    services.project_describe(
        actor=accountant,
        ledger=ledgers[0],
        code="P01",
        place="二组至四组",
        content="硬化村组道路 1.2 公里，路面宽 4.5 米，C25 混凝土",
        implementer="新安镇农业综合服务中心",
        performance_target="新增硬化道路 1.2 公里；群众满意度不低于 90%",
        beneficiaries="受益农户 320 户，其中脱贫户 46 户；务工优先雇用本村脱贫劳动力",
    )
    # The road's payments follow its milestones: 40 % at the start, 50 % once accepted, 10 %
    # held as a quality deposit until the evaluation.
    services.milestones_set(
        actor=accountant,
        ledger=ledgers[0],
        code="P01",
        milestones=[
            services.MilestoneInput("开工预付款", "实施", 100_000_00),
            services.MilestoneInput("验收合格后支付", "验收", 125_000_00),
            services.MilestoneInput("质量保证金", "评价", 25_000_00, is_deposit=True),
        ],
    )
    # Spending in the open month of the first village, waiting for review: the road within its
    # budget, the planting base beyond its budget (its control is "warn": it passes and carries
    # the warning), office costs paid from the fund (管理费用: outside the uses the document
    # allows and on its 负面清单; the allocation warns), and the road again beyond its budget
    # (refused: "stop").
    ledger, fund = ledgers[0], funds[ledgers[0].pk]
    works, bank, office = _leaf(ledger, "153"), _leaf(ledger, "102"), _leaf(ledger, "521")
    attempts = [
        ("P01", works, "道路硬化工程进度款", 60_000_00),
        ("P02", works, "种植基地土地平整及大棚", 120_000_00),
        ("", office, "村委会办公用品（专项资金列支）", 1_500_00),
        ("P01", works, "道路硬化追加工程款", 260_000_00),
    ]
    for project, account, summary_text, fen in attempts:
        lines = [
            LineInput(summary_text, account, debit_fen=fen, fund_name=fund, project_code=project),
            LineInput(summary_text, bank, credit_fen=fen),
        ]
        try:
            voucher = ledger_services.voucher_create(
                actor=accountant, ledger=ledger, date=end, lines=lines, note=summary_text, submit=True
            )
        except DomainError as error:
            summary.refused.append(error.problems[0].message)
            continue
        summary.warnings += voucher.fund_warnings.count()
    if reviewer is not None:
        summary.posted = _second_village_paid(
            accountant=accountant, reviewer=reviewer, ledger=ledgers[1], fund=funds[ledgers[1].pk], end=end
        )
    return summary


def _second_village_paid(*, accountant, reviewer, ledger: Ledger, fund: str, end: date) -> int:
    """The irrigation channel (评价 reached) paid by its plan — 40 % at the start, 50 % after 验收,
    10 % held as a quality deposit and paid after the evaluation — and 8,000 of the document sent
    back unspent (借 专项应付款 贷 银行存款): every figure of the passport, posted. The money came
    in the generated books' months (their 专项应付款 receipts of the fund)."""
    services.milestones_set(
        actor=accountant,
        ledger=ledger,
        code="P01",
        milestones=[
            services.MilestoneInput("开工预付款 40%", "实施", 72_000_00),
            services.MilestoneInput("基本完工 50%", "验收", 90_000_00),
            services.MilestoneInput("质量保证金 10%", "评价", 18_000_00, is_deposit=True),
        ],
    )
    services.milestones_set(  # the cold store (移交): its deposit not yet due
        actor=accountant,
        ledger=ledger,
        code="P02",
        milestones=[
            services.MilestoneInput("开工预付款 40%", "实施", 48_000_00),
            services.MilestoneInput("基本完工 50%", "验收", 60_000_00),
            services.MilestoneInput("质量保证金 10%", "评价", 12_000_00, is_deposit=True),
        ],
    )
    works, bank, payable = _leaf(ledger, "153"), _leaf(ledger, "102"), _leaf(ledger, "241")
    # A return names the issuer as counterparty (data/funds-rules.json "returns").
    if not Counterparty.objects.filter(ledger=ledger, name=ISSUER).exists():
        ledger_services.counterparty_create(actor=accountant, ledger=ledger, name=ISSUER)
    vouchers = [
        *(
            [
                LineInput(text, works, debit_fen=fen, fund_name=fund, project_code=project),
                LineInput(text, bank, credit_fen=fen),
            ]
            for project, text, fen in (
                ("P01", "灌溉水渠开工预付款", 72_000_00),
                ("P01", "灌溉水渠完工款", 90_000_00),
                ("P02", "冷库开工预付款", 48_000_00),
            )
        ),
        [
            LineInput(
                "结余资金退回县财政局", payable, debit_fen=8_000_00, fund_name=fund, counterparty_name=ISSUER
            ),
            LineInput("结余资金退回县财政局", bank, credit_fen=8_000_00),
        ],
    ]
    posted = 0
    for lines in vouchers:
        try:
            voucher = ledger_services.voucher_create(
                actor=accountant, ledger=ledger, date=end, lines=lines, note=lines[0].summary, submit=True
            )
            ledger_services.voucher_review(actor=reviewer, voucher=voucher)
            ledger_services.voucher_post(actor=accountant, voucher=voucher)
        except DomainError:
            continue  # a chart without the account: the demo goes on without that voucher
        posted += 1
    return posted
