"""fregues import parties|interactions|leads|orders|consents FILE — load a CSV or XLSX file, with a
progress bar."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from fregues.accounts.models import User
from fregues.core.errors import ServiceError
from fregues.integrations.fields import FIELDS
from fregues.integrations.models import ImportJob
from fregues.integrations.services import import_job_create, import_job_run


class _DryRun(Exception):
    """Raised after a dry run's summary to roll its transaction back."""


class Command(BaseCommand):
    help = (
        "Import customers (parties), their contact history (interactions), leads, orders (one "
        "row per order line) or consents (one row per grant or withdrawal) from a CSV or XLSX file. Columns are recognised by their header in "
        "Portuguese or English; --map overrides."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", choices=sorted(FIELDS))
        parser.add_argument("file")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help="Map a column to a field (FIELD empty: ignore the column). Repeatable.",
        )
        parser.add_argument(
            "--on-match",
            choices=["update", "skip", "create"],
            default="update",
            help="What to do with a row that matches an existing customer (default: update; "
            "customer files only).",
        )
        parser.add_argument(
            "--source", default="import", help="The system the external ids come from."
        )
        parser.add_argument("--encoding", help="The file's encoding (default: detect).")
        parser.add_argument("--errors", help="Where to write the rejected rows (CSV).")
        parser.add_argument("--as", dest="username", help="Import as this user (audit trail).")
        parser.add_argument("--max-mb", type=int, help="Refuse files larger than this.")
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument("--fields", action="store_true", help="List the fields and exit.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check and match every row, report what would happen, and write nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["fields"]:
            for spec in FIELDS[options["kind"]]:
                names = ", ".join(spec.aliases[:6])
                self.stdout.write(f"{spec.name:20} {spec.label}  ({names}…)")
            return
        actor = None
        if options["username"]:
            actor = User.objects.filter(username=options["username"], is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user named '{options['username']}'.")
        mapping: dict[str, str] = {}
        for item in options["map"]:
            column, sep, field = item.partition("=")
            if not sep:
                raise CommandError(f"--map takes COLUMN=FIELD, not '{item}'.")
            mapping[column.strip()] = field.strip()
        if not options["dry_run"]:
            self._import(actor, mapping, options)
            return
        try:  # the whole run in one transaction, rolled back once the summary is out
            with transaction.atomic():
                self._import(actor, mapping, options, dry_run=True)
        except _DryRun:
            self.stderr.write("Dry run: nothing was written.")

    def _import(
        self, actor: Any, mapping: dict[str, str], options: dict[str, Any], dry_run: bool = False
    ) -> None:
        try:
            job = import_job_create(
                actor=actor,
                kind=options["kind"],
                file=Path(options["file"]),
                mapping=mapping or None,
                on_match=options["on_match"],
                source=options["source"],
                encoding=options["encoding"],
                max_bytes=options["max_mb"] * 1024 * 1024 if options["max_mb"] else None,
            )
        except ServiceError as exc:
            raise CommandError(_describe(exc)) from exc
        quiet = options["json"] or options["no_progress"] or not sys.stderr.isatty()
        if not options["json"]:
            self.stderr.write(
                "Columns: "
                + ", ".join(f"{c} → {f}" for c, f in job.mapping.items())
                + "\n"
                + "".join(f"Note: {n}\n" for n in job.options.get("notes", []))
            )
        try:
            job = self._run(actor, job, quiet)
        except ServiceError as exc:
            raise CommandError(_describe(exc)) from exc
        except Exception as exc:  # the job records it; the user gets a sentence, not a trace
            raise CommandError(f"The import stopped: {exc}") from exc
        if job.error_file and options["errors"]:
            with job.error_file.open("rb") as src, Path(options["errors"]).open("wb") as dst:
                shutil.copyfileobj(src, dst)
        self._summary(job, options)
        if dry_run:
            for stored in (job.file, job.error_file):
                if stored:
                    stored.delete(save=False)  # files are not part of the transaction
            raise _DryRun
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(job.message)

    def _run(self, actor: Any, job: ImportJob, quiet: bool) -> ImportJob:
        if quiet:
            return import_job_run(actor=actor, job_id=job.pk)
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>9,.0f} rows/s"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            transient=False,
        ) as bar:
            task = bar.add_task(job.filename, total=job.rows_total or None, rate=0.0)

            def progress(current: ImportJob) -> None:
                staging = current.options.get("phase") == "staging"
                bar.update(
                    task,
                    description=f"{job.filename} ({_('reading')})" if staging else job.filename,
                    completed=current.options.get("rows_staged", 0)
                    if staging
                    else current.rows_done,
                    total=max(current.rows_total, current.rows_done) or None,
                    rate=current.rows_per_second,
                )

            return import_job_run(actor=actor, job_id=job.pk, progress=progress)

    def _summary(self, job: ImportJob, options: dict[str, Any]) -> None:
        seconds = (
            (job.finished_at - job.started_at).total_seconds()
            if job.finished_at and job.started_at
            else 0.0
        )
        summary = {
            "job": job.pk,
            "status": job.status,
            "rows": job.rows_done,
            "created": job.created,
            "updated": job.updated,
            "skipped": job.skipped,
            "duplicates_in_file": job.options.get("duplicates", 0),
            "rejected": job.rejected,
            "seconds": round(seconds, 3),
            "rows_per_second": round(job.rows_done / seconds, 1) if seconds else 0.0,
            "errors_file": options["errors"] or (job.error_file.path if job.error_file else None),
        }
        if job.options.get("steps"):
            summary["steps"] = job.options["steps"]  # a staged orders import's timings
        if options["json"]:
            self.stdout.write(json.dumps(summary))
            return
        self.stdout.write(
            f"{job.rows_done} rows in {seconds:.1f} s ({summary['rows_per_second']:,.0f} rows/s): "
            f"{job.created} created, {job.updated} updated, {job.skipped} skipped, "
            f"{job.rejected} rejected."
        )
        if job.rejected:
            self.stdout.write(f"Rejected rows, with line and reason: {summary['errors_file']}")


def _describe(exc: ServiceError) -> str:
    details = [m for messages in exc.errors.values() for m in messages if m != exc.message]
    return " ".join([exc.message, *details])
