"""The reads behind the endpoints, each starting from ``ledgers_in_scope``.

A ledger, voucher or attachment the caller may not view raises the same ``NotFound`` as one
that does not exist, with the same message, so the API never tells which it is.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from villagebooks.api.errors import NotFound
from villagebooks.ledger.access import Action, ledgers_in_scope
from villagebooks.ledger.models import Attachment, Ledger, Voucher
from villagebooks.ledger.selectors import attachment_get, ledger_get, ledgers_in_force, voucher_get
from villagebooks.regions.models import Region
from villagebooks.reports.scope import UNKNOWN_LEDGER

UNKNOWN_VOUCHER = "凭证 {id} 不存在或您无权查看"
UNKNOWN_ATTACHMENT = "附件 {id} 不存在或您无权查看"
UNKNOWN_REGION = "区划 {code} 不存在或其中没有您可以查看的账套"


def ledger_or_404(user, code: str) -> Ledger:
    ledger = ledger_get(user=user, code=code)
    if ledger is None:
        raise NotFound(UNKNOWN_LEDGER.format(code=code))
    return ledger


def ledgers_list(user, *, search: str = "", region: str = "") -> QuerySet[Ledger]:
    ledgers = ledgers_in_scope(user, Action.VIEW).select_related("village")
    if search:
        ledgers = ledgers.filter(
            Q(code__icontains=search) | Q(name__icontains=search) | Q(village__name__icontains=search)
        )
    if region:
        place = Region.objects.filter(code=region).first()
        ledgers = ledgers.filter(village__path__startswith=place.path) if place else ledgers.none()
    return ledgers.order_by("code")


def voucher_or_404(user, code: str, voucher_id: int, *, details: bool = False) -> Voucher:
    """A voucher of ledger ``code`` (with its lines and attachments if ``details``); 404 unless
    both are in scope, the ledger's message when the ledger is not."""
    voucher = voucher_get(user=user, ledger_code=code, voucher_id=voucher_id, details=details)
    if voucher is None:
        ledger_or_404(user, code)  # which of the two is unknown, only once something is
        raise NotFound(UNKNOWN_VOUCHER.format(id=voucher_id))
    return voucher


def vouchers_list(ledger: Ledger, *, period_key: int | None = None, status: str | None = None):
    vouchers = Voucher.objects.filter(ledger=ledger).select_related(
        "period", "prepared_by", "reviewed_by", "posted_by"
    )
    if period_key is not None:
        vouchers = vouchers.filter(period__year=period_key // 100, period__month=period_key % 100)
    if status:
        vouchers = vouchers.filter(status=status)
    return vouchers.order_by("date", "id")


def attachment_or_404(user, code: str, voucher_id: int, attachment_id: int) -> Attachment:
    attachment = attachment_get(
        user=user, ledger_code=code, voucher_id=voucher_id, attachment_id=attachment_id
    )
    if attachment is None:
        voucher_or_404(user, code, voucher_id)  # the ledger's or the voucher's message first
        raise NotFound(UNKNOWN_ATTACHMENT.format(id=attachment_id))
    return attachment


@dataclass
class RegionNode:
    code: str
    name: str
    kind: str
    ledgers: int = 0
    villages: int = 0
    children: list[RegionNode] = field(default_factory=list)


def region_tree(user, *, root: str = "") -> list[RegionNode]:
    """The regions that hold ledgers ``user`` may view, with their ancestors, as a tree.

    Each node counts the villages beneath it that hold such a ledger, each once, and the ledgers
    a region report adds up there: a village whose 2004 ledger was carried over to a new one
    (新旧衔接, ``Ledger.continues``) is one village with one ledger in force (``in_force``), its
    old ledger counted only where the caller cannot see the new one (``ledgers_in_force``, the
    rule the pages count by too). Places without such a ledger are left out. ``root`` narrows the
    answer to one node of that tree and its descendants.
    """
    # An old ledger's village is its new ledger's: the ledgers in force hold every village seen.
    rows = ledgers_in_force(user, Action.VIEW).values_list("village_id", "village__path")
    ledgers_under: Counter[str] = Counter()
    villages_under: dict[str, set[int]] = defaultdict(set)
    for village, path in rows:
        for code in path.strip("/").split("/"):
            ledgers_under[code] += 1
            villages_under[code].add(village)
    if root and root not in villages_under:
        raise NotFound(UNKNOWN_REGION.format(code=root))
    rows = (
        Region.objects.filter(code__in=list(villages_under))
        .order_by("code")
        .values_list("code", "name", "kind", "parent__code")
    )
    nodes, parents = {}, {}
    for code, name, kind, parent in rows:
        nodes[code] = RegionNode(code, name, kind, ledgers_under[code], len(villages_under[code]))
        parents[code] = parent
    for code, node in nodes.items():
        if parents[code] in nodes:
            nodes[parents[code]].children.append(node)
    if root:
        return [nodes[root]]
    return [node for code, node in nodes.items() if parents[code] not in nodes]
