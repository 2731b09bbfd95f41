"""``villagebooks demo``: a county of villages with a year and more of books, and a login per role.

Creates the database if needed, then generates the demo county (``demo.generator``) and loads
it once through the services (``demo.loading``), all in one transaction; run again, it only
prints the logins. Ledgers start in January of last year: last year is posted and closed by the
year close, this year runs to today with every month before this one closed and a few vouchers
of this month waiting as drafts, submitted or reviewed.
"""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from villagebooks.common.money import format_fen
from villagebooks.demo.generator import CountySpec, write_county
from villagebooks.demo.loading import DEMO_PASSWORD, demo_load, logins_for_regions
from villagebooks.disclosure.models import Disclosure
from villagebooks.ledger.models import Ledger
from villagebooks.regions.models import Region, Role

ADDRESS = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = "建立并加载演示县（约40个村，上年全年及本年至今的账务），并列出各角色的演示账号"

    def add_arguments(self, parser):
        parser.add_argument("--villages", type=int, default=40, help="村数（默认 40）")
        parser.add_argument("--vouchers", type=int, default=300, help="每村每年的凭证数（默认 300）")
        parser.add_argument("--seed", type=int, default=2025, help="随机种子（同一种子生成同样的账）")
        parser.add_argument(
            "--today", type=date.fromisoformat, default=None, help="以该日为今天（YYYY-MM-DD）"
        )
        parser.add_argument(
            "--planted-villages", type=int, default=None,
            help="监督示范乡的村数（埋设各监督规则的案例，默认 6；0 为不建）",
        )  # fmt: skip
        parser.add_argument("--address", default=ADDRESS, help=f"提示用户打开的网址（默认 {ADDRESS}）")
        parser.add_argument(
            "--with-2004",
            dest="with_2004",
            action="store_true",
            default=True,
            help="第一个村上一年按2004年制度记账、年结后经新旧衔接转入其2023年制度新账（默认即如此）",
        )
        parser.add_argument(
            "--without-2004",
            dest="with_2004",
            action="store_false",
            help="不建2004年制度旧账：第一个村的新账直接按期初余额建账",
        )

    def handle(
        self,
        *args,
        villages,
        vouchers,
        seed,
        today,
        address=ADDRESS,
        with_2004=True,
        planted_villages=None,
        **options,
    ):
        self.address = address
        if villages < 2:
            raise CommandError("--villages 至少为 2")
        today = today or date.today()
        spec = CountySpec(
            villages=villages, vouchers_per_year=vouchers, first_year=today.year - 1, end=today, seed=seed
        )
        call_command("migrate", interactive=False, verbosity=0)
        county = Region.objects.filter(code=spec.county[0]).first()
        if county is not None and Ledger.objects.filter(village__path__startswith=county.path).exists():
            self.stdout.write(f"演示县“{county.name}”已加载，未重复加载。")
            self._print_logins(county)
            return
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="villagebooks-demo-") as directory:
            self.stdout.write(f"生成演示县：{villages} 个村，每村每年约 {vouchers} 张凭证……")
            files = write_county(spec, Path(directory), split_by_township=True, hold_last=3)
            with transaction.atomic():
                summary = demo_load(
                    files=files,
                    years=spec.years,
                    end=spec.end,
                    password=DEMO_PASSWORD,
                    old_books=with_2004,
                    planted_villages=planted_villages,
                    say=lambda text: self.stdout.write(f"[{time.monotonic() - started:5.1f} 秒] {text}"),
                )
        self.summary = summary  # for a caller that wants more than the text (the demo's tests)
        county = Region.objects.get(code=spec.county[0])
        posted = "，".join(f"{year} 年 {count} 张" for year, count in summary.posted.items())
        pending = "，".join(f"{_STATUS_TEXT[s]} {n} 张" for s, n in sorted(summary.pending.items()))
        self.stdout.write(
            self.style.SUCCESS(f"演示县“{county.name}”加载完成，用时 {time.monotonic() - started:.1f} 秒")
        )
        self.stdout.write(f"账套 {summary.ledgers} 个；已记账凭证：{posted}（分录 {summary.lines} 条）")
        if pending:
            self.stdout.write(f"留在本月待处理的凭证：{pending}")
        if summary.claims:
            self.stdout.write(f"村报账员提交、等待会计处理的报账单：{summary.claims} 张")
        if summary.funds is not None and summary.funds.projects:
            funds = summary.funds
            self.stdout.write(
                f"资金下达 {funds.allocations} 份，项目库项目 {funds.projects} 个（各流程状态），"
                f"带预算预警的凭证预警 {funds.warnings} 条"
            )
            for message in funds.refused:
                self.stdout.write(f"被预算控制拒绝的凭证：{message}")
        for text in summary.closed:
            self.stdout.write(text)
        if summary.registry is not None:
            registry = summary.registry
            mismatches = "，".join(f"{state} {n}" for state, n in sorted(registry.mismatches.items()))
            self.stdout.write(
                f"农户信息：{registry.households} 户 {registry.persons} 人；补贴名册 {registry.lists} 个（核对：{mismatches}）"
            )
        if summary.dividend is not None:
            paid = summary.dividend
            self.stdout.write(
                f"按股分红：{paid.village} {paid.year} 年度 {format_fen(paid.amount_fen)} 元，"
                f"{paid.households} 户经发放名册发放（回盘失败 {paid.failed} 户，退回应付款）"
            )
        if summary.affairs_property is not None:
            prop = summary.affairs_property
            self.stdout.write(
                f"合同 {prop.contracts} 份（收款匹配 {prop.receipts_matched} 条），"
                f"资源 {prop.resources} 块，资产卡片 {prop.cards} 张"
            )
        if summary.disclosure is not None and summary.disclosure.published:
            disclosure = summary.disclosure
            first = Disclosure.objects.select_related("ledger").order_by("ledger__code").first()
            self.stdout.write(
                f"村务公开：{disclosure.published} 期（更正 {disclosure.corrections} 次），"
                f"如 {self.address.rstrip('/')}/public/{first.ledger.code}/"
            )
        if summary.supervision is not None:
            planted = summary.supervision
            rules = len({p.rule for p in planted.planted})
            self.stdout.write(
                f"监督预警：{planted.region.name}监督示范乡 {len(planted.ledgers)} 个村 {planted.year} 年埋设案例 "
                f"{len(planted.planted)} 个（{rules} 条规则），近似正常的情形 {sum(planted.near_misses.values())} 个"
            )
        self._print_logins(county)

    def _print_logins(self, county: Region) -> None:
        tree = list(Region.objects.filter(path__startswith=county.path))
        ancestors = list(Region.objects.filter(code__in=[c for c in county.path.split("/") if c]))
        rows = [
            {
                "code": r.code,
                "name": r.name,
                "kind": r.kind,
                "parent_code": r.parent.code if r.parent_id else "",
            }
            for r in sorted({r.pk: r for r in ancestors + tree}.values(), key=lambda r: r.code)
        ]
        logins = logins_for_regions(rows)
        self.stdout.write("")
        self.stdout.write(f"打开 {self.address} ，用以下演示账号登录（密码均为 {DEMO_PASSWORD}）：")
        table = [("用户名", "密码", "角色", "范围")] + [
            (x.username, DEMO_PASSWORD, f"{x.role}（{Role(x.role).label}）", x.scope) for x in logins
        ]
        widths = [max(_width(row[i]) for row in table) for i in range(3)]
        for row in table:
            cells = [row[i] + " " * (widths[i] - _width(row[i])) for i in range(3)]
            self.stdout.write("  ".join([*cells, row[3]]))


_STATUS_TEXT = {"draft": "草稿", "submitted": "待审核", "reviewed": "已审核待记账"}


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)
