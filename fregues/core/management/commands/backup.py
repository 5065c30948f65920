"""fregues backup FILE — the database and the uploaded files in one archive (see core/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from fregues.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into FILE (a tar archive)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the archive to write, e.g. fregues-2026-12-05.tar")

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["file"])
        if archive.exists():
            raise CommandError(f"{archive} exists: choose a new name (a backup never overwrites)")
        try:
            manifest = backup_create(
                archive,
                database=connections["default"].settings_dict,
                media_root=Path(settings.MEDIA_ROOT),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            f"{archive}: {manifest['engine']}, {len(manifest['tables'])} tables, {rows} rows, "
            f"{manifest['media_files']} uploaded files"
        )
