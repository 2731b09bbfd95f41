"""The operation log (操作日志): every write of every service leaves one row here.

财会〔2024〕12号 asks for a complete, searchable log by operator, time and content. Rows are
only ever inserted; services write them through ``villagebooks.common.audit.audit_record``.
"""

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=64)
    ledger_id = models.BigIntegerField(null=True, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.BigIntegerField(null=True)
    detail = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "操作日志"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_id} {self.action}"
