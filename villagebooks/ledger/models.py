"""Ledgers (账套), their charts, funds, counterparties, vouchers, periods and balances.

Every table here but ``Ledger`` carries ``ledger_id`` and every unique constraint includes it,
so villages stay apart and the schema can be distributed by ledger. Money columns are integer
fen. Posted vouchers and their lines are protected by database triggers (see migration 0002):
neither this code nor a direct UPDATE/DELETE can change them. A line's amounts and a balance
row's totals are bounded (``common.money.MAX_FEN``, ``BALANCE_MAX_FEN``) in the database too
(migration 0007), so that no sum of them overflows 64 bits and none is ever stored as a float.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from villagebooks.common.money import BALANCE_MAX_FEN, MAX_FEN
from villagebooks.regions.models import Region


class Chart(models.TextChoices):
    CHART_2023 = "2023", _("农村集体经济组织会计制度(2023)")
    CHART_2004 = "2004", _("村集体经济组织会计制度(2004)")


class Category(models.TextChoices):
    ASSET = "asset", _("资产类")
    LIABILITY = "liability", _("负债类")
    EQUITY = "equity", _("所有者权益类")
    COST = "cost", _("成本类")
    INCOME = "income", _("收入类")
    EXPENSE = "expense", _("支出类")


class Side(models.TextChoices):
    DEBIT = "debit", _("借")
    CREDIT = "credit", _("贷")


class LedgerStatus(models.TextChoices):
    SETUP = "setup", _("建账中")
    ACTIVE = "active", _("使用中")


class Ledger(models.Model):
    code = models.CharField("账套编号", max_length=32, unique=True)
    name = models.CharField("账套名称", max_length=100)
    village = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="ledgers", verbose_name="所属村"
    )
    chart = models.CharField("会计制度", max_length=8, choices=Chart.choices)
    start_year = models.PositiveSmallIntegerField("启用年度")
    start_month = models.PositiveSmallIntegerField("启用月份")
    status = models.CharField("状态", max_length=16, choices=LedgerStatus.choices, default=LedgerStatus.SETUP)
    # Balances of years before this one are carried: its month-0 balance rows are the opening
    # balances of the year. Starts at start_year; each year close moves it one year on.
    carried_year = models.PositiveSmallIntegerField()
    # The last 草稿 n given in this ledger: a draft is named by it (not by the county-wide id),
    # and a counter rather than max()+1 so that a deleted draft's number is never given again.
    last_draft_no = models.PositiveIntegerField(default=0)
    # The ledger whose books this one continues (新旧衔接): the old one counts in a region's
    # figures up to the year before this one's start_year, this one from then on (``in_force``).
    continues = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="continued_by",
        verbose_name="接续的旧账套",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "账套"
        constraints = [
            models.CheckConstraint(
                condition=Q(start_month__gte=1, start_month__lte=12), name="ledger_start_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"

    @property
    def start_period_key(self) -> int:
        return self.start_year * 100 + self.start_month


class Account(models.Model):
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="accounts")
    code = models.CharField("科目编码", max_length=20)
    name = models.CharField("科目名称", max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField(default=1)
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    normal_side = models.CharField("余额方向", max_length=8, choices=Side.choices)
    is_leaf = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    requires_fund = models.BooleanField("需要资金来源", default=False)
    requires_counterparty = models.BooleanField("需要往来单位", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ledger_id", "code"]
        verbose_name = "会计科目"
        constraints = [
            models.UniqueConstraint(fields=["ledger", "code"], name="account_code_unique_in_ledger")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class FundKind(models.TextChoices):
    VILLAGE_OFFICE = "village_office", _("村办公经费")
    PUBLIC_SERVICE = "public_service", _("公共服务运行经费")
    COLLECTIVE_INCOME = "collective_income", _("集体经济组织收益")
    EARMARKED_TRANSFER = "earmarked_transfer", _("上级专项资金")
    LIVELIHOOD_SUBSIDY = "livelihood_subsidy", _("到村到户民生补助资金")
    POVERTY_ALLEVIATION = "poverty_alleviation", _("财政专项扶贫资金")
    ONE_MATTER = "one_matter", _("一事一议")
    OTHER = "other", _("其他")


class Fund(models.Model):
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="funds")
    name = models.CharField("资金名称", max_length=100)
    kind = models.CharField("资金类别", max_length=32, choices=FundKind.choices)
    issuer = models.CharField("下达单位", max_length=100, blank=True)
    document_number = models.CharField("文号", max_length=100, blank=True)
    amount_fen = models.BigIntegerField("下达金额(分)", default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ledger_id", "name"]
        verbose_name = "资金来源"
        constraints = [
            models.UniqueConstraint(fields=["ledger", "name"], name="fund_name_unique_in_ledger"),
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="fund_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class CounterpartyKind(models.TextChoices):
    HOUSEHOLD = "household", _("农户")
    PERSON = "person", _("个人")
    ORGANISATION = "organisation", _("单位")


class Counterparty(models.Model):
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="counterparties")
    name = models.CharField("名称", max_length=100)
    kind = models.CharField(
        "类别", max_length=16, choices=CounterpartyKind.choices, default=CounterpartyKind.ORGANISATION
    )
    id_number = models.CharField("证件号码", max_length=32, blank=True)
    # The person of an app above the ledger this counterparty is (the registry's, written on a
    # line by ID number: ``counterparty_resolvers``); no foreign key, the ledger knows no such app.
    person_key = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ledger_id", "name"]
        verbose_name = "往来单位"
        constraints = [
            models.UniqueConstraint(fields=["ledger", "name"], name="counterparty_name_unique_in_ledger"),
            models.UniqueConstraint(
                fields=["ledger", "person_key"],
                condition=Q(person_key__isnull=False),
                name="counterparty_person_unique_in_ledger",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """A project (项目) as a dimension of voucher lines, beside fund and counterparty.

    Only what a line needs: its code and name in the ledger. The project library's fields, its
    lifecycle and budgets belong to ``funds``, which links one row to each of these (the ledger
    must not know that app, see architecture.md's layers).
    """

    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="projects")
    code = models.CharField("项目编号", max_length=32)
    name = models.CharField("项目名称", max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ledger_id", "code"]
        verbose_name = "项目"
        constraints = [
            models.UniqueConstraint(fields=["ledger", "code"], name="project_code_unique_in_ledger")
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("未结账")
    CLOSED = "closed", _("已结账")


class Period(models.Model):
    """One month of one ledger; holds the counter that numbers its posted vouchers."""

    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="periods")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=8, choices=PeriodStatus.choices, default=PeriodStatus.OPEN)
    last_number = models.PositiveIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ledger_id", "year", "month"]
        verbose_name = "会计期间"
        constraints = [
            models.UniqueConstraint(fields=["ledger", "year", "month"], name="period_unique_in_ledger"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="period_month_range"),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def key(self) -> int:
        return self.year * 100 + self.month


class VoucherStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    REVIEWED = "reviewed", _("已审核")
    POSTED = "posted", _("已记账")


class VoucherKind(models.TextChoices):
    NORMAL = "normal", _("记账凭证")
    REVERSAL = "reversal", _("红字冲销")
    CLOSING = "closing", _("结转凭证")
    # 收益分配 made by the year close (提取公积公益金, 向成员分配): the village's decision, so
    # reviewed by someone other than its preparer and posted like any voucher, before the year
    # close can finish.
    DISTRIBUTION = "distribution", _("收益分配凭证")


# The kinds a preparer makes and may change while they are drafts, and that may be reversed.
PREPARED_KINDS = (VoucherKind.NORMAL, VoucherKind.DISTRIBUTION)


class Voucher(models.Model):
    # Indexes are few on purpose: every one is paid for at each insert of a county's import.
    # ledger_id is served by the (ledger, …) constraints below; the user columns have none
    # because users are never deleted while they have vouchers (PROTECT checks a rare scan).
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="vouchers", db_index=False)
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="vouchers")
    date = models.DateField("日期")
    # 记字第N号: given when the voucher is posted, so posted numbers have no gaps.
    number = models.PositiveIntegerField("凭证号", null=True, blank=True)
    # 草稿 n: the voucher's number within its ledger before it is posted (Ledger.last_draft_no).
    # NULL for vouchers posted without being drafted (imports, closing) and those made before it.
    draft_no = models.PositiveIntegerField("草稿号", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=VoucherStatus.choices, default=VoucherStatus.DRAFT
    )
    kind = models.CharField("类型", max_length=16, choices=VoucherKind.choices, default=VoucherKind.NORMAL)
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        verbose_name="冲销的凭证",
    )
    note = models.CharField("说明", max_length=200, blank=True)
    # The key a voucher had in the file it was imported from: the same source is never booked twice.
    external_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 NULL: many vouchers have none
    amount_fen = models.BigIntegerField("金额(分)", default=0)
    attachment_count = models.PositiveSmallIntegerField("附件数", default=0)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    posted_at = models.DateTimeField(null=True, blank=True)
    # A voucher posted by an import came reviewed from outside (books kept elsewhere): the file it
    # came in and its SHA-256 stand where a reviewer would, with the importer as preparer and poster.
    # NULL otherwise; nullable so that SQLite adds the columns without rebuilding the table.
    source_file = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    source_sha256 = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ledger_id", "period_id", "number", "id"]
        verbose_name = "记账凭证"
        constraints = [
            models.UniqueConstraint(
                fields=["ledger", "period", "number"], name="voucher_number_unique_in_period"
            ),
            models.UniqueConstraint(
                fields=["ledger", "external_key"], name="voucher_external_key_unique_in_ledger"
            ),
            models.CheckConstraint(
                condition=~Q(status="posted") | Q(number__isnull=False, posted_at__isnull=False),
                name="posted_voucher_has_number",
            ),
        ]
        indexes = [models.Index(fields=["ledger", "status"], name="voucher_ledger_status")]

    def __str__(self) -> str:
        if self.number:
            return f"记-{self.number}"
        return f"草稿 {self.draft_no}" if self.draft_no else f"草稿#{self.pk}"

    @property
    def posted_by_closing(self) -> bool:
        """A closing voucher (结转凭证): the year close posts it as the system's mechanical entry,
        reviewed by nobody; it names no reviewer (before that rule the closer was recorded as one)."""
        return self.kind == VoucherKind.CLOSING

    @property
    def shown_reviewer(self):
        """The reviewer a page or print names: nobody for a closing voucher, whatever was recorded."""
        return None if self.posted_by_closing else self.reviewed_by

    @property
    def reviewed_outside(self) -> bool:
        """Posted by an import: reviewed where the books were kept before, not by a user here."""
        return bool(self.source_sha256)


# The names of the range constraints: the database's error names them, and the services
# recognise it by them (SQLite's triggers raise the same names, see migration 0007).
LINE_AMOUNTS_IN_RANGE = "line_amounts_in_range"
BALANCE_AMOUNTS_IN_RANGE = "balance_amounts_in_range"


class VoucherLine(models.Model):
    # The table of millions of rows: three full indexes (the key, voucher → lines, ledger →
    # account) and partial ones for the dimensions that most lines leave empty.
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+", db_index=False)
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="lines", db_index=False)
    line_no = models.PositiveSmallIntegerField()
    summary = models.CharField("摘要", max_length=200)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines", db_index=False)
    # A red (reversal) line carries a negative amount on the same side as the line it cancels.
    debit_fen = models.BigIntegerField("借方(分)", default=0)
    credit_fen = models.BigIntegerField("贷方(分)", default=0)
    fund = models.ForeignKey(
        Fund, null=True, blank=True, on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    counterparty = models.ForeignKey(
        Counterparty, null=True, blank=True, on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    # Nullable and last: SQLite adds the column without rebuilding the table (and its triggers).
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.PROTECT, related_name="lines", db_index=False
    )

    class Meta:
        ordering = ["voucher_id", "line_no"]
        verbose_name = "分录"
        indexes = [
            models.Index(fields=["ledger", "account"], name="line_ledger_account"),
            models.Index(fields=["fund"], condition=Q(fund__isnull=False), name="line_fund"),
            models.Index(
                fields=["counterparty"], condition=Q(counterparty__isnull=False), name="line_counterparty"
            ),
            models.Index(fields=["project"], condition=Q(project__isnull=False), name="line_project"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["voucher", "line_no", "ledger"], name="line_no_unique_in_voucher"
            ),
            models.CheckConstraint(
                condition=(Q(debit_fen=0) & ~Q(credit_fen=0)) | (~Q(debit_fen=0) & Q(credit_fen=0)),
                name="line_one_side_only",
            ),
            models.CheckConstraint(
                condition=Q(
                    debit_fen__gte=-MAX_FEN,
                    debit_fen__lte=MAX_FEN,
                    credit_fen__gte=-MAX_FEN,
                    credit_fen__lte=MAX_FEN,
                ),
                name=LINE_AMOUNTS_IN_RANGE,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.summary} {self.debit_fen}/{self.credit_fen}"


class Attachment(models.Model):
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["voucher_id", "id"]
        verbose_name = "附件"
        constraints = [
            # The same electronic source document must not be booked twice (财会〔2024〕12号).
            models.UniqueConstraint(fields=["ledger", "sha256"], name="attachment_once_per_ledger"),
        ]

    def __str__(self) -> str:
        return self.original_name


class OpeningBalance(models.Model):
    """A balance brought in when the ledger starts (期初余额), per account and dimension."""

    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="opening_balances")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    fund = models.ForeignKey(Fund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    counterparty = models.ForeignKey(
        Counterparty, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    debit_fen = models.BigIntegerField(default=0)
    credit_fen = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["ledger_id", "account__code"]
        verbose_name = "期初余额"
        constraints = [
            models.CheckConstraint(
                condition=Q(debit_fen__gte=0, credit_fen__gte=0), name="opening_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.debit_fen}/{self.credit_fen}"


class AccountBalance(models.Model):
    """Debit and credit movements per (ledger, account, period, fund, counterparty).

    Kept up to date at posting so that every report reads these few rows, not the lines.
    ``month = 0`` rows are the opening balances of ``year`` (from set-up or a year close);
    ``is_closing`` separates the system's year-end closing entries from ordinary movements,
    so that the income statement of a closed year still shows its income. ``fund_key`` and
    ``counterparty_key`` are 0 for "none", because NULLs would defeat the unique key that the
    posting upsert relies on. ``verify`` recomputes every row from the lines.
    """

    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    period_key = models.PositiveIntegerField()
    fund_key = models.BigIntegerField(default=0)
    counterparty_key = models.BigIntegerField(default=0)
    is_closing = models.BooleanField(default=False)
    debit_fen = models.BigIntegerField(default=0)
    credit_fen = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["ledger_id", "period_key", "account_id"]
        verbose_name = "科目余额"
        constraints = [
            models.UniqueConstraint(
                fields=["ledger", "account", "period_key", "fund_key", "counterparty_key", "is_closing"],
                name="balance_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(
                    debit_fen__gte=-BALANCE_MAX_FEN,
                    debit_fen__lte=BALANCE_MAX_FEN,
                    credit_fen__gte=-BALANCE_MAX_FEN,
                    credit_fen__lte=BALANCE_MAX_FEN,
                ),
                name=BALANCE_AMOUNTS_IN_RANGE,
            ),
        ]
        indexes = [models.Index(fields=["ledger", "period_key"], name="balance_ledger_period")]

    def __str__(self) -> str:
        return f"{self.ledger_id}/{self.account_id}/{self.period_key}: {self.debit_fen}/{self.credit_fen}"


class ChainEntry(models.Model):
    """One posted voucher in its ledger's hash chain (防篡改), in posting order.

    ``canonical`` is the voucher as it was posted (``verify_books``' canonical form, version
    ``version``); ``entry_hash`` = H(version | previous hash | canonical), with the algorithm named
    on the row. Append-only in the database (migration 0010). ``voucher_id`` is no foreign key:
    an entry must outlive a voucher deleted behind the app's back, to name it.
    """

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+", db_index=False)
    sequence = models.PositiveIntegerField()
    voucher_id = models.BigIntegerField()
    period_key = models.PositiveIntegerField()
    number = models.PositiveIntegerField()
    version = models.PositiveSmallIntegerField()
    algorithm = models.CharField(max_length=16)
    canonical = models.TextField()
    previous_hash = models.CharField(max_length=128)
    entry_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["ledger_id", "sequence"]
        verbose_name = "凭证哈希链"
        constraints = [
            models.UniqueConstraint(fields=["ledger", "sequence"], name="chain_sequence_unique_in_ledger"),
        ]

    def __str__(self) -> str:
        return f"{self.ledger_id}#{self.sequence}"


class ChainHead(models.Model):
    """Each ledger's chain length and last hash: the row posting locks to append (after the
    period and balance rows, see ``posting``), so two postings never take the same place."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+", db_index=False)
    size = models.PositiveIntegerField(default=0)
    head_hash = models.CharField(max_length=128, default="")

    class Meta:
        verbose_name = "哈希链头"
        constraints = [models.UniqueConstraint(fields=["ledger"], name="chain_head_one_per_ledger")]

    def __str__(self) -> str:
        return f"{self.ledger_id}: {self.size}"


