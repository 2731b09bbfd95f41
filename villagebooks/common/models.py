"""The operation log (操作日志): every write of every service leaves one row here.

财会〔2024〕12号 asks for a complete, searchable log by operator, time and content. Rows are
only ever inserted; services write them through ``villagebooks.common.audit.audit_record``.
Each row is a link of a hash chain (``villagebooks.common.audit_chain``), so that a row removed,
changed or slipped in with direct SQL is found by ``villagebooks verify``.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce


class AuditEntry(models.Model):
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=64)
    ledger_id = models.BigIntegerField(null=True, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.BigIntegerField(null=True)
    detail = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The hash chain (audit_chain.py; one per ledger): the row's place in its chain (1, 2, 3 … in
    # the order appended),
    # the previous row's hash, this row's hash over its canonical form, and the algorithm.
    # Nullable, so that SQLite adds the columns in place without rebuilding the table (which
    # would drop the append-only triggers); every row written since migration 0003 has them.
    seq = models.BigIntegerField(null=True)
    prev_hash = models.CharField(max_length=64, null=True)  # noqa: DJ001
    hash = models.CharField(max_length=64, null=True)  # noqa: DJ001
    hash_alg = models.CharField(max_length=16, null=True)  # noqa: DJ001

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "操作日志"
        constraints = [
            # A place in a chain (a ledger's, or 0: no ledger) is taken once. An index (expression,
            # partial), so that SQLite creates it in place instead of rebuilding the table; it also
            # finds a chain's last row.
            models.UniqueConstraint(
                Coalesce("ledger_id", models.Value(0)),
                "seq",
                condition=models.Q(seq__isnull=False),
                name="audit_chain_seq_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_id} {self.action}"
