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


@task()
def mail_poll_task(mailbox_id: int) -> str:
    """Poll one mailbox now (the API's and the screen's "poll" button)."""
    from .mail.polling import mailbox_poll

    result = mailbox_poll(actor=None, mailbox_id=mailbox_id)
    return result.error or f"{result.taken_in} taken in"


@task()
def mail_poll_all_task() -> int:
    """Poll every active mailbox (periodic, every minute)."""
    from .mail.polling import mailboxes_poll

    return sum(r.taken_in for r in mailboxes_poll(actor=None))


@task()
def import_jobs_recover_task() -> list[int]:
    """Queue again the imports whose worker died (periodic, every 5 minutes)."""
    from .recovery import import_jobs_recover

    return import_jobs_recover(actor=None)
