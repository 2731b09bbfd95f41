"""The supervision actions, declared to ``regions.permissions`` (imported by ``SupervisionConfig.ready``).

A supervisor (监督员) reads the books, the registry and the lists of their region through the
``*.view`` actions every role holds, and holds every action here; none of these changes a book.
Personal identifiers stay masked for a supervisor (``registry.view_personal`` is not theirs).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from villagebooks.regions import permissions
from villagebooks.regions.models import Role

_OVERSIGHT = (Role.ADMIN, Role.COUNTY, Role.SUPERVISOR)
VIEW_ALERTS, THRESHOLDS, FINDINGS, RESPOND, VERIFY, VIEW_FINDINGS = permissions.declare(
    "supervision",
    {
        # Alerts point at people's payments: not for the village reporter.
        "view_alerts": (*_OVERSIGHT, Role.AGENCY_MANAGER, Role.ACCOUNTANT, Role.REVIEWER),
        "thresholds": (Role.ADMIN, Role.COUNTY),
        # Open a finding, dismiss an alert, send a rectification back.
        "findings": _OVERSIGHT,
        # The village's answer: the rectification and its documents.
        "respond": (Role.ADMIN, Role.ACCOUNTANT, Role.REPORTER, Role.AGENCY_MANAGER),
        "verify": _OVERSIGHT,
        # See a finding and its steps: those who open and verify it, and the village's side that
        # must answer it.
        "view_findings": (*_OVERSIGHT, Role.AGENCY_MANAGER, Role.ACCOUNTANT, Role.REVIEWER, Role.REPORTER),
    },
)

FORBIDDEN_REGION = _("您没有权限在“{region}”执行此操作")
