"""Members of the collective, their shares (份额) and representatives; dividends by shares;
decisions (四议两公开) and the payments linked to them.

A membership is a person's (registry) from a date, on a basis, until a lawful end. Shares are
never overwritten: every change (the first allotment, an inheritance, a transfer inside the
collective, a correction) is a ``ShareEntry`` row adding or taking shares from one holder on a
date; a holding on a date is the sum of its entries up to it. The tables carry the village
region (members and shares are the village's, not one ledger's); dividends and payment links
carry their ledger.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from villagebooks.ledger.models import Ledger, Voucher
from villagebooks.regions.models import Region
from villagebooks.registry.models import Household, Person, SubsidyBatch

__all__ = [
    "Membership",
    "Representative",
    "Meeting",
    "ShareClass",
    "ShareEntry",
    "Dividend",
    "DividendLine",
    "Decision",
    "DecisionPayment",
]


class Membership(models.Model):
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="memberships")
    since = models.DateField("取得日期")
    basis = models.CharField("取得方式", max_length=16)  # a key of terms().bases
    basis_note = models.CharField("取得依据", max_length=200, blank=True)
    ended_on = models.DateField("丧失日期", null=True, blank=True)
    end_reason = models.CharField("丧失原因", max_length=16, blank=True)  # a key of terms().end_reasons
    end_note = models.CharField("丧失说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village_id", "household_id", "person_id", "since"]
        verbose_name = "集体经济组织成员"
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(ended_on__isnull=True), name="membership_one_open_per_person"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True, end_reason="")
                | Q(ended_on__isnull=False) & ~Q(end_reason=""),
                name="membership_end_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.since}"


class Representative(models.Model):
    """A 成员代表 elected for a term, speaking for some households."""

    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    since = models.DateField("当选日期")
    until = models.DateField("届满日期", null=True, blank=True)
    households = models.CharField("联系户", max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village_id", "since", "id"]
        verbose_name = "成员代表"

    def __str__(self) -> str:
        return str(self.person_id)


class Meeting(models.Model):
    """A 成员大会 or 成员代表大会 held: when, on what, how many could and did attend (the
    decisions it took are ``Decision`` rows, which carry their own votes)."""

    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    body = models.CharField("会议类别", max_length=16)  # members | representatives
    held_on = models.DateField("召开日期")
    subject = models.CharField("议题", max_length=200)
    eligible = models.PositiveIntegerField("应到人数")
    present = models.PositiveIntegerField("实到人数")
    place = models.CharField("地点", max_length=100, blank=True)
    note = models.CharField("备注", max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village_id", "-held_on", "id"]
        verbose_name = "成员（代表）大会"
        constraints = [
            models.UniqueConstraint(fields=["village", "body", "held_on", "subject"], name="meeting_unique"),
            models.CheckConstraint(
                condition=Q(present__lte=F("eligible")), name="meeting_present_le_eligible"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body}@{self.held_on}"


class ShareClass(models.Model):
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    code = models.CharField("股种代码", max_length=16)
    name = models.CharField("股种", max_length=30)
    kind = models.CharField("类别", max_length=16)  # a key of terms().share_class_kinds
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village_id", "code"]
        verbose_name = "股种"
        constraints = [models.UniqueConstraint(fields=["village", "code"], name="shareclass_code_unique")]

    def __str__(self) -> str:
        return self.name


class ShareChange(models.TextChoices):
    ALLOT = "allot", _("初始配置")
    INHERIT = "inherit", _("继承")
    TRANSFER = "transfer", _("转让")
    GIFT = "gift", _("赠与")
    ADJUST = "adjust", _("调整")


class ShareEntry(models.Model):
    """Shares added to (positive) or taken from (negative) one holder on a date: appended,
    never changed. A household holds them; ``person`` names the member within it when shares
    are held per member; a collective class's shares have neither."""

    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    share_class = models.ForeignKey(ShareClass, on_delete=models.PROTECT, related_name="entries")
    household = models.ForeignKey(
        Household, null=True, on_delete=models.PROTECT, related_name="share_entries"
    )
    person = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="share_entries")
    shares = models.DecimalField("份额", max_digits=14, decimal_places=4)
    date = models.DateField("变动日期")
    change = models.CharField("变动类型", max_length=12, choices=ShareChange.choices)
    # The other side of an inheritance or transfer (the entry that took the shares away).
    pair = models.ForeignKey("self", null=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village_id", "date", "id"]
        verbose_name = "份额变动"
        indexes = [models.Index(fields=["village", "date"], name="shareentry_village_date")]

    def __str__(self) -> str:
        return f"{self.household_id}:{self.shares}"


class Dividend(models.Model):
    """One year's 向成员分配 divided by shares (largest remainder, to the fen)."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField("年度")
    on_date = models.DateField("份额基准日")
    amount_fen = models.BigIntegerField("分配金额(分)")
    reserve_fen = models.BigIntegerField("提取公积公益金(分)")
    welfare_fen = models.BigIntegerField("提取应付福利费(分)", default=0)
    profit_fen = models.BigIntegerField("本年收益(分)")
    total_shares = models.DecimalField("参与分配份额", max_digits=18, decimal_places=4)
    per_share = models.CharField("每份金额(元)", max_length=40)  # exact decimal text
    method = models.CharField("分配方法", max_length=300)
    voucher = models.ForeignKey(Voucher, null=True, on_delete=models.PROTECT, related_name="+")
    # The list (the registry's batch) that paid it through the bank: empty until paid. Not a
    # unique key of its own (Citus: a ledger-scoped table's unique keys include ledger_id); each
    # payment makes a new batch, and dividends_pay sets it once.
    payment_batch = models.ForeignKey(
        SubsidyBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "year"]
        verbose_name = "按股分红"
        constraints = [models.UniqueConstraint(fields=["ledger", "year"], name="dividend_once_a_year")]

    def __str__(self) -> str:
        return f"{self.ledger_id}:{self.year}"


class DividendLine(models.Model):
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+", db_index=False)
    dividend = models.ForeignKey(Dividend, on_delete=models.PROTECT, related_name="lines")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    head_name = models.CharField("户主", max_length=50)
    counterparty = models.CharField("往来户", max_length=100)
    shares = models.DecimalField("份额", max_digits=14, decimal_places=4)
    amount_fen = models.BigIntegerField("金额(分)")

    class Meta:
        ordering = ["dividend_id", "household_id"]
        verbose_name = "分红明细"

    def __str__(self) -> str:
        return f"{self.dividend_id}:{self.household_id}"


class Decision(models.Model):
    """A matter decided by 四议两公开: 党组织提议, 两委商议, 党员大会审议, 成员(代表)大会决议;
    决议公开 and 实施结果公开."""

    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    code = models.CharField("编号", max_length=32)
    matter = models.CharField("事项", max_length=200)
    major = models.BooleanField("重大事项", default=False)
    amount_fen = models.BigIntegerField("涉及金额(分)", null=True, blank=True)
    proposed_on = models.DateField("党组织提议日期")
    discussed_on = models.DateField("两委商议日期")
    reviewed_on = models.DateField("党员大会审议日期")
    resolved_on = models.DateField("决议日期")
    body = models.CharField("决议机构", max_length=16)  # members | representatives
    eligible = models.PositiveIntegerField("应到人数")
    present = models.PositiveIntegerField("实到人数")
    votes_for = models.PositiveIntegerField("赞成")
    votes_against = models.PositiveIntegerField("反对", default=0)
    votes_abstain = models.PositiveIntegerField("弃权", default=0)
    resolution_notice_on = models.DateField("决议公开日期", null=True, blank=True)
    result_notice_on = models.DateField("实施结果公开日期", null=True, blank=True)
    note = models.CharField("备注", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["village_id", "resolved_on", "code"]
        verbose_name = "四议两公开记录"
        constraints = [models.UniqueConstraint(fields=["village", "code"], name="decision_code_unique")]

    def __str__(self) -> str:
        return self.code


class DecisionPayment(models.Model):
    """A payment (a posted voucher) made under a decision."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+", db_index=False)
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="payments")
    # One decision a voucher: unique with its ledger, so that the key holds when the tables are
    # distributed by ledger (tests/test_citus_schema.py).
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="+", db_index=False)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decision_id", "voucher_id"]
        verbose_name = "决策关联支出"
        indexes = [models.Index(fields=["ledger", "decision"], name="decisionpayment_ledger")]
        constraints = [
            models.UniqueConstraint(fields=["ledger", "voucher"], name="decisionpayment_one_per_voucher")
        ]

    def __str__(self) -> str:
        return f"{self.decision_id}:{self.voucher_id}"
