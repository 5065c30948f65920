"""Party.anonymised_at: when the customer's personal data was erased (issue 10, rights).

A nullable column without a default: SQLite adds it in place (ALTER TABLE ... ADD COLUMN),
without rebuilding ``parties_party``, so the FTS5 search triggers of 0004 stay.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('parties', '0010_affiliation_portal_sees_cases'),
    ]

    operations = [
        migrations.AddField(
            model_name='party',
            name='anonymised_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='anonymised at'),
        ),
    ]
