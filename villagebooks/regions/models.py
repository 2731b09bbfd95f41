"""The region tree (province → city → county → township → village) and the roles users hold
at places of it.

A region's ``path`` is the chain of its ancestors' codes, so "everything under this township"
is one indexed prefix match. Codes are the 12-digit statistical division codes.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionKind(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县(区)")
    TOWNSHIP = "township", _("乡镇")
    VILLAGE = "village", _("村")


KIND_DEPTH = {
    RegionKind.PROVINCE: 0,
    RegionKind.CITY: 1,
    RegionKind.COUNTY: 2,
    RegionKind.TOWNSHIP: 3,
    RegionKind.VILLAGE: 4,
}


class Region(models.Model):
    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("级别", max_length=16, choices=RegionKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=80, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "行政区划"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{12}$"), name="region_code_12_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    COUNTY = "county", _("县级主管部门")
    AGENCY_MANAGER = "agency-manager", _("代理中心负责人")
    ACCOUNTANT = "accountant", _("代理会计")
    REVIEWER = "reviewer", _("审核员")
    REPORTER = "reporter", _("村报账员")
    SUPERVISOR = "supervisor", _("监督员")


class RoleAssignment(models.Model):
    """A role a user holds over a region subtree (or, with ``ledger_id``, over one ledger)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="role_assignments")
    # A ledger-level assignment narrows the role to one ledger inside the region; the ledger app
    # owns ledgers, so this is a plain id rather than a foreign key pointing up the layers.
    ledger_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user_id", "role", "region__code"]
        verbose_name = "角色授权"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=models.Q(ledger_id__isnull=True),
                name="role_unique_per_region",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "ledger_id"],
                condition=models.Q(ledger_id__isnull=False),
                name="role_unique_per_ledger",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} @ {self.region_id}"
