"""fregues restore FILE — load a backup into an empty database and check every table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from fregues.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `fregues backup` into this Freguês's database (which must be "
        "empty unless --force) and its upload folder; every table is checked against the "
        "backup's row counts and checksums."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--force", action="store_true", help="replace what a non-empty database holds"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        connections.close_all()  # the restore works on its own connections
        try:
            report = backup_restore(
                Path(options["file"]),
                database=connections["default"].settings_dict,
                media_root=Path(settings.MEDIA_ROOT),
                force=options["force"],
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if report.mismatches:
            raise CommandError(
                "restored, but these tables differ from the backup:\n  "
                + "\n  ".join(report.mismatches)
            )
        self.stdout.write(
            f"restored {report.tables} tables, {report.rows} rows, {report.media_files} "
            "uploaded files; every table matches the backup"
        )
