"""A voucher posted by an import records the file it came reviewed in (name and SHA-256).

Nullable columns: SQLite adds them with ALTER TABLE, without rebuilding the table and so
without dropping its posted-voucher triggers (0002, 0007).
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0008_guard_ids_and_replace'),
    ]

    operations = [
        migrations.AddField(
            model_name='voucher',
            name='source_file',
            field=models.CharField(blank=True, max_length=255, null=True),
        ),
        migrations.AddField(
            model_name='voucher',
            name='source_sha256',
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
    ]
