"""Background work of marketing: start the campaigns that are due, send them in throttled
slices. Tasks are idempotent and only call services (see ``services/campaign_sending``)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

SLICE_EVERY = datetime.timedelta(minutes=1)


def _enqueue_slice(campaign_id: int, after: datetime.datetime | None = None) -> None:
    """The next slice of a campaign, a minute after this one started where the task backend
    can wait (the database and Redis workers); at once where it cannot."""
    from django_tasks import task_backends

    backend = task_backends[campaign_send_task.backend]
    if after is not None and backend.supports_defer:
        campaign_send_task.using(run_after=after).enqueue(campaign_id)
    else:
        campaign_send_task.enqueue(campaign_id)


@task()
def campaigns_due_task() -> int:
    """Start the scheduled campaigns whose time has come (periodic, every minute), and
    pick up campaigns whose sending worker died."""
    from .services.campaign_sending import campaigns_start_due

    started = campaigns_start_due()
    for campaign_id in started:
        _enqueue_slice(campaign_id)
    return len(started)


@task()
def campaign_send_task(campaign_id: int) -> int:
    """Send one slice (``throttle_per_minute`` messages) of a campaign and enqueue the next
    one a minute after this one started. Never sends a recipient twice."""
    from .services.campaign_sending import campaign_send_slice

    began = timezone.now()
    result = campaign_send_slice(campaign_id)
    if result.more:
        _enqueue_slice(campaign_id, began + SLICE_EVERY)
    return result.sent