class CheckpointKey(models.Model):
    """The public half of every signing key the agency has used: old checkpoints name theirs."""

    key_id = models.CharField(max_length=16, unique=True)
    public_key = models.CharField(max_length=64)  # raw Ed25519 public key, hex
    created_at = models.DateTimeField()

    class Meta:
        # Insert-only (migration 0010): the newest row is the key in use, the older ones retired.
        ordering = ["created_at", "id"]
        verbose_name = "校验点签名公钥"

    def __str__(self) -> str:
        return self.key_id


class Checkpoint(models.Model):
    """A signed statement of a ledger's chain (tree size, Merkle root) or of a region's ledgers.

    ``body`` is the signed canonical JSON as signed; the columns repeat what verification looks
    up. Append-only in the database (migration 0010).
    """

    ledger = models.ForeignKey(Ledger, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    tree_size = models.PositiveIntegerField()
    root_hash = models.CharField(max_length=128)
    algorithm = models.CharField(max_length=16)
    key_id = models.CharField(max_length=16)
    body = models.TextField()
    signature = models.CharField(max_length=128)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        verbose_name = "校验点"
        indexes = [models.Index(fields=["ledger", "id"], name="checkpoint_ledger")]

    def __str__(self) -> str:
        return f"{self.ledger_id or self.region_id}: {self.tree_size}"


# ---------------------------------------------------------------------------------------------
# Entry helpers (ledger/entry_helpers.py): voucher templates, common summaries, recurring entries.
# Their lines are kept as JSON records ({"summary", "account", "debit_fen", "credit_fen", "fund",
# "counterparty", "project"}: codes and names, amounts in fen), checked against the ledger when
# saved and again, by the voucher's own rules, when a voucher is made from them.


class VoucherTemplate(models.Model):
    """A named voucher pattern (凭证模板) a new voucher of the ledger starts from."""

    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="+")
    name = models.CharField("名称", max_length=60)
    note = models.CharField(max_length=200, blank=True, default="")
    lines = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "name"]
        verbose_name = "凭证模板"
        constraints = [models.UniqueConstraint(fields=["ledger", "name"], name="voucher_template_name")]

    def __str__(self) -> str:
        return self.name


