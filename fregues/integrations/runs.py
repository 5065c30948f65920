"""One import run that survives its worker being killed: a checkpoint per batch, the rejected
rows kept on disk, a heartbeat, and fencing.

Why: a worker can die at any instant (``kill -9``, the machine rebooting, the database
restarting under it). Each batch is one transaction that also writes the job's counters and
its checkpoint — the number of batches done and how far the rejected-rows file is valid — so
what the database holds and what the checkpoint says never disagree. A run taking the job over
(``recovery.import_jobs_recover``) skips the batches done, copies the valid part of the
rejected-rows file of the attempt before, and goes on: nothing lost, nothing done twice.

Each worker taking a job raises ``ImportJob.attempt``; every write of a run is conditional on
its own attempt still being the job's, so a stale worker that wakes up after another took over
has its batch rolled back (``ImportSuperseded``) and writes nothing. The rejected rows go to
``MEDIA_ROOT/imports/partial/job-<id>-<attempt>.csv`` (one file per attempt, so two workers
never write the same file); the finished run attaches them as the job's error file.
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from fregues.core.bulk import refresh_statistics
from fregues.parties.services.imports import ImportReport, ImportRow

from .models import ImportJob

T = TypeVar("T")
_COUNTERS = ("created", "updated", "skipped", "duplicates")


class ImportSuperseded(Exception):
    """Another worker took this job over (its attempt is newer): this one must stop, having
    written nothing since."""


def partial_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "partial"


def partial_path(job_id: int, attempt: int) -> Path:
    return partial_dir() / f"job-{job_id}-{attempt}.csv"


class ImportRun:
    """The state of one attempt at a job: counters, timing, the rejected-rows file, and the
    checkpoint it resumes from (``job.checkpoint``: empty for a first run)."""

    def __init__(self, job: ImportJob, header: list[str], tables: tuple[Any, ...] = ()) -> None:
        self.job = job
        self.attempt = job.attempt
        self.tables = tables
        self.report = ImportReport()
        self.rows_done = 0
        self.analysed = 0
        self.unreadable = 0
        self.batches = 0
        self.started = time.perf_counter()
        self.header = header
        self.path = partial_path(job.pk, self.attempt)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.resumed: dict[str, Any] = dict(job.checkpoint or {})
        self.skip = int(self.resumed.get("batches", 0))
        previous = Path(self.resumed.get("rejected_file") or "/nonexistent")
        if self.skip and not previous.is_file():
            raise FileNotFoundError(f"the rejected rows kept by the last attempt ({previous})")
        if self.skip:
            with previous.open("rb") as source, self.path.open("wb") as target:
                shutil.copyfileobj(source, target)
                target.truncate(int(self.resumed["rejected_bytes"]))
            self.rejected_file = self.path.open("a", encoding="utf-8", newline="")
        else:
            self.rejected_file = self.path.open("w", encoding="utf-8-sig", newline="")
            csv.writer(self.rejected_file).writerow(["line", "reason", *header])
        self.writer = csv.writer(self.rejected_file)
        self.written = 0

    # --- resuming -------------------------------------------------------------------------

    def remaining(self, batches: Iterable[T]) -> Iterator[T]:
        """The batches not done yet: the first ``skip`` are read (the reader's state, e.g. the
        orders already met, depends on them) and dropped, then the counters are those of the
        checkpoint, the rejected rows those of the file kept."""
        if not self.skip:
            yield from batches
            return
        for number, batch in enumerate(batches):
            if number < self.skip:
                if number == self.skip - 1:
                    self._restore()
                continue
            yield batch
        if self.skip:  # the file ended before the checkpoint's batches: nothing to add
            self._restore()

    def _restore(self) -> None:
        saved = self.resumed
        self.batches = self.skip
        self.rows_done = int(saved.get("rows", 0))
        self.unreadable = int(saved.get("unreadable", 0))
        for name in _COUNTERS:
            setattr(self.report, name, int(saved.get(name, 0)))
        self.rejected_file.flush()
        with self.path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))[1:]
        self.report.rejected = [(int(row[0]), row[1]) for row in rows]
        self.written = len(self.report.rejected)
        self.skip = 0

    # --- one batch ------------------------------------------------------------------------

    @contextlib.contextmanager
    def step(self) -> Iterator[None]:
        """One batch: its writes, the job's counters and the checkpoint in one transaction,
        committed only while this attempt still holds the job. A batch that fails (its rows
        rolled back) leaves the counters and the rejected rows as they were before it."""
        report = self.report
        before = (self.rows_done, [getattr(report, n) for n in _COUNTERS], len(report.rejected))
        batches = self.batches
        self.rejected_file.flush()
        size = self.path.stat().st_size
        try:
            with self._transaction():
                yield
        except BaseException:
            self.rows_done, counters, rejected = before
            self.batches = batches
            for name, value in zip(_COUNTERS, counters, strict=True):
                setattr(report, name, value)
            del report.rejected[rejected:]
            self.written = min(self.written, rejected)
            self.rejected_file.flush()
            self.rejected_file.truncate(size)
            self.rejected_file.seek(0, os.SEEK_END)
            raise

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        with transaction.atomic():
            yield
            self.batches += 1
            self.rejected_file.flush()
            os.fsync(self.rejected_file.fileno())
            checkpoint = {
                "batches": self.batches,
                "rows": self.rows_done,
                "unreadable": self.unreadable,
                "rejected_file": str(self.path),
                "rejected_bytes": self.path.stat().st_size,
                **{name: getattr(self.report, name) for name in _COUNTERS},
            }
            self.job.checkpoint = checkpoint
            self._fenced_update(checkpoint=checkpoint, **self._counters())

    def _counters(self) -> dict[str, Any]:
        job, report = self.job, self.report
        elapsed = max(time.perf_counter() - self.started, 1e-6)
        job.rows_done = self.rows_done + self.unreadable
        job.created = report.created
        job.updated = report.updated
        job.skipped = report.skipped + report.duplicates
        job.rejected = len(report.rejected)
        done_here = job.rows_done - int(self.resumed.get("rows", 0))
        job.rows_per_second = round(max(done_here, 0) / elapsed, 1)
        job.rows_total = max(job.rows_total, job.rows_done)
        job.options = {**job.options, "duplicates": report.duplicates}
        return {
            name: getattr(job, name)
            for name in (
                "rows_done", "created", "updated", "skipped", "rejected",
                "rows_per_second", "rows_total",
            )
        }  # fmt: skip

    def _fenced_update(self, **fields: Any) -> None:
        fields["heartbeat_at"] = timezone.now()
        held = ImportJob.objects.filter(pk=self.job.pk, attempt=self.attempt)
        if not held.update(**fields):
            raise ImportSuperseded(f"import {self.job.pk}: attempt {self.attempt} superseded")

    def add(self, batch: list[ImportRow], result: ImportReport) -> None:
        """Count a batch and write its rejections, each with the row as it was in the file."""
        self.add_counted(len(batch), batch, result)

    def add_counted(self, count: int, rows: list[ImportRow], result: ImportReport) -> None:
        """``add`` for a staged run: ``count`` rows done, ``rows`` those read back (the cells
        of its rejected rows are among them)."""
        self.report.add(result)
        self.rows_done += count
        cells = {row.line: row.cells for row in rows}
        for line, reason in self.report.rejected[self.written :]:
            self.writer.writerow([line, reason, *cells.get(line, [])])
        self.written = len(self.report.rejected)

    def refresh_statistics(self) -> None:
        """Re-analyse the tables being loaded each time the rows written double (20k, 40k,
        80k, ...): a handful of ANALYZEs per million rows keeps the lookups on their indexes."""
        written = self.report.created + self.report.updated
        if written < max(20000, 2 * self.analysed):
            return
        self.analysed = written
        refresh_statistics(*self.tables)

    def save_counters(self) -> None:
        """The counters now (outside a batch: the staging phase, the rows after the last)."""
        self._fenced_update(**self._counters())

    # --- the end --------------------------------------------------------------------------

    def finish(self) -> None:
        """Record the outcome (``job.status`` as set by the caller) and attach the rejected
        rows; a superseded attempt records nothing."""
        job = self.job
        fields = self._counters()
        job.finished_at = timezone.now()
        if job.status == ImportJob.Status.DONE:
            job.rows_total = fields["rows_total"] = job.rows_done
        self.rejected_file.close()
        if self.report.rejected:
            name = f"{Path(job.filename).stem}-rejected-{job.pk}.csv"
            with self.path.open("rb") as handle:
                job.error_file.save(name, File(handle), save=False)
        try:
            self._fenced_update(
                **fields,
                status=job.status,
                message=job.message,
                finished_at=job.finished_at,
                error_file=job.error_file.name or "",
                options=job.options,
            )
        except ImportSuperseded:
            if job.error_file:
                job.error_file.delete(save=False)
            raise
        partials_delete(job.pk)

    def abandon(self) -> None:
        """This attempt stops without recording anything (superseded). Its file stays: the
        checkpoint the next attempt resumes from may point into it."""
        self.rejected_file.close()


def partials_delete(job_id: int) -> None:
    """The partial rejected-rows files of a job that has finished."""
    for path in partial_dir().glob(f"job-{job_id}-*.csv"):
        path.unlink(missing_ok=True)
