"""A claim (报账单) a village reporter submits, and the receipt photos that come with it.

Both tables carry ``ledger_id`` like every ledger-scoped row, and the unique key on photos
includes it. Amounts are integer fen and always positive (the database checks it). A claim
refers to the draft voucher made from it; deleting that draft (only drafts can be deleted)
sets the reference to NULL, and such a claim waits for the accountant again.
Photos live under ``MEDIA_ROOT/claims/``, which no URL serves: the pages hand them out after
checking the viewer's scope.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from villagebooks.ledger.models import Ledger, Voucher


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待处理")
    BOOKED = "booked", _("已生成凭证")
    RETURNED = "returned", _("已退回")
    WITHDRAWN = "withdrawn", _("已撤回")


class Claim(models.Model):
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="claims", db_index=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claims", verbose_name="报账人"
    )
    spent_on = models.DateField("支出日期")
    amount_fen = models.BigIntegerField("金额(分)")
    purpose = models.CharField("用途", max_length=200)
    payee = models.CharField("收款人", max_length=100)
    status = models.CharField(
        "状态", max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED
    )
    return_reason = models.CharField("退回原因", max_length=200, blank=True)
    voucher = models.ForeignKey(
        Voucher,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claims",
        verbose_name="凭证草稿",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name="处理人",
    )
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "报账单"
        indexes = [models.Index(fields=["ledger", "status"], name="claim_ledger_status")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="claim_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=ClaimStatus.values),
                name="claim_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(return_reason=""), name="claim_returned_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"报账单#{self.pk}"


class ClaimPhoto(models.Model):
    """A receipt (票据) as the reporter photographed or scanned it; its type is read from its bytes."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+", db_index=False)
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="photos", db_index=False)
    file = models.FileField(upload_to="claims/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim_id", "id"]
        verbose_name = "票据照片"
        constraints = [
            models.UniqueConstraint(fields=["claim", "sha256", "ledger"], name="claim_photo_once_per_claim"),
        ]
        indexes = [models.Index(fields=["ledger", "sha256"], name="claim_photo_ledger_sha")]

    def __str__(self) -> str:
        return self.original_name
