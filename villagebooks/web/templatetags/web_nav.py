"""The bar that joins a ledger's pages: vouchers, reports, claims, bank reconciliation, chart and
opening, closing.

Every page of one ledger (web, workspace, claims) shows it, so that the sections read as one
product; it offers only what the user may open, decided by ``access.actions_on`` in one query.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import pgettext

from villagebooks.banking.access import VIEW as BANKING_VIEW
from villagebooks.ledger.access import Action, actions_on
from villagebooks.regions import permissions
from villagebooks.supervision.access import VIEW_ALERTS

register = template.Library()


@register.inclusion_tag("web/_ledger_nav.html", takes_context=True)
def ledger_nav(context, ledger, current: str = "") -> dict:
    actions = actions_on(context["request"].user, ledger)
    code = ledger.code
    items = [
        (
            "vouchers",
            pgettext("ledger section", "凭证"),
            reverse("vouchers:entry" if Action.PREPARE in actions else "vouchers:list", args=[code]),
        ),
        (
            "reports",
            pgettext("ledger section", "报表"),
            reverse("ledger_report", args=[code, "trial-balance"]),
        ),
        ("claims", pgettext("ledger section", "报账单"), reverse("claims:ledger", args=[code])),
        ("banking", pgettext("ledger section", "银行对账"), reverse("banking:reconcile", args=[code])),
        ("funds", pgettext("ledger section", "资金项目"), reverse("funds:ledger", args=[code])),
        ("affairs", pgettext("ledger section", "合同资产"), reverse("affairs:contracts", args=[code])),
        ("setup", pgettext("ledger section", "科目与期初"), reverse("setup:accounts", args=[code])),
        ("closing", pgettext("ledger section", "结账"), reverse("setup:closing", args=[code])),
    ]
    if Action.VIEW not in actions:
        items = []
    elif not permissions.can(context["request"].user, BANKING_VIEW, ledger):
        items = [item for item in items if item[0] != "banking"]
    return {
        "items": [
            {"key": key, "title": title, "url": url, "current": key == current} for key, title, url in items
        ],
        "ledger": ledger,
    }


@register.simple_tag
def may_view_alerts(user) -> bool:
    """Whether the top bar offers 监督预警: the user holds, somewhere, a role that sees alerts."""
    if not user.is_authenticated:
        return False
    holding = permissions.roles_holding(VIEW_ALERTS)
    # The assignments the request has read already (kept on the user): no query of its own.
    return user.is_superuser or any(held.role in holding for held in permissions.assignments_of(user))
