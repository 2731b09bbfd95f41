"""Statement layouts (报表格式): the lines of the statutory statements and their formulas, per chart.

The official line lists could not be checked (accounting-rules.md §2, UNSURE), and 财会〔2024〕12号
asks that users can define statement formats, so the layouts are rows, not code. They are seeded
from ``villagebooks/data/statements-<chart>.json`` by a data migration and changed only through
``statement_layout_save``, which refuses a formula that names an unknown account or line. Layouts
are reference data, not ledger rows: the platform's (``region`` empty), one per chart and
statement, which only a system administrator changes; and a county's override (``region`` a
county), which an administrator of that county changes and which its ledgers' statements use.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class StatementKind(models.TextChoices):
    BALANCE_SHEET = "balance_sheet", _("资产负债表")
    INCOME = "income", _("收益及收益分配表")


class StatementLayout(models.Model):
    chart = models.CharField("会计制度", max_length=8)
    kind = models.CharField("报表", max_length=16, choices=StatementKind.choices)
    title = models.CharField("报表名称", max_length=100)
    # Empty: the platform's layout. A county: that county's override, for its own ledgers only.
    region = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="适用县(区)",
    )
    # The balance check: line ``check_left_line`` must equal line ``check_right_line`` in every
    # column (资产总计 = 负债和所有者权益总计). Null on statements without such an identity.
    check_left_line = models.PositiveSmallIntegerField("校验行次(左)", null=True, blank=True)
    check_right_line = models.PositiveSmallIntegerField("校验行次(右)", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["chart", "kind"]
        verbose_name = "报表格式"
        constraints = [
            models.UniqueConstraint(
                fields=["chart", "kind"], condition=Q(region__isnull=True), name="statement_layout_unique"
            ),
            models.UniqueConstraint(
                fields=["chart", "kind", "region"],
                condition=Q(region__isnull=False),
                name="statement_layout_override_unique",
            ),
            models.CheckConstraint(
                condition=Q(check_left_line__isnull=True, check_right_line__isnull=True)
                | Q(check_left_line__isnull=False, check_right_line__isnull=False),
                name="statement_layout_check_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}({self.chart})" + (f" · {self.region.name}" if self.region_id else "")


class StatementLine(models.Model):
    """One printed line. A heading (流动资产：) has no formula and no line number (行次)."""

    layout = models.ForeignKey(StatementLayout, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField("顺序")
    line_no = models.PositiveSmallIntegerField("行次", null=True, blank=True)
    label = models.CharField("项目", max_length=100)
    indent = models.PositiveSmallIntegerField("缩进", default=0)
    bold = models.BooleanField("加粗", default=False)
    formula = models.CharField("公式", max_length=500, blank=True)

    class Meta:
        ordering = ["layout_id", "position"]
        verbose_name = "报表行"
        constraints = [
            models.UniqueConstraint(fields=["layout", "position"], name="statement_line_position_unique"),
            models.UniqueConstraint(fields=["layout", "line_no"], name="statement_line_no_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.line_no or ''} {self.label}"
