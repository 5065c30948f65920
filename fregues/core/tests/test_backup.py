"""`fregues backup` / `fregues restore`: a restore into an empty database gives back every
table with the same row count and checksum, and the uploaded files."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from fregues.core.backup import (
    BackupError,
    backup_create,
    backup_read_manifest,
    backup_restore,
    database_states,
)
from fregues.interactions.models import Attachment
from fregues.interactions.tests.factories import InteractionFactory
from fregues.parties.tests.factories import PartyFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A new, empty database of the same engine as the tests' own."""
    source = connection.settings_dict
    target = {**source, "TEST": {}}
    if connection.vendor == "postgresql":
        import psycopg

        target["NAME"] = f"{source['NAME']}_restore"
        server: dict[str, Any] = {
            "dbname": "postgres",
            "host": source.get("HOST") or None,
            "port": source.get("PORT") or None,
            "user": source.get("USER") or None,
            "password": source.get("PASSWORD") or None,
            "autocommit": True,
        }
        with psycopg.connect(**server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target["NAME"]}"')
            conn.execute(f'CREATE DATABASE "{target["NAME"]}"')
        yield target
        with psycopg.connect(**server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target["NAME"]}" WITH (FORCE)')
    else:
        target["NAME"] = str(tmp_path / "restored.sqlite3")
        yield target


def _customers_with_an_attachment() -> Attachment:
    for _ in range(3):
        InteractionFactory(party=PartyFactory())
    interaction: Any = InteractionFactory()
    attachment = Attachment(
        interaction=interaction, filename="laudo.pdf", content_type="application/pdf"
    )
    attachment.file.save("laudo.pdf", ContentFile(b"%PDF-1.4 laudo"), save=False)
    attachment.size = 14
    attachment.save()
    return attachment


def test_a_restore_into_an_empty_database_gives_back_every_table_and_file(
    tmp_path: Path, empty_database: dict[str, Any]
) -> None:
    attachment = _customers_with_an_attachment()
    archive = tmp_path / "fregues.tar"
    call_command("backup", str(archive))

    manifest = backup_read_manifest(archive)
    source_states = database_states(connection.settings_dict)
    assert manifest["tables"] == source_states
    assert manifest["tables"]["parties_party"]["rows"] >= 4
    assert manifest["media_files"] == 1
    assert "parties" in manifest["migrations"]

    restored_media = tmp_path / "restored-media"
    report = backup_restore(archive, database=empty_database, media_root=restored_media)

    assert report.mismatches == []
    assert database_states(empty_database) == source_states
    assert (restored_media / str(attachment.file.name)).read_bytes() == b"%PDF-1.4 laudo"


def test_a_changed_row_is_seen_by_the_checksum(
    tmp_path: Path, empty_database: dict[str, Any]
) -> None:
    party: Any = PartyFactory(name="Maria")
    archive = tmp_path / "fregues.tar"
    backup_create(archive, database=connection.settings_dict, media_root=tmp_path / "none")
    party.name = "Mariana"
    party.save(update_fields=["name"])
    after = database_states(connection.settings_dict)
    before = backup_read_manifest(archive)["tables"]
    assert after["parties_party"]["rows"] == before["parties_party"]["rows"]
    assert after["parties_party"]["checksum"] != before["parties_party"]["checksum"]
    assert {t for t in before if before[t] != after[t]} == {"parties_party"}


def test_a_restore_refuses_a_database_that_is_not_empty(tmp_path: Path) -> None:
    PartyFactory()
    archive = tmp_path / "fregues.tar"
    call_command("backup", str(archive))
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive))
    with pytest.raises(CommandError, match="never overwrites"):
        call_command("backup", str(archive))


def test_a_file_that_is_not_a_backup_is_refused_before_anything_is_written(
    tmp_path: Path, empty_database: dict[str, Any]
) -> None:
    bogus = tmp_path / "bogus.tar"
    bogus.write_bytes(b"not a tar")
    with pytest.raises(BackupError, match="not a Freguês backup"):
        backup_restore(bogus, database=empty_database, media_root=tmp_path / "m")
    if connection.vendor == "sqlite":
        assert not Path(empty_database["NAME"]).exists()
    else:
        assert database_states(empty_database) == {}
    assert not (tmp_path / "m").exists()


def test_sqlite_backup_is_a_database_that_opens_on_its_own(tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's copy")
    PartyFactory(name="Joana")
    archive = tmp_path / "fregues.tar"
    backup_create(archive, database=connection.settings_dict, media_root=tmp_path / "none")
    import tarfile

    with tarfile.open(archive) as tar:
        tar.extract("database.sqlite3", tmp_path, filter="data")
    copy = sqlite3.connect(tmp_path / "database.sqlite3")
    assert copy.execute("SELECT count(*) FROM parties_party WHERE name = 'Joana'").fetchone() == (
        1,
    )
    copy.close()
