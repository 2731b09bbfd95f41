"""The registry's reads that pages, the API and commands share, with the one rule of privacy:
ID numbers, bank cards and phones leave the server masked, unless the viewer holds
``registry.view_personal`` for the person's village AND asked for them; every such unmasked
view is recorded in the operation log (``record_personal_data_view``), once per person shown.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from villagebooks.common.audit import record_personal_data_view
from villagebooks.registry import access
from villagebooks.registry.domain.identity import mask, mask_phone
from villagebooks.registry.models import Household, Person

PERSONAL_FIELDS = ("id_number", "bank_card", "phone")


def households_in_scope(user) -> QuerySet[Household]:
    condition = access.village_filter(user, access.VIEW, to_village="village__")
    households = Household.objects.select_related("village")
    return households if condition is None else households.filter(condition)


def persons_in_scope(user) -> QuerySet[Person]:
    condition = access.village_filter(user, access.VIEW, to_village="village__")
    persons = Person.objects.select_related("household", "village")
    return persons if condition is None else persons.filter(condition)


def household_or_404(user, pk: int) -> Household:
    """A household the user may see; any other (another village, none at all) is a 404 alike."""
    household = households_in_scope(user).filter(pk=pk).first()
    if household is None:
        raise Http404
    return household


def may_see_personal(user, village) -> bool:
    return access.covers(user, access.VIEW_PERSONAL, village)


def person_values(person: Person, *, unmasked: bool) -> dict:
    """A person as plain values, the identifiers masked unless ``unmasked``."""
    return {
        "id": person.pk,
        "household": person.household.number,
        "village": person.village.code,
        "name": person.name,
        "relation": person.relation,
        "sex": person.get_sex_display(),
        "birth_date": person.birth_date.isoformat(),
        "alive": person.alive,
        "death_date": person.death_date.isoformat() if person.death_date else None,
        "id_number": person.id_number if unmasked else mask(person.id_number),
        "bank_card": person.bank_card if unmasked else mask(person.bank_card),
        "bank": person.bank,
        "phone": person.phone if unmasked else mask_phone(person.phone),
        "member": person.is_member,
        "cadre_role": person.cadre_role,
        "cadre_of": person.cadre_of_id,
        "unmasked": unmasked,
    }


def persons_shown(user, persons, *, reveal: bool, via: str) -> list[dict]:
    """``persons`` as they may be shown to ``user``: unmasked only when ``reveal`` is asked for
    and allowed for the person's village, each unmasked person recorded (``via``: page, api,
    csv, cli)."""
    allowed: dict[int, bool] = {}
    shown = []
    for person in persons:
        unmasked = False
        if reveal:
            if person.village_id not in allowed:
                allowed[person.village_id] = may_see_personal(user, person.village)
            unmasked = allowed[person.village_id]
        if unmasked:
            fields = [name for name in PERSONAL_FIELDS if getattr(person, name)]
            if fields:
                record_personal_data_view(actor=user, subject=person, fields=fields, via=via)
        shown.append(person_values(person, unmasked=unmasked))
    return shown


def household_payments(household: Household) -> list[dict]:
    """Every subsidy line of the household's persons: programme, batch, date, amount, state of
    its list, and the voucher that booked it (ledger code and id) once there is one."""
    from villagebooks.registry.models import BatchState, SubsidyLine
    from villagebooks.registry.subsidies import batch_states

    lines = list(
        SubsidyLine.objects.filter(person__household=household)
        .select_related("batch__programme", "batch__ledger", "person")
        .order_by("-batch__pay_date", "batch__code", "row")
    )
    states = batch_states({line.batch for line in lines})
    return [
        {
            "person": line.person.name,
            "programme": line.batch.programme.name,
            "batch": line.batch.code,
            "date": line.batch.pay_date,
            "amount_fen": line.amount_fen,
            "state": BatchState(states[line.batch_id]).label,
            "ledger_code": line.batch.ledger.code,
            "voucher_id": line.batch.voucher_id,
        }
        for line in lines
    ]


def household_voucher_lines(user, household: Household) -> list[dict]:
    """The posted voucher lines booked to a person of the household as a counterparty (written by
    ID number: ``registry.counterparties``), in the ledgers ``user`` may see, newest first."""
    from villagebooks.ledger.access import ledgers_in_scope
    from villagebooks.ledger.models import VoucherLine, VoucherStatus

    persons = dict(household.persons.values_list("id", "name"))
    lines = (
        VoucherLine.objects.filter(
            counterparty__person_key__in=list(persons),
            voucher__status=VoucherStatus.POSTED,
            ledger_id__in=ledgers_in_scope(user).values("id"),
        )
        .select_related("voucher__ledger", "account", "counterparty")
        .order_by("-voucher__date", "-voucher_id", "line_no")[:200]
    )
    return [
        {
            "person": persons.get(line.counterparty.person_key, ""),
            "date": line.voucher.date,
            "summary": line.summary,
            "account": f"{line.account.code} {line.account.name}",
            "debit_fen": line.debit_fen,
            "credit_fen": line.credit_fen,
            "ledger_code": line.voucher.ledger.code,
            "voucher_id": line.voucher_id,
            "voucher": str(line.voucher),
        }
        for line in lines
    ]


def cadre_share(user, year: int) -> dict:
    """For the villages ``user`` sees: what the lists of ``year`` gave in all, the part that went to
    households of a cadre or a cadre's close relative, and those households' share of the
    persons — the comparison the supervision rules start from (优亲厚友)."""
    from django.db.models import Q, Sum

    from villagebooks.registry.models import SubsidyLine

    persons = persons_in_scope(user)
    cadre_households = persons.filter(Q(cadre_role__gt="") | Q(cadre_of__isnull=False)).values("household_id")
    lines = SubsidyLine.objects.filter(batch__pay_date__year=year, person__in=persons.values("id"))
    total = lines.aggregate(s=Sum("amount_fen"))["s"] or 0
    to_cadres = (
        lines.filter(person__household_id__in=cadre_households).aggregate(s=Sum("amount_fen"))["s"] or 0
    )
    people = persons.count()
    in_cadre_households = persons.filter(household_id__in=cadre_households).count()
    return {
        "year": year,
        "total_fen": total,
        "cadres_fen": to_cadres,
        "cadres_share": round(100 * to_cadres / total, 1) if total else None,
        "population_share": round(100 * in_cadre_households / people, 1) if people else None,
    }
