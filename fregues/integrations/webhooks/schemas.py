"""API shapes of the outbound webhooks. The secret appears only in ``SubscriptionCreated``."""

from __future__ import annotations

import datetime

from ninja import Schema

from ..models import WebhookAttempt, WebhookDelivery, WebhookSubscription


class SubscriptionIn(Schema):
    url: str
    event_types: list[str]
    description: str = ""
    is_active: bool = True


class SubscriptionPatch(Schema):
    url: str | None = None
    event_types: list[str] | None = None
    description: str | None = None
    is_active: bool | None = None
    version: int | None = None


class SubscriptionOut(Schema):
    id: int
    url: str
    description: str
    event_types: list[str]
    is_active: bool
    paused_reason: str
    failing_since: datetime.datetime | None
    last_delivery_at: datetime.datetime | None
    last_status_code: int | None
    secret_hint: str
    version: int
    created_at: datetime.datetime

    @staticmethod
    def build(subscription: WebhookSubscription) -> SubscriptionOut:
        return SubscriptionOut(
            id=subscription.pk,
            url=subscription.url,
            description=subscription.description,
            event_types=list(subscription.event_types),
            is_active=subscription.is_active,
            paused_reason=subscription.paused_reason,
            failing_since=subscription.failing_since,
            last_delivery_at=subscription.last_delivery_at,
            last_status_code=subscription.last_status_code,
            secret_hint=subscription.secret_hint,
            version=subscription.version,
            created_at=subscription.created_at,
        )


class SubscriptionCreated(SubscriptionOut):
    """A new (or re-keyed) subscription with its secret: store it now, it is not shown again."""

    secret: str


class AttemptOut(Schema):
    attempted_at: datetime.datetime
    status_code: int | None
    error: str
    duration_ms: int
    response_excerpt: str

    @staticmethod
    def build(attempt: WebhookAttempt) -> AttemptOut:
        return AttemptOut(
            attempted_at=attempt.attempted_at,
            status_code=attempt.status_code,
            error=attempt.error,
            duration_ms=attempt.duration_ms,
            response_excerpt=attempt.response_excerpt,
        )


class DeliveryOut(Schema):
    id: int
    uid: str
    event: str
    event_id: int | None
    status: str
    attempts: int
    created_at: datetime.datetime
    next_attempt_at: datetime.datetime | None
    delivered_at: datetime.datetime | None
    tries: list[AttemptOut]

    @staticmethod
    def build(delivery: WebhookDelivery) -> DeliveryOut:
        return DeliveryOut(
            id=delivery.pk,
            uid=str(delivery.uid),
            event=delivery.event,
            event_id=delivery.event_id,
            status=delivery.status,
            attempts=delivery.attempts,
            created_at=delivery.created_at,
            next_attempt_at=delivery.next_attempt_at,
            delivered_at=delivery.delivered_at,
            tries=[AttemptOut.build(a) for a in delivery.tries.all()],
        )


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None = None
