"""API shapes of the outbound webhooks. The secret appears only in ``SubscriptionCreated``."""

from __future__ import annotations

import datetime
import uuid

from ninja import Schema


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


class SubscriptionCreated(SubscriptionOut):
    """A new (or re-keyed) subscription with its secret: store it now, it is not shown again."""

    secret: str


class AttemptOut(Schema):
    attempted_at: datetime.datetime
    status_code: int | None
    error: str
    duration_ms: int
    response_excerpt: str


class DeliveryOut(Schema):
    id: int
    uid: uuid.UUID
    event: str
    event_id: int | None
    status: str
    attempts: int
    created_at: datetime.datetime
    next_attempt_at: datetime.datetime | None
    delivered_at: datetime.datetime | None
    tries: list[AttemptOut]


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None = None
