"""On SQLite, an FTS5 trigram index serves the party search (PostgreSQL has pg_trgm, 0002).

``parties_party_fts`` is an *external content* FTS5 table over ``parties_party.search_text``:
it stores only the trigram index, not a second copy of the text. SQLite triggers keep it in
step with every insert, update and delete, whoever writes (the ORM, raw ``executemany`` of a
bulk import, a test flush), so no application code has to remember it.

The ``trigram`` tokenizer needs SQLite 3.34 with FTS5. Where either is missing nothing is
created and the search seam (``fregues/parties/search.py``) keeps to ``LIKE`` scans.

Caution for later migrations: SQLite cannot alter most columns in place, so Django rebuilds
``parties_party`` (create new table, copy, drop old, rename), and dropping the old table drops
its triggers. A migration that rebuilds ``parties_party`` must create the triggers again
(``create_search_index`` below is idempotent and rebuilds the index);
``fregues/parties/tests/test_search.py`` fails while they are missing.

Self-contained on purpose: migrations never import application code.
"""

import sqlite3

from django.db import migrations

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


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("parties", "0003_party_preferred_channel_and_tier")]

    operations = [migrations.RunPython(create_search_index, drop_search_index)]
