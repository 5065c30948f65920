"""On PostgreSQL, a trigram GIN index serves the party search (LIKE '%term%').

SQLite has no such index: the same search runs as a scan there (the search seam in
fregues/parties/selectors.py is the one place that knows).
"""

from django.db import migrations


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS party_search_trgm ON parties_party "
        "USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS party_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("parties", "0001_parties_contact_points_lifecycle")]

    operations = [migrations.RunPython(create_trigram_index, drop_trigram_index)]
