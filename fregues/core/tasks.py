"""Background tasks of the core: delivering outbox events."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .models import OutboxEvent

# Receivers register here (later: webhooks, notifications). Each takes (name, payload).
EVENT_RECEIVERS: list = []
# Receivers of whole batches: each takes the list of OutboxEvent rows (in order, with their
# ids), inside the transaction that marks them dispatched (the outbound webhooks' fan-out).
BATCH_RECEIVERS: list = []


@task()
def send_email(subject: str, body: str, to: list[str]) -> int:
    """Send one e-mail through Django's e-mail backend, out of the request (retried by the
    worker's backend when the mail server fails, never failing the change that caused it)."""
    from django.conf import settings
    from django.core.mail import send_mail

    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)


@task()
def outbox_dispatch() -> int:
    """Deliver pending outbox events in order. Idempotent: a delivered event is skipped."""
    delivered = 0
    while True:
        with transaction.atomic():
            batch = list(
                OutboxEvent.objects.select_for_update()
                .filter(dispatched_at__isnull=True)
                .order_by("id")[:200]
            )
            if not batch:
                return delivered
            for event in batch:
                for receiver in EVENT_RECEIVERS:
                    receiver(event.name, event.payload)
            for batch_receiver in BATCH_RECEIVERS:
                batch_receiver(batch)
            OutboxEvent.objects.filter(pk__in=[e.pk for e in batch]).update(
                dispatched_at=timezone.now()
            )
            delivered += len(batch)
