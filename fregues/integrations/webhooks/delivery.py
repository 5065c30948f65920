"""Sending events to webhook subscriptions: fan-out from the outbox, the signed POST, retries.

How nothing is missed:

- ``webhook_deliveries_fan_out`` runs inside the outbox dispatcher's transaction
  (``fregues.core.tasks.BATCH_RECEIVERS``): the delivery rows are written in the same commit
  that marks the events dispatched, so a process dying in between leaves the events
  undispatched and the next run fans them out again; the unique (subscription, event) pair
  makes that second run write nothing twice.
- Each subscription's deliveries go out one at a time in event order (the oldest pending one
  first, a *head of line*): a later event is never delivered before an earlier one that is
  still pending. A subscription is *claimed* while one worker sends (``claimed_until``), so two
  workers never send the same delivery at once; a worker that dies lets go when the claim
  expires.
- A failed attempt schedules the next one (``signing.retry_delay``); the sweeper task
  (``webhook_deliveries_sweep``, every 30 s) sends what is due. After three days of failures
  the delivery is given up and the subscription paused with the reason; its later events wait
  (pending) until an admin switches it back on.

The receiver may still see a delivery twice (a worker killed after the receiver answered but
before the answer was recorded): it dedupes on ``X-Fregues-Delivery``.
"""

from __future__ import annotations

import datetime
import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.audit import audit_record
from fregues.core.errors import NotFound
from fregues.core.events import enqueue_on_commit
from fregues.core.models import OutboxEvent
from fregues.core.permissions import require

from ..models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from .catalogue import PING, matches
from .signing import GIVE_UP_AFTER, SIGNATURE_HEADER, retry_delay, signature

TIMEOUT = 10  # seconds: a receiver should answer at once and do its work later
CLAIM = datetime.timedelta(minutes=5)
EXCERPT = 500
FLUSH_TASK = "fregues.integrations.webhooks.tasks.webhook_flush_task"
USER_AGENT = "Fregues-Webhooks/1"
Pending = WebhookDelivery.Status.PENDING


def _body(event_id: str, name: str, created_at: datetime.datetime, data: Any) -> str:
    """The JSON sent: the same bytes on every attempt."""
    document = {"id": event_id, "event": name, "created_at": created_at.isoformat(), "data": data}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str)


def flush_on_commit(subscription_id: int) -> None:
    """Send ``subscription_id``'s due deliveries once the current transaction commits (one
    task per subscription and transaction, however many deliveries it wrote)."""
    marker = f"webhook_flush_{subscription_id}"
    pending = getattr(transaction.get_connection(), "run_on_commit", [])
    if any(getattr(i[1], marker, False) and not getattr(i[1], "done", False) for i in pending):
        return
    enqueue_on_commit(FLUSH_TASK, subscription_id, _marker=marker)


def webhook_deliveries_fan_out(events: Sequence[OutboxEvent]) -> int:
    """Write one delivery per (active subscription, matching event) for a batch of outbox
    events, in their transaction; the sending is queued for after the commit."""
    subscriptions = list(
        WebhookSubscription.objects.filter(is_active=True).only("pk", "event_types")
    )
    if not subscriptions:
        return 0
    rows = [
        WebhookDelivery(
            subscription_id=subscription.pk,
            event_id=event.pk,
            event=event.name,
            body=_body(f"evt_{event.pk}", event.name, event.created_at, event.payload),
            created_at=event.created_at,
            next_attempt_at=event.created_at,
        )
        for event in events
        for subscription in subscriptions
        if matches(subscription.event_types, event.name)
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    for subscription_id in sorted({row.subscription_id for row in rows}):
        flush_on_commit(subscription_id)
    return len(rows)


def _claim(subscription_id: int) -> bool:
    """Take the subscription's sending for a while; False when someone else holds it."""
    wall = timezone.now()
    return bool(
        WebhookSubscription.objects.filter(pk=subscription_id, is_active=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=wall))
        .update(claimed_until=wall + CLAIM)
    )


def _release(subscription_id: int) -> None:
    WebhookSubscription.objects.filter(pk=subscription_id).update(claimed_until=None)


def _send_due(subscription_id: int, now: datetime.datetime, limit: int) -> int:
    """Send the subscription's pending deliveries in order while they are due and succeed."""
    sent = 0
    while sent < limit:
        head = (
            WebhookDelivery.objects.select_related("subscription")
            .filter(subscription_id=subscription_id, status=Pending, event_id__isnull=False)
            .order_by("id")
            .first()
        )
        if head is None or (head.next_attempt_at and head.next_attempt_at > now):
            break
        if not head.subscription.is_active or not _attempt(head, now):
            break
        sent += 1
    return sent


def webhook_subscription_flush(
    *,
    actor: Any = None,
    subscription_id: int,
    now: datetime.datetime | None = None,
    limit: int = 500,
) -> int:
    """Send one subscription's due deliveries (the task queued after a fan-out or a change).
    Idempotent: a delivered one is never sent again, a claimed subscription is left alone."""
    if not _claim(subscription_id):
        return 0
    try:
        return _send_due(subscription_id, now or timezone.now(), limit)
    finally:
        _release(subscription_id)


