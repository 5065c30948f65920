"""Background tasks of the outbound webhooks. Idempotent; they only call services."""

from __future__ import annotations

from django_tasks import task

from .delivery import webhook_deliveries_sweep, webhook_subscription_flush


@task()
def webhook_flush_task(subscription_id: int) -> int:
    """Send a subscription's due deliveries (queued after its events were fanned out)."""
    return webhook_subscription_flush(actor=None, subscription_id=subscription_id)


@task()
def webhook_sweep_task() -> int:
    """Send every due retry (every 30 seconds)."""
    return webhook_deliveries_sweep(actor=None)