class CommonSummary(models.Model):
    """A summary (常用摘要) the entry grid offers: the ledger's (``user`` empty) or one user's."""

    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.CharField("摘要", max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "text"]
        verbose_name = "常用摘要"
        constraints = [
            models.UniqueConstraint(
                fields=["ledger", "text"], condition=Q(user__isnull=True), name="common_summary_ledger_text"
            ),
            models.UniqueConstraint(
                fields=["ledger", "user", "text"],
                condition=Q(user__isnull=False),
                name="common_summary_user_text",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class RecurringEntry(models.Model):
    """A recurring voucher (定期凭证, e.g. 每月计提): its lines and the day of the month it is dated.

    ``villagebooks recurring --ledger CODE --period YYYY-MM`` makes the month's drafts, one per
    active definition and month (``RecurringRun``); a day past the month's end is its last day.
    """

    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="+")
    name = models.CharField("名称", max_length=60)
    day_of_month = models.PositiveSmallIntegerField("日")
    note = models.CharField(max_length=200, blank=True, default="")
    lines = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "name"]
        verbose_name = "定期凭证"
        constraints = [
            models.UniqueConstraint(fields=["ledger", "name"], name="recurring_entry_name"),
            models.CheckConstraint(
                condition=Q(day_of_month__gte=1, day_of_month__lte=31), name="recurring_entry_day"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RecurringRun(models.Model):
    """A month a definition was generated for: at most once (the draft may since be deleted)."""

    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="+")  # the entry's
    entry = models.ForeignKey(RecurringEntry, on_delete=models.CASCADE, related_name="runs")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    voucher = models.ForeignKey(Voucher, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry_id", "year", "month"]
        verbose_name = "定期凭证生成记录"
        constraints = [
            models.UniqueConstraint(fields=["ledger", "entry", "year", "month"], name="recurring_run_month")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.year:04d}-{self.month:02d}"


class RegionBalance(models.Model):
    """The roll-up of ``AccountBalance`` per (region, chart, account code, period, fund kind,
    closing?), for every region above a ledger's village (township, county, …).

    A county's consolidated report reads these few rows instead of every village's: its cost does
    not grow with the number of villages. Written only by ``ledger.rollups``, called by
    ``ledger.posting`` wherever it writes balance rows; ``verify`` recomputes every row from
    ``AccountBalance``. Accounts and funds are each ledger's own, so a region adds them up by what
    they mean across ledgers: the account's code and the fund's kind ("" for no fund).
    """

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    chart = models.CharField(max_length=8, choices=Chart.choices)
    account_code = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    period_key = models.PositiveIntegerField()
    fund_kind = models.CharField(max_length=32, default="", blank=True)
    is_closing = models.BooleanField(default=False)
    debit_fen = models.BigIntegerField(default=0)
    credit_fen = models.BigIntegerField(default=0)
    # The names the region's ledgers give the account (first and last in sort order: equal when
    # they all agree) and its lowest level, so that a consolidated report names its rows without
    # reading every village's accounts. An account with posted lines keeps its name
    # (``services.account_rename``), so these do not go stale.
    first_name = models.CharField(max_length=100, default="")
    last_name = models.CharField(max_length=100, default="")
    level = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["region_id", "chart", "period_key", "account_code"]
        verbose_name = "区域科目余额汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["region", "chart", "account_code", "period_key", "fund_kind", "is_closing"],
                name="region_balance_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id}/{self.chart}/{self.account_code}/{self.period_key}: {self.debit_fen}/{self.credit_fen}"


class RegionSideBalance(models.Model):
    """The side-split accounts' balances (内部往来 113: the balance sheet shows its debit and its
    credit balances apart, per ledger, account and counterparty) added up per region above a
    village, as changes: per (region, chart, account code, period key), how much the sum of the
    positive balances and the sum of the negative balances of the region's (ledger, account,
    counterparty) groups change at that month's end (month 0: the year's opening).

    The sums at a month's end are the changes of every key up to it: a few rows a region and
    month, however many villages, where the balances of each group would be a row a village.
    Changes, not sums, so that a posting touches only the keys where its group's own balance
    changes (its month and the group's later months), never a row it must read first: every
    write is an addition, as for ``RegionBalance``. Written only by ``ledger.rollups`` (called by
    ``ledger.posting``); ``verify`` recomputes every row from ``AccountBalance``.
    """

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    chart = models.CharField(max_length=8, choices=Chart.choices)
    account_code = models.CharField(max_length=20)
    period_key = models.PositiveIntegerField()
    positive_fen = models.BigIntegerField(default=0)  # change of the sum of the debit balances
    negative_fen = models.BigIntegerField(default=0)  # change of the sum of the credit balances (≤ 0)

    class Meta:
        ordering = ["region_id", "chart", "account_code", "period_key"]
        verbose_name = "区域往来科目分方向余额汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["region", "chart", "account_code", "period_key"],
                name="region_side_balance_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id}/{self.chart}/{self.account_code}/{self.period_key}: {self.positive_fen}/{self.negative_fen}"


class VoucherRenumbering(models.Model):
    """An act of 整理凭证号: an open month's posted vouchers numbered 1..N in date order, by whom,
    when and why; its pairs are its ``lines``, and it is entry ``chain_sequence`` of the ledger's
    hash chain (``verify_books``' version 3), so that ``verify`` tells it from tampering."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="renumberings")
    reason = models.CharField(max_length=200, blank=True, default="")
    renumbered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    renumbered_at = models.DateTimeField()
    chain_sequence = models.PositiveIntegerField()

    class Meta:
        ordering = ["ledger_id", "renumbered_at", "id"]
        verbose_name = "整理凭证号"

    def __str__(self) -> str:
        return f"{self.ledger_id} {self.period_id} @ {self.renumbered_at:%Y-%m-%d %H:%M}"


class VoucherRenumberingLine(models.Model):
    """One voucher whose number an act of 整理凭证号 changed: 原记-``old_number`` → 记-``new_number``."""

    # The ledger's own, like every row of its books (distributed by ledger: docs/operations.md).
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    renumbering = models.ForeignKey(VoucherRenumbering, on_delete=models.PROTECT, related_name="lines")
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="renumberings")
    old_number = models.PositiveIntegerField()
    new_number = models.PositiveIntegerField()

    class Meta:
        ordering = ["renumbering_id", "new_number"]
        verbose_name = "整理凭证号明细"

    def __str__(self) -> str:
        return f"{self.voucher_id}: {self.old_number} → {self.new_number}"


class RenumberPermit(models.Model):
    """A step a posted voucher's number may take, written and deleted inside one 整理凭证号
    transaction: the posted-voucher trigger (migration 0017) lets an UPDATE through only if it
    changes nothing but the number, along a permit of that transaction (on PostgreSQL the
    permit carries the transaction's id). Empty outside that transaction."""

    ledger_id = models.BigIntegerField()  # the voucher's: distributed by ledger like the voucher
    voucher_id = models.BigIntegerField()
    from_number = models.PositiveIntegerField()
    to_number = models.PositiveIntegerField()
    transaction_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "凭证号调整许可"
        indexes = [models.Index(fields=["voucher_id"], name="renumber_permit_voucher")]

    def __str__(self) -> str:
        return f"{self.voucher_id}: {self.from_number} → {self.to_number}"
