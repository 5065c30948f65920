"""Background work of the sales app. Tasks are idempotent and only call services."""

from __future__ import annotations

from django_tasks import task


@task()
def activity_reminders_task() -> int:
    """Send the reminders that are due (periodic, every minute). A reminder is sent once."""
    from .services.activities import activity_reminders_send

    return activity_reminders_send()


@task()
def quote_deliver_task(quote_id: int, access_key: str) -> bool:
    """E-mail a sent quote (PDF attached, signed link) to the customer; a repeat of the same
    send (same access key) does nothing."""
    from .services.quotes import quote_deliver

    return quote_deliver(quote_id=quote_id, access_key=access_key)


@task()
def lifecycle_sweep_task() -> int:
    """Apply the time-based lifecycle rules (no order for N months → inactive), daily."""
    from .services.lifecycle_rules import lifecycle_sweep

    return lifecycle_sweep()


@task()
def quotes_expire_task() -> int:
    """Mark the sent quotes past their validity expired (periodic, daily)."""
    from .services.quote_links import quotes_expire

    return quotes_expire()
