"""Taking over imports whose worker died.

Why: a worker killed mid-import (``kill -9``, a reboot, an out-of-memory kill) leaves its job
"running" for ever, and the background queue never runs that task again. Every few minutes
``import_jobs_recover`` (the periodic ``import_jobs_recover_task``) finds running jobs whose
heartbeat — touched at every committed batch — is older than ``IMPORT_STALE_MINUTES``, and
queues them again: the next worker resumes after the last committed batch (``runs``). A job
that has been taken over ``IMPORT_MAX_ATTEMPTS`` times is reported failed instead, the rows it
imported kept as they are and its rejected rows so far attached.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.events import enqueue_on_commit

from .models import ImportJob
from .runs import partials_delete


def import_jobs_recover(*, actor: Any = None, stale_minutes: float | None = None) -> list[int]:
    """Queue again (or fail, after too many attempts) the running imports whose worker stopped
    beating; returns their ids. Safe to run anywhere, any number of times: each take-over is
    conditional on the job's attempt not having moved, and raises it (fencing the old worker)."""
    minutes = settings.IMPORT_STALE_MINUTES if stale_minutes is None else stale_minutes
    stale = timezone.now() - timedelta(minutes=minutes)
    running = ImportJob.objects.filter(status=ImportJob.Status.RUNNING).filter(
        Q(heartbeat_at__lte=stale) | Q(heartbeat_at__isnull=True, started_at__lte=stale)
    )
    taken: list[int] = []
    for job in running.order_by("pk"):
        with transaction.atomic():
            if job.attempt >= settings.IMPORT_MAX_ATTEMPTS:
                if _give_up(actor, job):
                    taken.append(job.pk)
                continue
            moved = ImportJob.objects.filter(
                pk=job.pk, attempt=job.attempt, status=ImportJob.Status.RUNNING
            ).update(status=ImportJob.Status.PENDING, attempt=F("attempt") + 1)
            if not moved:
                continue  # it moved on meanwhile
            audit_record(
                actor=actor,
                action="update",
                instance=job,
                summary=_("%(job)s: its worker stopped after %(done)s rows; queued again")
                % {"job": job, "done": job.rows_done},
            )
            enqueue_on_commit("fregues.integrations.tasks.import_job_task", job_id=job.pk)
            taken.append(job.pk)
    return taken


def _give_up(actor: Any, job: ImportJob) -> bool:
    message = _(
        "The import stopped before the end, %(n)s times. The %(done)s rows before the stop are "
        "imported and stay as they are; import the rest of the file again."
    ) % {"n": job.attempt, "done": job.rows_done}
    partial = Path(str(job.checkpoint.get("rejected_file", "")))
    error_file = ""
    if job.rejected and partial.is_file():  # the part of the file the checkpoint vouches for
        with partial.open("rb") as handle:
            kept = handle.read(int(job.checkpoint.get("rejected_bytes", 0)))
        name = f"{Path(job.filename).stem}-rejected-{job.pk}.csv"
        job.error_file.save(name, ContentFile(kept), save=False)
        error_file = job.error_file.name or ""
    failed = ImportJob.objects.filter(
        pk=job.pk, attempt=job.attempt, status=ImportJob.Status.RUNNING
    ).update(
        status=ImportJob.Status.FAILED,
        message=message,
        finished_at=timezone.now(),
        error_file=error_file,
        attempt=F("attempt") + 1,
    )
    if not failed:
        if error_file:
            job.error_file.delete(save=False)
        return False
    audit_record(actor=actor, action="update", instance=job, summary=message)
    transaction.on_commit(lambda: partials_delete(job.pk))
    return True
