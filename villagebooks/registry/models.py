"""Households and persons (农户信息), their status over time, helpers and cadres; subsidy
programmes, lists (补贴名册), their overridden problems and the bank's return (回盘).

History is never overwritten: a person's row holds the current values, and every change of it
(made by an import or a page) adds a ``RegistryChange`` row with the value before and after,
the date it took effect, who made it and when; a household's status is a ``HouseholdStatus`` row
per change, the household keeping the current one for quick filters.

The registry is the village's, not one ledger's (a village may keep several ledgers): its tables
carry the village region. The subsidy tables are a ledger's and carry ``ledger_id``, every
unique key including it (docs/operations.md, Citus).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from villagebooks.ledger.models import Fund, Ledger, Project, Voucher
from villagebooks.regions.models import Region


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Household(models.Model):
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="households")
    number = models.CharField("户编号", max_length=32)
    address = models.CharField("住址", max_length=200, blank=True)
    # The current status (the latest HouseholdStatus), kept here so lists filter without a join.
    status = models.CharField("户类型", max_length=16, blank=True)
    monitor_kind = models.CharField("监测类别", max_length=16, blank=True)
    status_since = models.DateField("状态日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["village_id", "number"]
        verbose_name = "农户"
        constraints = [
            models.UniqueConstraint(fields=["village", "number"], name="household_number_unique_in_village")
        ]

    def __str__(self) -> str:
        return self.number


class Person(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="persons")
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号", max_length=18, unique=True)
    relation = models.CharField("与户主关系", max_length=20)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("出生日期")
    alive = models.BooleanField("健在", default=True)
    death_date = models.DateField("死亡日期", null=True, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    bank_card = models.CharField("一卡通卡号", max_length=19, blank=True, db_index=True)
    bank = models.CharField("开户银行", max_length=50, blank=True)
    is_member = models.BooleanField("集体经济组织成员", default=False)
    cadre_role = models.CharField("村干部职务", max_length=30, blank=True)
    # The cadre this person is a close relative of (配偶、父母、子女、兄弟姐妹).
    cadre_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="relatives"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["household_id", "id"]
        verbose_name = "人员"
        indexes = [models.Index(fields=["village", "name"], name="person_village_name")]
        constraints = [
            models.CheckConstraint(
                condition=Q(alive=True, death_date__isnull=True) | Q(alive=False, death_date__isnull=False),
                name="person_death_date_iff_dead",
            )
        ]

    def __str__(self) -> str:
        return self.name


class HouseholdStatus(models.Model):
    """One status of a household from a date on: appended, never changed."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="statuses")
    status = models.CharField("户类型", max_length=16)
    monitor_kind = models.CharField("监测类别", max_length=16, blank=True)
    since = models.DateField("起始日期")
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["household_id", "since", "id"]
        verbose_name = "户类型记录"

    def __str__(self) -> str:
        return f"{self.status} {self.since}"


class Helper(models.Model):
    """A 帮扶责任人 assigned to a household for a period."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="helpers")
    name = models.CharField("帮扶责任人", max_length=50)
    unit = models.CharField("工作单位", max_length=100, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    since = models.DateField("起始日期")
    until = models.DateField("结束日期", null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["household_id", "since", "id"]
        verbose_name = "帮扶责任人"

    def __str__(self) -> str:
        return self.name


class RegistryChange(models.Model):
    """One change of a person or household: the field, the value before and after, when it took
    effect, who made it, and the operation-log entry of the import or page that made it."""

    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="changes")
    person = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="changes")
    field = models.CharField(max_length=20)  # "created" for a new person or household
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    effective = models.DateField(null=True, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    audit_entry_id = models.BigIntegerField(null=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "农户信息变更"

    def __str__(self) -> str:
        return self.field


# ---------------------------------------------------------------------------------------------
# Subsidies


class Basis(models.TextChoices):
    PERSON = "person", _("按人")
    HOUSEHOLD = "household", _("按户")
    MU = "mu", _("按亩")


class Frequency(models.TextChoices):
    YEAR = "year", _("每年")
    QUARTER = "quarter", _("每季度")
    MONTH = "month", _("每月")


class Programme(models.Model):
    code = models.CharField("项目编码", max_length=32, unique=True)
    name = models.CharField("补贴项目", max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="programmes")
    fund_kind = models.CharField("资金类别", max_length=32)
    basis = models.CharField("计发依据", max_length=16, choices=Basis.choices)
    standard_fen = models.BigIntegerField("标准(分)")
    eligible_statuses = models.JSONField("享受户类型", default=list)  # empty: everyone alive
    excludes = models.JSONField("互斥项目", default=list)
    frequency = models.CharField("发放周期", max_length=8, choices=Frequency.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "补贴项目"

    def __str__(self) -> str:
        return f"{self.name}({self.code})"


class BatchState(models.TextChoices):
    """Where a list's payment stands, read from its voucher (``subsidies.batch_states``)."""

    CHECKED = "checked", _("已核对")
    SUBMITTED = "submitted", _("凭证待审核")
    PAID = "paid", _("已发放")
    REVERSED = "reversed", _("凭证已冲销")


