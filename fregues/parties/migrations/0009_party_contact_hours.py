"""The customer's contact hours (from, until, weekdays): senders hold non-urgent messages
outside them.

Adding ``contact_weekdays`` (NOT NULL with a default) makes SQLite rebuild ``parties_party``,
which drops the FTS5 search triggers of 0004: they are created again here, both ways (a copy of
0004's code: migrations never import application code).
"""

import sqlite3

from django.db import migrations, models

TABLE = "parties_party_fts"

TRIGGERS = {
    "parties_party_fts_insert": (
        "AFTER INSERT ON parties_party BEGIN "
        f"INSERT INTO {TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END"
    ),
    "parties_party_fts_delete": (
        "AFTER DELETE ON parties_party BEGIN "
        f"INSERT INTO {TABLE}({TABLE}, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); END"
    ),
    # Only when the document changes: saving a party rewrites every column.
    "parties_party_fts_update": (
        "AFTER UPDATE OF search_text ON parties_party "
        "WHEN old.search_text IS NOT new.search_text BEGIN "
        f"INSERT INTO {TABLE}({TABLE}, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); "
        f"INSERT INTO {TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END"
    ),
}


def fts5_trigram_available(connection):
    if sqlite3.sqlite_version_info < (3, 34):
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')")
        return bool(cursor.fetchone()[0])


def create_search_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite" or not fts5_trigram_available(connection):
        return
    schema_editor.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
        "search_text, content='parties_party', content_rowid='id', tokenize='trigram')"
    )
    for name, body in TRIGGERS.items():
        schema_editor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
    # Index the parties that exist already (from the content table).
    schema_editor.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')")


def recreate_search_index(apps, schema_editor):
    create_search_index(apps, schema_editor)


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
