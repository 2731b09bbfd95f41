"""Published disclosures: each a frozen snapshot carrying the ledger's chain head and checkpoint.

A ``Disclosure`` row is written once and never changed: what villagers were shown is the stored
canonical JSON ``snapshot`` and its SHA-256; a correction is another row of the same ledger and
period with the next ``version`` and its ``reason``. ``chain_size``/``chain_head``/``chain_root``
are the ledger's hash chain (``ledger/chain.py``) as it stood at publication, and ``checkpoint``
the signed checkpoint made then (when the agency has a signing key), so that anyone can check
later that the books the figures came from were not changed.

``LookupLog`` records each villager's look-up of their own payments: when, from which address, a
keyed hash of the ID number asked for (never the number), and whether it was found.
"""

from django.conf import settings
from django.db import models

from villagebooks.ledger.models import Checkpoint, Ledger


class Disclosure(models.Model):
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    period = models.CharField("公开期间", max_length=8)  # 2025-03 or 2025-Q1
    from_key = models.PositiveIntegerField()  # 202501
    to_key = models.PositiveIntegerField()  # 202503
    version = models.PositiveSmallIntegerField("版本", default=1)
    reason = models.CharField("更正理由", max_length=300, blank=True)
    snapshot = models.TextField("公开内容")  # canonical JSON
    sha256 = models.CharField("内容哈希", max_length=64)
    chain_size = models.PositiveIntegerField("哈希链条数")
    chain_head = models.CharField("链头哈希", max_length=64)
    chain_root = models.CharField("默克尔根", max_length=64)
    checkpoint = models.ForeignKey(
        Checkpoint, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField("公开时间")

    class Meta:
        ordering = ["ledger_id", "-from_key", "period", "-version"]
        verbose_name = "村务公开"
        constraints = [
            models.UniqueConstraint(
                fields=["ledger", "period", "version"], name="disclosure_version_unique_in_ledger"
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="disclosure_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.ledger_id} {self.period} v{self.version}"


class LookupLog(models.Model):
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+", db_index=False)
    ip = models.CharField("来源地址", max_length=45)
    id_hash = models.CharField("身份证号哈希", max_length=64)
    outcome = models.CharField("结果", max_length=8)  # found, none, limited
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "-created_at"]
        verbose_name = "本人查询记录"
        indexes = [models.Index(fields=["ledger", "created_at"], name="lookuplog_ledger_time")]

    def __str__(self) -> str:
        return f"{self.ledger_id} {self.created_at} {self.outcome}"
