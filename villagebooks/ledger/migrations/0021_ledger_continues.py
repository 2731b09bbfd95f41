"""A ledger names the ledger whose books it continues (新旧衔接), so that region figures count the
old one up to the year before the new one starts and the new one from then on.

Conversions made before this field are recorded only in the audit log (action ``ledger_convert``,
on the new ledger with ``from`` = the old ledger's code): the link is filled in from those rows.
"""

import django.db.models.deletion
from django.db import migrations, models


def links_from_audit(apps, schema_editor):
    AuditEntry = apps.get_model("common", "AuditEntry")
    Ledger = apps.get_model("ledger", "Ledger")
    for new_id, detail in AuditEntry.objects.filter(action="ledger_convert").values_list("ledger_id", "detail"):
        old_code = (detail or {}).get("from")
        if not old_code:
            continue
        old = Ledger.objects.filter(code=old_code).first()
        if old is not None and old.pk != new_id:
            Ledger.objects.filter(pk=new_id, continues__isnull=True).update(continues=old)


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0003_audit_hash_chain"),
        ("ledger", "0020_renumbering_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="ledger",
            name="continues",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="continued_by",
                to="ledger.ledger",
                verbose_name="接续的旧账套",
            ),
        ),
        migrations.RunPython(links_from_audit, migrations.RunPython.noop),
    ]
