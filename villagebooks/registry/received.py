"""What households received (part 5 of the registry issue): for a village or a region, who received
what from every list paid in some months, the totals by programme and by household status, and
the share that went to the households of cadres (村干部) and their close relatives against those
households' share of the population — where 优亲厚友 would show.

Amounts are summed in SQL; identifiers are always masked here (an overview of who received what
needs names, not ID numbers); a list counts once its voucher is posted and not reversed (the
books hold it), and every line says where its list stands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError
from villagebooks.regions.models import Region
from villagebooks.registry import access
from villagebooks.registry.domain.identity import mask
from villagebooks.registry.models import BatchState, Person, SubsidyBatch, SubsidyLine
from villagebooks.registry.subsidies import batch_states

UNKNOWN_REGION = _("行政区划 {code} 不存在或您无权查看")
RANGE_REVERSED = _("起始期间不能晚于结束期间")
COLUMNS = ("village", "household", "name", "id_number", "status", "cadre", "programme", "batch", "date",
           "amount", "state")  # fmt: skip
HEADERS = (_("村"), _("户编号"), _("姓名"), _("身份证号"), _("户类型"), _("村干部及近亲属户"), _("补贴项目"),
           _("批次"), _("发放日期"), _("金额"), _("发放状态"))  # fmt: skip


@dataclass
class Total:
    key: str
    persons: int
    amount_fen: int


@dataclass
class Received:
    region: Region
    first: date
    last: date
    rows: list[dict] = field(default_factory=list)
    by_programme: list[Total] = field(default_factory=list)
    by_status: list[Total] = field(default_factory=list)
    total_fen: int = 0
    cadres_fen: int = 0
    population: int = 0
    cadre_population: int = 0

    @property
    def cadres_share(self) -> float | None:
        return round(100 * self.cadres_fen / self.total_fen, 1) if self.total_fen else None

    @property
    def population_share(self) -> float | None:
        return round(100 * self.cadre_population / self.population, 1) if self.population else None


def _cadre_households(persons):
    return persons.filter(Q(cadre_role__gt="") | Q(cadre_of__isnull=False)).values("household_id")


def region_seen(user, region_code: str) -> Region | None:
    """The region of ``region_code`` if ``user`` sees at least one of its villages, else None
    (an unknown region and one outside the user's scope look the same)."""
    region = Region.objects.filter(code=region_code).first()
    if (
        region is None
        or not access.villages_in_scope(user, access.VIEW).filter(path__startswith=region.path).exists()
    ):
        return None
    return region


def received(*, user, region_code: str, from_key: int, to_key: int) -> Received:
    """Lists paid in the months ``from_key``..``to_key`` (YYYYMM) to persons of the villages under
    ``region_code`` that ``user`` sees."""
    if from_key > to_key:
        raise DomainError(RANGE_REVERSED, field="from")
    region = region_seen(user, region_code)
    villages = access.villages_in_scope(user, access.VIEW)
    if region is None:
        raise DomainError(UNKNOWN_REGION.format(code=region_code), field="region")
    first = date(from_key // 100, from_key % 100, 1)
    last_month = date(to_key // 100, to_key % 100, 1)
    last = date(last_month.year + (last_month.month == 12), last_month.month % 12 + 1, 1)
    village_ids = villages.filter(path__startswith=region.path).values("id")
    persons = Person.objects.filter(village_id__in=village_ids)
    cadre_households = _cadre_households(persons)
    batches = SubsidyBatch.objects.filter(pay_date__gte=first, pay_date__lt=last)
    lines = SubsidyLine.objects.filter(batch__in=batches, person__village_id__in=village_ids).annotate(
        cadre=Exists(
            Person.objects.filter(household_id=OuterRef("person__household_id")).filter(
                Q(cadre_role__gt="") | Q(cadre_of__isnull=False)
            )
        )
    )
    result = Received(region=region, first=first, last=last)
    states = batch_states(batches.filter(pk__in=lines.values("batch_id")).only("id", "voucher_id"))
    for line in lines.select_related("person__household", "person__village", "batch__programme").order_by(
        "person__village__code", "person__household__number", "person_id", "batch__pay_date", "batch__code"
    ):
        household = line.person.household
        result.rows.append(
            {
                "village": line.person.village.name,
                "household": household.number,
                "name": line.person.name,
                "id_number": mask(line.id_number),
                "status": household.monitor_kind or household.status,
                "cadre": line.cadre,
                "programme": line.batch.programme.name,
                "batch": line.batch.code,
                "date": line.batch.pay_date,
                "amount_fen": line.amount_fen,
                "state": BatchState(states[line.batch_id]).label,
            }
        )
    result.by_programme = [
        Total(name, persons, amount or 0)
        for name, persons, amount in lines.values("batch__programme__name")
        .annotate(p=Count("person_id", distinct=True), a=Sum("amount_fen"))
        .order_by("batch__programme__name")
        .values_list("batch__programme__name", "p", "a")
    ]
    result.by_status = [
        Total(status or "-", persons, amount or 0)
        for status, persons, amount in lines.values("person__household__status")
        .annotate(p=Count("person_id", distinct=True), a=Sum("amount_fen"))
        .order_by("person__household__status")
        .values_list("person__household__status", "p", "a")
    ]
    result.total_fen = lines.aggregate(s=Sum("amount_fen"))["s"] or 0
    result.cadres_fen = (
        lines.filter(person__household_id__in=cadre_households).aggregate(s=Sum("amount_fen"))["s"] or 0
    )
    result.population = persons.count()
    result.cadre_population = persons.filter(household_id__in=cadre_households).count()
    return result


def received_rows(report: Received) -> list[list]:
    """The rows in ``COLUMNS`` order (amount in fen, cadre as 是/否) for CSV, XLSX and PDF."""
    yes, no = str(_("是")), str(_("否"))
    return [
        [
            r["village"],
            r["household"],
            r["name"],
            r["id_number"],
            r["status"],
            yes if r["cadre"] else no,
            r["programme"],
            r["batch"],
            r["date"].isoformat(),
            r["amount_fen"],
            r["state"],
        ]  # fmt: skip
        for r in report.rows
    ]