class SubsidyBatch(models.Model):
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    code = models.CharField("批次", max_length=32)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="batches")
    pay_date = models.DateField("发放日期")
    period = models.CharField("发放期间", max_length=8)  # 2025, 2025Q1 or 2025-03 (the frequency's)
    # Empty for a list that pays a payable (分红 from 211) rather than spending a fund.
    fund = models.ForeignKey(Fund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The ledger's project the payment is charged to (项目), when the list names one.
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    voucher = models.ForeignKey(Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    total_fen = models.BigIntegerField("合计(分)", default=0)
    override_reason = models.CharField("放行理由", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "code"]
        verbose_name = "补贴名册"
        constraints = [models.UniqueConstraint(fields=["ledger", "code"], name="batch_code_unique_in_ledger")]

    def __str__(self) -> str:
        return self.code


class SubsidyLine(models.Model):
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+", db_index=False)
    batch = models.ForeignKey(SubsidyBatch, on_delete=models.PROTECT, related_name="lines")
    row = models.PositiveIntegerField("行号")
    person = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="subsidy_lines")
    id_number = models.CharField("身份证号", max_length=18)
    name = models.CharField("姓名", max_length=50)
    quantity = models.CharField("数量", max_length=20)  # as given (exact decimal text)
    standard_fen = models.BigIntegerField("标准(分)")
    amount_fen = models.BigIntegerField("金额(分)")
    bank_card = models.CharField("卡号", max_length=19, blank=True)
    # The voucher line that pays this person when the county books one line per person; what is
    # booked is read from the voucher itself (posted, not reversed), never copied here.
    voucher_line_no = models.PositiveIntegerField(null=True, blank=True)
    # 'repaid' or 'returned' after a failed payment, with the operation-log entry that did it.
    resolution = models.CharField("失败处理", max_length=8, blank=True)
    resolution_note = models.CharField("处理说明", max_length=200, blank=True)

    class Meta:
        ordering = ["batch_id", "row"]
        verbose_name = "名册明细"
        indexes = [models.Index(fields=["ledger", "id_number"], name="subsidyline_ledger_id_number")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row}"


class ListProblem(models.Model):
    """A problem a list was paid with, overridden by a permitted user with a reason."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+", db_index=False)
    batch = models.ForeignKey(SubsidyBatch, on_delete=models.PROTECT, related_name="problems")
    row = models.PositiveIntegerField("行号")
    id_number = models.CharField("身份证号", max_length=18)
    kind = models.CharField("问题类别", max_length=24)
    message = models.CharField("问题", max_length=300)
    reason = models.CharField("放行理由", max_length=200)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    overridden_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["batch_id", "row", "id"]
        verbose_name = "放行的名册问题"
        indexes = [models.Index(fields=["ledger", "batch"], name="listproblem_ledger_batch")]

    def __str__(self) -> str:
        return self.kind


class ReturnStatus(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")


class BankReturnLine(models.Model):
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+", db_index=False)
    batch = models.ForeignKey(SubsidyBatch, on_delete=models.PROTECT, related_name="returns")
    row = models.PositiveIntegerField("行号")
    id_number = models.CharField("身份证号", max_length=18)
    name = models.CharField("姓名", max_length=50)
    bank_card = models.CharField("卡号", max_length=19, blank=True)
    amount_fen = models.BigIntegerField("金额(分)")
    status = models.CharField("状态", max_length=8, choices=ReturnStatus.choices)
    reason = models.CharField("失败原因", max_length=200, blank=True)
    audit_entry_id = models.BigIntegerField(null=True)

    class Meta:
        ordering = ["batch_id", "id"]
        verbose_name = "银行回盘明细"
        indexes = [models.Index(fields=["ledger", "batch"], name="bankreturn_ledger_batch")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row}"