def webhook_deliveries_sweep(
    *, actor: Any = None, now: datetime.datetime | None = None, limit: int = 50
) -> int:
    """Send every due delivery (the periodic task): the retries whose time has come, and
    anything a lost task left behind. Subscriptions another worker is sending are skipped."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(
        status=Pending, next_attempt_at__lte=now, event_id__isnull=False
    ).values("subscription_id")
    with transaction.atomic():
        candidates = list(
            WebhookSubscription.objects.select_for_update(skip_locked=True)
            .filter(is_active=True, pk__in=Subquery(due))
            .order_by("id")
            .values_list("pk", flat=True)[:limit]
        )
        claimed = [pk for pk in candidates if _claim(pk)]
    sent = 0
    for subscription_id in claimed:
        try:
            sent += _send_due(subscription_id, now, limit=500)
        finally:
            _release(subscription_id)
    return sent


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any other non-2xx: we do not follow it with the body."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str]:
    """POST ``body``: (HTTP status or None, the connection error, the start of the answer)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            return response.status, "", response.read(EXCERPT).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        excerpt = exc.read(EXCERPT).decode("utf-8", "replace") if exc.fp else ""
        return exc.code, "", excerpt
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(reason).__name__}: {reason}"[:300], ""


def _attempt(delivery: WebhookDelivery, now: datetime.datetime, *, queued: bool = True) -> bool:
    """One signed POST of ``delivery``, recorded with its outcome; True when delivered.

    ``queued`` deliveries (events) are retried and count for the subscription's health; a
    ping is tried once.
    """
    subscription = delivery.subscription
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Fregues-Event": delivery.event,
        "X-Fregues-Delivery": str(delivery.uid),
        SIGNATURE_HEADER: signature(subscription.secret, body, int(now.timestamp())),
    }
    started = time.perf_counter()
    status_code, error, excerpt = _post(subscription.url, body, headers)
    duration_ms = int((time.perf_counter() - started) * 1000)
    ok = status_code is not None and 200 <= status_code < 300
    with transaction.atomic():
        current = WebhookDelivery.objects.select_for_update().filter(pk=delivery.pk).first()
        if current is None:  # deleted with its subscription meanwhile
            return False
        WebhookAttempt.objects.create(
            delivery=current,
            attempted_at=now,
            status_code=status_code,
            error=error,
            duration_ms=duration_ms,
            response_excerpt=excerpt[:EXCERPT],
        )
        current.attempts += 1
        if ok:
            current.status = WebhookDelivery.Status.DELIVERED
            current.delivered_at, current.next_attempt_at = now, None
        elif not queued:
            current.status, current.next_attempt_at = WebhookDelivery.Status.FAILED, None
        else:
            current.first_failed_at = current.first_failed_at or now
            if now - current.first_failed_at >= GIVE_UP_AFTER:
                current.status, current.next_attempt_at = WebhookDelivery.Status.FAILED, None
                _pause(subscription, current, status_code, error)
            else:
                current.next_attempt_at = now + retry_delay(current.attempts)
        current.save(
            update_fields=[
                "attempts",
                "status",
                "delivered_at",
                "next_attempt_at",
                "first_failed_at",
            ]
        )
        if queued:
            WebhookSubscription.objects.filter(pk=subscription.pk).update(
                last_delivery_at=now,
                last_status_code=status_code,
                failing_since=None if ok else Coalesce("failing_since", now),
            )
    delivery.status = current.status
    return ok


def _pause(
    subscription: WebhookSubscription,
    delivery: WebhookDelivery,
    status_code: int | None,
    error: str,
) -> None:
    """Stop sending to a receiver that failed for the whole retry window, saying why."""
    answer = str(status_code) if status_code is not None else error
    reason = _("Paused after failing for 3 days (event %(event)s, last answer: %(answer)s).") % {
        "event": delivery.event,
        "answer": answer,
    }
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        is_active=False, paused_reason=reason[:300]
    )
    audit_record(
        actor=None,
        action="update",
        instance=subscription,
        summary=f"Webhook subscription {subscription.url} paused"[:300],
        changes={"is_active": [True, False], "paused_reason": ["", reason[:300]]},
    )


def _delivery_of(subscription_id: int, delivery_id: int) -> WebhookDelivery:
    delivery = (
        WebhookDelivery.objects.select_related("subscription")
        .filter(pk=delivery_id, subscription_id=subscription_id)
        .first()
    )
    if delivery is None:
        raise NotFound(_("This delivery does not exist."))
    return delivery


def webhook_delivery_redeliver(
    *, actor: Any, subscription_id: int, delivery_id: int, now: datetime.datetime | None = None
) -> WebhookDelivery:
    """Send a delivery again (same id and body: the receiver may dedupe it), in its turn: it
    goes back to pending, due now. A ping is simply tried again."""
    require(actor, "webhook.configure")
    now = now or timezone.now()
    delivery = _delivery_of(subscription_id, delivery_id)
    if delivery.event_id is None:
        _attempt(delivery, now, queued=False)
        delivery.refresh_from_db()
        return delivery
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=Pending, next_attempt_at=now, first_failed_at=None, delivered_at=None
        )
        audit_record(
            actor=actor,
            action="update",
            instance=delivery,
            summary=f"Webhook {delivery.event} redelivered to {delivery.subscription.url}"[:300],
        )
        flush_on_commit(subscription_id)
    delivery.refresh_from_db()
    return delivery


def webhook_subscription_ping(
    *, actor: Any, subscription_id: int, now: datetime.datetime | None = None
) -> WebhookDelivery:
    """Send a ``ping`` event now, once, to check the receiver and its signature check."""
    require(actor, "webhook.configure")
    now = now or timezone.now()
    subscription = WebhookSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFound(_("This webhook subscription does not exist."))
    with transaction.atomic():
        delivery = WebhookDelivery(
            subscription=subscription, event=PING, created_at=now, next_attempt_at=None
        )
        delivery.body = _body(
            f"ping_{delivery.uid.hex}", PING, now, {"subscription_id": subscription.pk}
        )
        delivery.save()
        audit_record(
            actor=actor,
            action="create",
            instance=delivery,
            summary=f"Webhook ping to {subscription.url}"[:300],
        )
    _attempt(delivery, now, queued=False)
    delivery.refresh_from_db()
    return delivery
