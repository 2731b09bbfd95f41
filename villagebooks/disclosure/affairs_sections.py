"""The sections of the village's affairs (村务): members and shares, dividends, decisions,
contracts, assets and resources, from ``affairs``' public functions (``affairs/public.py``,
``affairs/public_property.py``), which return plain dicts with amounts in fen and never an ID
number, card or phone. They are registers as they stood at publication: not recomputed by the
check (``from_books`` is False).
"""

from __future__ import annotations

from datetime import date

from villagebooks.affairs.public import public_decisions, public_dividends, public_members_summary
from villagebooks.affairs.public_property import public_assets, public_contracts, public_resources
from villagebooks.disclosure.sections import COUNT, FEN, Column, Section, SectionContext, Table, scrub


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    return scrub(value)


def build_members(context: SectionContext) -> Section | None:
    """成员与份额: members and households on the period's last day, shares by class."""
    summaries = public_members_summary(context.ledger, context.period.last_day)
    if not summaries or not summaries[0].get("members"):
        return None
    summary = summaries[0]
    counts = Table(
        f"成员情况（{summary['date']}）",
        [Column("项目"), Column("数量", COUNT)],
        [["成员人数", summary["members"]], ["成员户数", summary["households"]]],
    )
    classes = Table(
        "份额",
        [Column("份额类别"), Column("份额")],
        [[_text(c["name"]), _text(c["shares"])] for c in summary.get("classes", [])],
    )
    return Section("members", "成员与份额", [counts, classes])


def build_dividends(context: SectionContext) -> Section | None:
    """收益分配（分红）: the dividends of last year and of this year, with each household's share,
    so that every member can recompute their own."""
    year = context.period.year
    tables = []
    for dividend in public_dividends(context.ledger, year - 1) + public_dividends(context.ledger, year):
        tables.append(
            Table(
                f"{dividend['year']}年度分红",
                [Column("项目"), Column("金额（元）", FEN)],
                [
                    ["可分配收益", dividend["profit_fen"]],
                    ["提取公积公益金", dividend["reserve_fen"]],
                    ["提取福利费", dividend["welfare_fen"]],
                    ["向成员分配", dividend["amount_fen"]],
                ],
                note=f"份额合计 {dividend['total_shares']}，每份 {dividend['per_share_yuan']} 元；"
                f"股权登记日 {dividend['share_date']}；{_text(dividend['method'])}",
            )
        )
        tables.append(
            Table(
                f"{dividend['year']}年度分红到户",
                [Column("户号"), Column("户主"), Column("份额"), Column("金额（元）", FEN)],
                [
                    [_text(h["household"]), _text(h["head_name"]), _text(h["shares"]), h["amount_fen"]]
                    for h in dividend["households"]
                ],
            )
        )
    if not tables:
        return None
    return Section("dividends", "收益分配（分红）", tables, note="本人分红可凭身份证号和姓名查询")


def build_decisions(context: SectionContext) -> Section | None:
    """四议两公开: the decisions resolved in the period, their votes and notices, what was paid."""
    rows = public_decisions(context.ledger, context.period.first_day, context.period.last_day)
    if not rows:
        return None
    table = Table(
        "本期决议事项",
        [
            Column("事项"),
            Column("决议日期"),
            Column("应到", COUNT),
            Column("实到", COUNT),
            Column("赞成", COUNT),
            Column("反对", COUNT),
            Column("弃权", COUNT),
            Column("决议公开"),
            Column("实施结果公开"),
            Column("金额（元）", FEN),
            Column("已支付（元）", FEN),
        ],
    )
    for d in rows:
        table.rows.append(
            [
                _text(d["matter"]),
                _text(d["resolved_on"]),
                d["eligible"],
                d["present"],
                d["votes_for"],
                d["votes_against"],
                d["votes_abstain"],
                _text(d["resolution_notice_on"]) or "未公开",
                _text(d["result_notice_on"]) or "未公开",
                d["amount_fen"],
                sum(p["amount_fen"] for p in d.get("payments", [])),
            ]
        )
    return Section("decisions", "民主决策（四议两公开）", [table])


def build_contracts(context: SectionContext) -> Section | None:
    """合同: each contract, what is due and received by the period's end, what is overdue."""
    rows = public_contracts(context.ledger, context.period.last_day)
    if not rows:
        return None
    table = Table(
        "经济合同",
        [
            Column("合同"),
            Column("对方"),
            Column("类别"),
            Column("标的"),
            Column("期限"),
            Column("合同金额（元）", FEN),
            Column("应收（元）", FEN),
            Column("已收（元）", FEN),
            Column("逾期未收（元）", FEN),
            Column("状态"),
            Column("产权交易"),
        ],
    )
    for c in rows:
        table.rows.append(
            [
                _text(c["code"]),
                _text(c["party"]),
                _text(c["kind"]),
                _text(c["object"]),
                f"{_text(c['start'])}至{_text(c['end'])}",
                c["price_fen"],
                c["due_fen"],
                c["received_fen"],
                c["overdue_fen"],
                _text(c["state"]),
                _text(c["exchange_traded"]),
            ]
        )
    return Section("contracts", "合同", [table], note="收款情况为公开时的状态")


def build_assets(context: SectionContext) -> Section | None:
    rows = public_assets(context.ledger, context.period.last_day)
    if not rows:
        return None
    table = Table(
        "固定资产（按类别）",
        [
            Column("类别"),
            Column("性质"),
            Column("数量", COUNT),
            Column("原值（元）", FEN),
            Column("累计折旧（元）", FEN),
            Column("净值（元）", FEN),
        ],
        [
            [
                _text(a["category"]),
                _text(a["nature"]),
                a["cards"],
                a["original_fen"],
                a["depreciation_fen"],
                a["net_fen"],
            ]
            for a in rows
        ],
    )
    return Section("assets", "资产", [table])


def build_resources(context: SectionContext) -> Section | None:
    rows = public_resources(context.ledger, context.period.last_day)
    if not rows:
        return None
    table = Table(
        "资源（土地、林地、水面）",
        [
            Column("名称"),
            Column("类别"),
            Column("面积（亩）"),
            Column("位置"),
            Column("是否发包"),
            Column("承包方"),
        ],
        [
            [
                _text(r["name"]),
                _text(r["kind"]),
                _text(r["area_mu"]),
                _text(r["location"]),
                _text(r["contracted"]),
                _text(r["party"]),
            ]
            for r in rows
        ],
    )
    return Section("resources", "资源", [table])


AFFAIRS_SECTIONS = [
    build_members,
    build_dividends,
    build_decisions,
    build_contracts,
    build_assets,
    build_resources,
]
