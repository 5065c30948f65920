"""The customer's contact hours (from, until, weekdays): senders hold non-urgent messages
outside them.

Adding ``contact_weekdays`` (NOT NULL with a default) makes SQLite rebuild ``parties_party``,
which drops the FTS5 search triggers of 0004: they are created again here, both ways (0004's own
code).
"""

import importlib

from django.db import migrations, models

# 0004's own code, not a copy: a migration is frozen once released, so reading another one is
# safe (unlike importing application code, which changes).
_fts5 = importlib.import_module("fregues.parties.migrations.0004_sqlite_fts5_search")


def recreate_search_index(apps, schema_editor):
    _fts5.create_search_index(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('parties', '0008_suppression_list'),
    ]

    operations = [
        migrations.AddField(
            model_name='party',
            name='contact_hours_end',
            field=models.TimeField(blank=True, null=True, verbose_name='contact until'),
        ),
        migrations.AddField(
            model_name='party',
            name='contact_hours_start',
            field=models.TimeField(blank=True, null=True, verbose_name='contact from'),
        ),
        migrations.AddField(
            model_name='party',
            name='contact_weekdays',
            field=models.CharField(blank=True, db_default='', default='', help_text='Days of the week the customer accepts contact (1 = Monday … 7 = Sunday).', max_length=20, verbose_name='contact days'),
        ),
        migrations.RunPython(recreate_search_index, recreate_search_index),
    ]
