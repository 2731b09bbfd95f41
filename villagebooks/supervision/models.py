"""Thresholds a county sets for the supervision rules; findings (问题线索) and their steps; alerts
dismissed with a reason.

Nothing here is ever updated or deleted by the services: a threshold change, a finding's step
and a dismissal are each a new row, with who made it and when. Findings, their steps and the
dismissals are a ledger's and carry ``ledger_id`` (distributed with the books on Citus); a
threshold is a region's (a reference table, like the regions).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from villagebooks.ledger.models import Ledger
from villagebooks.regions.models import Region


class ThresholdSetting(models.Model):
    """One value of one rule's threshold set for a region and everything under it, from now on.

    The latest row for (region, rule, name) is the region's value; the rows before it are its
    history. A region without a row takes its nearest ancestor's, then the default
    (``data/supervision-thresholds.json``)."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField("规则", max_length=40)
    name = models.CharField("参数", max_length=40)
    value = models.CharField("取值", max_length=100)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region_id", "rule", "name", "id"]
        verbose_name = "预警阈值"

    def __str__(self) -> str:
        return f"{self.rule}.{self.name}={self.value}"


class FindingState(models.TextChoices):
    OPEN = "open", _("待整改")
    RESPONDED = "responded", _("已整改待核实")
    CLOSED = "closed", _("已销号")


class Finding(models.Model):
    """A 问题线索: what was found where, the amount, the evidence, who must act by when."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField("编号")
    title = models.CharField("问题", max_length=200)
    rule = models.CharField("来源规则", max_length=40, blank=True)  # blank: the supervisor's own observation
    period = models.CharField("期间", max_length=7, blank=True)
    voucher_keys = models.CharField("凭证", max_length=500, blank=True)
    # The alerts it was opened from (their stable keys, one a line): empty for one's own observation.
    alert_keys = models.TextField("来源预警", blank=True)
    amount_fen = models.BigIntegerField("金额(分)", default=0)
    evidence = models.TextField("依据")
    deadline = models.DateField("整改期限")
    responsible = models.CharField("整改责任人", max_length=100)
    # The current state (the latest step's), kept here so lists filter without a join.
    state = models.CharField("状态", max_length=16, choices=FindingState.choices, default=FindingState.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "number"]
        verbose_name = "问题线索"
        constraints = [
            models.UniqueConstraint(fields=["ledger", "number"], name="finding_number_unique_in_ledger")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class StepKind(models.TextChoices):
    OPENED = "opened", _("立案")
    RESPONSE = "response", _("整改")
    SENT_BACK = "sent_back", _("退回")
    CLOSED = "closed", _("核实销号")


class AppendOnly(models.Model):
    """A row that is written once: saving it again or deleting it is refused (the services never
    do; this stops anything else that tries through the ORM)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError(f"{self._meta.verbose_name} 只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{self._meta.verbose_name} 只能追加，不能删除")


class FindingStep(AppendOnly):
    """One step of a finding: appended, never changed."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+", db_index=False)
    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField("环节", max_length=16, choices=StepKind.choices)
    text = models.TextField("说明")
    documents = models.CharField("材料", max_length=500, blank=True)
    # A rectification's correcting vouchers (numbers or keys as the village gave them) and the
    # money returned (退回资金).
    vouchers = models.CharField("纠正凭证", max_length=500, blank=True)
    returned_fen = models.BigIntegerField("退回金额(分)", default=0)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField("角色", max_length=32, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["finding_id", "id"]
        verbose_name = "整改环节"

    def __str__(self) -> str:
        return self.kind


class FindingDocument(AppendOnly):
    """A document uploaded with a step (整改材料): a PDF or image, its type read from its bytes,
    stored like a voucher's attachment under ``MEDIA_ROOT``, which no URL serves (the finding's
    page hands it out after the same scope check)."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+", db_index=False)
    step = models.ForeignKey(FindingStep, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to="findings/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["step_id", "id"]
        verbose_name = "整改材料"

    def __str__(self) -> str:
        return self.original_name


class Dismissal(AppendOnly):
    """An alert judged not to be a problem, with the reason: kept and counted per rule."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+", db_index=False)
    rule = models.CharField("规则", max_length=40)
    alert_key = models.CharField(max_length=200)
    reason = models.CharField("理由", max_length=300)
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "id"]
        verbose_name = "排除的预警"
        indexes = [models.Index(fields=["ledger", "rule"], name="dismissal_ledger_rule")]

    def __str__(self) -> str:
        return f"{self.rule}:{self.alert_key}"
