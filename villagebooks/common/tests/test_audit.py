"""The operation log's helpers: what a change records, and the record of a view of personal data."""

from __future__ import annotations

import pytest

from villagebooks.common.audit import PERSONAL_DATA_VIEW, changes, record_personal_data_view
from villagebooks.common.models import AuditEntry
from villagebooks.regions.models import Region


def test_changes_keep_only_what_changed_nested_too():
    before = {
        "date": "2025-03-05",
        "note": "",
        "lines": {"1": {"account": "102", "debit_fen": 100}, "2": {"a": 1}},
    }
    after = {
        "date": "2025-03-05",
        "note": "补",
        "lines": {"1": {"account": "101", "debit_fen": 100}, "3": {"a": 1}},
    }

    assert changes(before, after) == {
        "before": {"note": "", "lines": {"1": {"account": "102"}, "2": {"a": 1}}},
        "after": {"note": "补", "lines": {"1": {"account": "101"}, "3": {"a": 1}}},
    }


def test_no_change_records_nothing_and_a_key_gone_is_kept_on_its_side():
    assert changes({"a": 1, "b": {"c": 2}}, {"a": 1, "b": {"c": 2}}) == {"before": {}, "after": {}}
    assert changes({"fund": None}, {}) == {"before": {"fund": None}, "after": {}}


@pytest.mark.django_db
def test_a_view_of_personal_data_is_one_row_naming_the_fields_never_the_values(accountant, township):
    entry = record_personal_data_view(
        actor=accountant, subject=township, fields=["phone", "id_number", "phone"], ledger_id=7
    )

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.actor, stored.action, stored.ledger_id) == (accountant, PERSONAL_DATA_VIEW, 7)
    assert (stored.object_type, stored.object_id) == ("Region", township.pk)
    assert stored.detail == {"fields": ["id_number", "phone"], "via": "page"}


@pytest.mark.django_db
def test_a_view_of_personal_data_must_name_fields_and_a_saved_subject(accountant, township):
    before = AuditEntry.objects.count()
    with pytest.raises(ValueError):
        record_personal_data_view(actor=accountant, subject=township, fields=[])
    with pytest.raises(ValueError):
        record_personal_data_view(actor=accountant, subject=Region(code="510781100299"), fields=["phone"])
    assert AuditEntry.objects.count() == before
