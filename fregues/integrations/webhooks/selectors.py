"""Reads of webhook subscriptions and their deliveries (admins only, like the writes)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from fregues.core.errors import Invalid, NotFound
from fregues.core.permissions import require

from ..models import WebhookAttempt, WebhookDelivery, WebhookSubscription


def webhook_subscription_list(*, actor: Any) -> list[WebhookSubscription]:
    require(actor, "webhook.configure")
    return list(WebhookSubscription.objects.order_by("id"))


def webhook_subscription_get(*, actor: Any, subscription_id: int) -> WebhookSubscription:
    require(actor, "webhook.configure")
    subscription = WebhookSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFound(_("This webhook subscription does not exist."))
    return subscription


def webhook_delivery_list(
    *,
    actor: Any,
    subscription_id: int,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[WebhookDelivery], str | None]:
    """A subscription's deliveries, newest first, each with its attempts; keyset pages by id
    (the cursor is the last id seen)."""
    webhook_subscription_get(actor=actor, subscription_id=subscription_id)
    qs = WebhookDelivery.objects.filter(subscription_id=subscription_id)
    if status:
        if status not in WebhookDelivery.Status.values:
            raise Invalid.field("status", _("Unknown status '%(v)s'.") % {"v": status})
        qs = qs.filter(status=status)
    if cursor:
        if not cursor.isdigit():
            raise Invalid.field("cursor", _("This cursor is not valid."), code="invalid_cursor")
        qs = qs.filter(pk__lt=int(cursor))
    qs = qs.prefetch_related(
        Prefetch("tries", queryset=WebhookAttempt.objects.order_by("id"))
    ).order_by("-id")
    rows = list(qs[: limit + 1])
    next_cursor = str(rows[limit - 1].pk) if len(rows) > limit else None
    return rows[:limit], next_cursor
