"""Contracts (合同), fixed-asset cards (资产卡片) and resources (资源台账).

History is never overwritten: a renewal is a new contract that names the one it renews, a
termination is a date and a reason set once (with a ``ContractEvent`` row for each act), a
disposal is a date set once. A card's accumulated depreciation is not stored: it is the card's
opening figure plus its lines in depreciation runs whose voucher is posted (and not reversed),
read from the books each time (``selectors_property.accumulated_depreciation``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from villagebooks.funds.models import AllocationShare
from villagebooks.ledger.models import Counterparty, Ledger, Project, Voucher, VoucherLine
from villagebooks.registry.models import Household, Person

__all__ = [
    "AssetCard",
    "AssetKind",
    "AssetNature",
    "Contract",
    "ContractEvent",
    "ContractKind",
    "DepreciationLine",
    "DepreciationMethod",
    "DepreciationRun",
    "Instalment",
    "PartyKind",
    "ReceiptMatch",
    "Resource",
    "ResourceKind",
]


class ResourceKind(models.TextChoices):
    LAND = "land", _("土地")
    FOREST = "forest", _("林地")
    WATER = "water", _("水面")
    OTHER = "other", _("其他")


class Resource(models.Model):
    """A parcel of the collective's land, forest or water (资源台账)."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    code = models.CharField("资源编号", max_length=32)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("资源类别", max_length=16, choices=ResourceKind.choices)
    # The use the law's term limits key on (耕地, 草地, 林地, 四荒地, 建设用地, 养殖水面 …).
    land_use = models.CharField("用途", max_length=20)
    location = models.CharField("坐落", max_length=200, blank=True)
    area = models.DecimalField("面积（亩）", max_digits=14, decimal_places=2)
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "code"]
        verbose_name = "资源"
        constraints = [
            models.UniqueConstraint(fields=["ledger", "code"], name="resource_code_unique_in_ledger"),
            models.CheckConstraint(condition=Q(area__gt=0), name="resource_area_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AssetKind(models.TextChoices):
    FIXED = "fixed", _("固定资产")
    PRODUCTIVE_BIO = "productive-bio", _("生产性生物资产")
    CONSUMABLE_BIO = "consumable-bio", _("消耗性生物资产")
    PUBLIC_BIO = "public-bio", _("公益性生物资产")


class AssetNature(models.TextChoices):
    OPERATING = "operating", _("经营性")
    PUBLIC = "public", _("公益性")


class DepreciationMethod(models.TextChoices):
    STRAIGHT_LINE = "straight-line", _("年限平均法")
    SUM_OF_YEARS = "sum-of-years", _("年数总和法")
    DOUBLE_DECLINING = "double-declining", _("双倍余额递减法")
    NONE = "none", _("不计提折旧")


class AssetCard(models.Model):
    """One asset card: what it is, what it cost, how it is depreciated, where it came from."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    code = models.CharField("卡片编号", max_length=32)
    name = models.CharField("资产名称", max_length=100)
    kind = models.CharField("资产类型", max_length=16, choices=AssetKind.choices, default=AssetKind.FIXED)
    category = models.CharField("类别", max_length=30)
    nature = models.CharField("经营性/公益性", max_length=16, choices=AssetNature.choices)
    acquired_on = models.DateField("取得日期")
    location = models.CharField("存放地点", max_length=200, blank=True)
    original_fen = models.BigIntegerField("原值(分)")
    # Depreciation accumulated before the card was recorded here (a card taken over from paper).
    opening_depreciation_fen = models.BigIntegerField("建卡时累计折旧(分)", default=0)
    method = models.CharField("折旧方法", max_length=20, choices=DepreciationMethod.choices)
    life_months = models.PositiveIntegerField("使用月数", default=0)
    residual_rate_bp = models.PositiveIntegerField("净残值率(万分之)", default=0)
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    allocation = models.ForeignKey(
        AllocationShare, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    disposed_on = models.DateField("处置日期", null=True, blank=True)
    disposal_note = models.CharField("处置说明", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "code"]
        verbose_name = "资产卡片"
        constraints = [
            models.UniqueConstraint(fields=["ledger", "code"], name="asset_card_code_unique_in_ledger"),
            models.CheckConstraint(condition=Q(original_fen__gt=0), name="asset_card_value_positive"),
            models.CheckConstraint(
                condition=Q(opening_depreciation_fen__gte=0)
                & Q(opening_depreciation_fen__lte=F("original_fen")),
                name="asset_card_opening_depreciation_in_range",
            ),
            models.CheckConstraint(condition=Q(residual_rate_bp__lte=10000), name="asset_card_residual_rate"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def depreciable_fen(self) -> int:
        """Original value less residual value; the residual rounded half up to the fen."""
        if self.method == DepreciationMethod.NONE:
            return 0
        residual = (self.original_fen * self.residual_rate_bp + 5000) // 10000
        return self.original_fen - residual


class ContractKind(models.TextChoices):
    LEASE = "lease", _("租赁")
    CONTRACTING = "contracting", _("发包")
    SALE = "sale", _("出售")
    SERVICE = "service", _("服务")


class PartyKind(models.TextChoices):
    HOUSEHOLD = "household", _("农户")
    PERSON = "person", _("个人")
    ORGANISATION = "organisation", _("单位")


class Contract(models.Model):
    """A contract of the collective with one party over one object (asset card or resource)."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    code = models.CharField("合同编号", max_length=32)
    kind = models.CharField("合同类型", max_length=16, choices=ContractKind.choices)
    party_name = models.CharField("对方名称", max_length=100)
    party_kind = models.CharField("对方类别", max_length=16, choices=PartyKind.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The party as the books know it: receipts are the lines with this counterparty.
    counterparty = models.ForeignKey(Counterparty, on_delete=models.PROTECT, related_name="+")
    asset = models.ForeignKey(
        AssetCard, null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )
    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )
    subject = models.CharField("标的", max_length=200)
    signed_on = models.DateField("签订日期")
    start = models.DateField("起始日期")
    end = models.DateField("终止日期")
    price_fen = models.BigIntegerField("合同总价(分)")
    deposit_fen = models.BigIntegerField("保证金(分)", default=0)
    exchange_traded = models.BooleanField("经产权交易平台", default=False)
    exchange_reference = models.CharField("交易编号", max_length=64, blank=True)
    renews = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewals"
    )
    terminated_on = models.DateField("解除日期", null=True, blank=True)
    termination_reason = models.CharField("解除原因", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "code"]
        verbose_name = "合同"
        constraints = [
            models.UniqueConstraint(fields=["ledger", "code"], name="contract_code_unique_in_ledger"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="contract_end_after_start"),
            models.CheckConstraint(condition=Q(price_fen__gte=0), name="contract_price_not_negative"),
            models.CheckConstraint(condition=Q(deposit_fen__gte=0), name="contract_deposit_not_negative"),
            models.CheckConstraint(
                condition=Q(asset__isnull=True) | Q(resource__isnull=True), name="contract_one_object"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.party_name}"


class ContractEvent(models.Model):
    """Each act on a contract (签订, 续签, 解除), appended, never changed."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="events")
    act = models.CharField(max_length=16)  # signed, renewed, terminated
    on_date = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "contract_id", "id"]
        verbose_name = "合同记录"

    def __str__(self) -> str:
        return f"{self.contract_id} {self.act} {self.on_date}"


class Instalment(models.Model):
    """One receipt the contract schedules: due date and amount (应收)."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="instalments")
    seq = models.PositiveIntegerField("期次")
    due_on = models.DateField("应收日期")
    amount_fen = models.BigIntegerField("应收金额(分)")

    class Meta:
        ordering = ["ledger_id", "contract_id", "seq"]
        verbose_name = "收款计划"
        constraints = [
            models.UniqueConstraint(fields=["ledger", "contract", "seq"], name="instalment_seq_unique"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="instalment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}#{self.seq}"


class ReceiptMatch(models.Model):
    """A posted receipt line (贷 应收款/内部往来/收入, 借 现金/银行, the contract's party as
    counterparty) applied to an instalment; a line may pay several instalments, in due order."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    instalment = models.ForeignKey(Instalment, on_delete=models.PROTECT, related_name="matches")
    voucher_line = models.ForeignKey(VoucherLine, on_delete=models.PROTECT, related_name="+", db_index=False)
    amount_fen = models.BigIntegerField("金额(分)")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "instalment_id", "id"]
        verbose_name = "收款匹配"
        constraints = [
            models.UniqueConstraint(
                fields=["ledger", "voucher_line", "instalment"], name="receipt_match_unique"
            ),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="receipt_match_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.instalment_id} ← {self.voucher_line_id}"


class DepreciationRun(models.Model):
    """One month's depreciation of a ledger and the voucher it generated. A run whose voucher
    was deleted (a withdrawn draft) or reversed is void, and the month may be run again."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    month = models.PositiveSmallIntegerField()
    voucher = models.ForeignKey(Voucher, null=True, on_delete=models.SET_NULL, related_name="+")
    total_fen = models.BigIntegerField(default=0)
    void = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "year", "month", "id"]
        verbose_name = "计提折旧"
        constraints = [
            models.UniqueConstraint(
                fields=["ledger", "year", "month"], condition=Q(void=False), name="depreciation_run_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ledger_id} {self.year}-{self.month:02d}"


class DepreciationLine(models.Model):
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(DepreciationRun, on_delete=models.PROTECT, related_name="lines")
    card = models.ForeignKey(AssetCard, on_delete=models.PROTECT, related_name="depreciation_lines")
    amount_fen = models.BigIntegerField()

    class Meta:
        ordering = ["ledger_id", "run_id", "card_id"]
        verbose_name = "折旧明细"
        constraints = [
            models.UniqueConstraint(fields=["ledger", "run", "card"], name="depreciation_line_once"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="depreciation_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.card_id}: {self.amount_fen}"
