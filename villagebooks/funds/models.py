"""Allocations (资金下达), the project library (项目库) with its lifecycle and budgets, and the
warnings budget control left on vouchers.

An allocation is one transfer document that may be split over many ledgers: the document row
has no ledger, each ledger's share does (and names the fund it is booked under in that ledger).
Everything else here is ledger-scoped and carries ``ledger_id`` in every unique key, like the
ledger's own tables. A project's code and name, the dimension voucher lines carry, are the
ledger's ``Project``; ``ProjectEntry`` holds the library's fields for it, one to one.
Money is integer fen.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from villagebooks.ledger.models import Fund, FundKind, Ledger, Project, Voucher


class Control(models.TextChoices):
    STOP = "stop", _("禁止")
    WARN = "warn", _("预警")


class Allocation(models.Model):
    """A transfer document (下达文件): who sent how much, for what, under which rules."""

    code = models.CharField("下达编号", max_length=64, unique=True)
    issuer = models.CharField("下达单位", max_length=100)
    document_number = models.CharField("文号", max_length=100)
    date = models.DateField("下达日期")
    fund_kind = models.CharField("资金类别", max_length=32, choices=FundKind.choices)
    purpose = models.CharField("用途", max_length=200, blank=True)
    # ";"-separated account codes or prefixes spending from it may debit; empty: any.
    allowed_accounts = models.CharField("允许支出科目", max_length=500, blank=True)
    # 负面清单: account codes or prefixes it must never pay, ";"-separated.
    forbidden_accounts = models.CharField("负面清单科目", max_length=500, blank=True)
    forbidden_uses = models.TextField("负面清单", blank=True)
    # 负面清单 by project kind (ProjectKind values, ";"-separated): no spending on such projects.
    forbidden_kinds = models.CharField("负面清单项目类别", max_length=200, blank=True)
    control = models.CharField("控制方式", max_length=8, choices=Control.choices, default=Control.STOP)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "code"]
        verbose_name = "资金下达"

    def __str__(self) -> str:
        return f"{self.document_number}（{self.code}）"

    @property
    def allowed_prefixes(self) -> list[str]:
        return [code for code in self.allowed_accounts.split(";") if code]

    @property
    def forbidden_prefixes(self) -> list[str]:
        return [code for code in self.forbidden_accounts.split(";") if code]

    @property
    def forbidden_kind_list(self) -> list[str]:
        return [kind for kind in self.forbidden_kinds.split(";") if kind]


class AllocationShare(models.Model):
    """One ledger's part of an allocation, booked under one of its funds."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="shares")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount_fen = models.BigIntegerField("下达金额(分)")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "allocation_id"]
        verbose_name = "资金下达份额"
        constraints = [
            models.UniqueConstraint(fields=["ledger", "allocation"], name="allocation_share_once_per_ledger"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="allocation_share_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.allocation_id}/{self.ledger_id}: {self.amount_fen}"


class ProjectKind(models.TextChoices):
    INDUSTRY = "industry", _("产业发展")
    INFRASTRUCTURE = "infrastructure", _("基础设施")
    PUBLIC_WELFARE = "public_welfare", _("公益")
    HOUSEHOLD = "household", _("到户")


class ProjectState(models.TextChoices):
    """The lifecycle, in order: a project moves only forward, one or more steps at a time."""

    DECLARED = "declared", _("申报")
    REVIEWED = "reviewed", _("审核")
    APPROVED = "approved", _("立项")
    PUBLICISED = "publicised", _("公示")
    IMPLEMENTING = "implementing", _("实施")
    ACCEPTED = "accepted", _("验收")
    TRANSFERRED = "transferred", _("移交")
    EVALUATED = "evaluated", _("评价")


STATE_ORDER = list(ProjectState.values)


class ProjectEntry(models.Model):
    """A project in the library (项目库): the fields a 衔接资金 library asks for, and its state."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    # One entry per project: the unique key below (with the ledger, as every key of a
    # ledger-scoped table must have it, tests/test_citus_schema.py).
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField("项目类别", max_length=16, choices=ProjectKind.choices)
    place = models.CharField("实施地点", max_length=200, blank=True)
    content = models.TextField("建设内容及规模", blank=True)
    implementer = models.CharField("实施单位", max_length=100, blank=True)
    performance_target = models.TextField("绩效目标", blank=True)
    beneficiaries = models.TextField("受益对象及联农带农机制", blank=True)
    start = models.DateField("计划开工")
    end = models.DateField("计划完工")
    state = models.CharField(
        "状态", max_length=16, choices=ProjectState.choices, default=ProjectState.DECLARED
    )
    state_since = models.DateField("进入当前状态日期")
    # How a breach of this project's rules (its budget lines, spending before 立项) is met.
    control = models.CharField("控制方式", max_length=8, choices=Control.choices, default=Control.STOP)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ledger_id", "project__code"]
        verbose_name = "项目库项目"
        constraints = [
            models.UniqueConstraint(fields=["ledger", "project"], name="project_entry_once_per_ledger"),
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="project_entry_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return str(self.project)


class BudgetLine(models.Model):
    """A project's budget for one fund (or any, when empty) and one account or account prefix."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(ProjectEntry, on_delete=models.CASCADE, related_name="budget_lines")
    fund = models.ForeignKey(Fund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    account_prefix = models.CharField("科目", max_length=20)
    budget_fen = models.BigIntegerField("预算(分)")
    control = models.CharField("控制方式", max_length=8, choices=Control.choices, default=Control.STOP)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "entry_id", "account_prefix", "id"]
        verbose_name = "项目预算"
        constraints = [
            models.UniqueConstraint(
                fields=["ledger", "entry", "fund", "account_prefix"], name="budget_line_unique_in_project"
            ),
            models.CheckConstraint(condition=Q(budget_fen__gte=0), name="budget_line_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.account_prefix}: {self.budget_fen}"


class ProjectAct(models.Model):
    """One recorded step of a project's lifecycle: who moved it, when, why, with what papers."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(ProjectEntry, on_delete=models.PROTECT, related_name="acts")
    from_state = models.CharField(max_length=16, choices=ProjectState.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=ProjectState.choices)
    acted_on = models.DateField("日期")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField("说明", max_length=500, blank=True)
    documents = models.CharField("附件", max_length=500, blank=True)  # names or numbers of the papers
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "entry_id", "id"]
        verbose_name = "项目流程记录"

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.from_state} → {self.to_state}"


class ProjectDocument(models.Model):
    """A paper attached to a lifecycle act (审核意见, 公示照片, 验收报告 …): a PDF or image checked
    by content like a voucher's attachment, kept with its SHA-256."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    act = models.ForeignKey(ProjectAct, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to="project-documents/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "act_id", "id"]
        verbose_name = "项目流程附件"
        constraints = [
            models.UniqueConstraint(fields=["ledger", "act", "sha256"], name="project_document_once_per_act"),
        ]

    def __str__(self) -> str:
        return self.original_name


class MilestonePayment(models.Model):
    """A step of a project's payment plan (e.g. 40 % at start, 10 % after 验收, a held deposit)."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(ProjectEntry, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField()
    name = models.CharField("节点", max_length=100)
    due_state = models.CharField("应付状态", max_length=16, choices=ProjectState.choices)
    amount_fen = models.BigIntegerField("金额(分)")
    is_deposit = models.BooleanField("质保金", default=False)
    # The fund it is paid from; empty: the project's one fund (when its budget names only one).
    fund = models.ForeignKey(Fund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["ledger_id", "entry_id", "position"]
        verbose_name = "付款节点"
        constraints = [
            models.UniqueConstraint(fields=["ledger", "entry", "position"], name="milestone_position_unique"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="milestone_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class VoucherWarning(models.Model):
    """A budget rule a voucher broke under "warn": kept with the voucher, shown wherever it is."""

    # One index, on the voucher: every read (the voucher's page, the API, a draft's warnings
    # replaced) is by voucher, and an import may write a warning for every voucher it posts. On
    # PostgreSQL the voucher and ledger are one foreign key (migration 0006), as a line's are.
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+", db_index=False)
    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="fund_warnings")
    rule = models.CharField(max_length=32)
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "voucher_id", "id"]
        verbose_name = "预算预警"

    def __str__(self) -> str:
        return self.message


class ProjectSpending(models.Model):
    """What posted voucher lines tagged with a project or a fund moved, summed per ledger,
    project, fund, account and month: the figures project execution and the fund passport read,
    so that a county's report sums a few rows a village instead of its voucher lines.

    Written only by ``funds.spending`` from posting's after-posting step (one voucher, or one
    import batch at a time) and built for books posted before it by migration ``funds/0003``;
    ``verify`` recomputes it from the lines. Year-close vouchers are left out, as the reports
    leave them out. ``project_key``/``fund_key`` are 0 for a line without one (a key column,
    like the balance rows' ``fund_key``).
    """

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+", db_index=False)
    project_key = models.BigIntegerField()
    fund_key = models.BigIntegerField()
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+", db_index=False)
    period_key = models.IntegerField()  # YYYYMM of the vouchers' date
    debit_fen = models.BigIntegerField(default=0)
    credit_fen = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "项目资金支出汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["ledger", "project_key", "fund_key", "account", "period_key"],
                name="project_spending_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ledger_id}/{self.project_key}/{self.fund_key}/{self.account_id}/{self.period_key}"


class ProjectSpendingYear(models.Model):
    """``ProjectSpending`` rolled up by year: the same sums per ledger, project, fund and account
    for a whole calendar year, so that a report of whole years (a county's year, budget control's
    totals) reads one row where the monthly rows are up to twelve.

    Written with the monthly rows, in the same statement batch (``funds.spending``), built by
    migration ``funds/0004``; ``verify`` checks each row against the months it sums.
    """

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+", db_index=False)
    project_key = models.BigIntegerField()
    fund_key = models.BigIntegerField()
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+", db_index=False)
    year = models.IntegerField()
    debit_fen = models.BigIntegerField(default=0)
    credit_fen = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "项目资金支出年度汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["ledger", "project_key", "fund_key", "account", "year"],
                name="project_spending_year_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ledger_id}/{self.project_key}/{self.fund_key}/{self.account_id}/{self.year}"
