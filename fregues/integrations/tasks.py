"""Background tasks of import and export. Idempotent; they only call services."""

from __future__ import annotations

from django_tasks import task

from .models import ImportJob
from .services import import_job_run


@task()
def import_job_task(job_id: int) -> str:
    """Run an import queued from the UI or the API, as the user who queued it."""
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        return "gone"
    return import_job_run(actor=job.created_by, job_id=job_id).status
