"""Outbound webhooks: /api/v1/webhook-subscriptions, their deliveries, redeliver and ping.

Admins only (``webhook.configure``). ``POST`` answers 201 with the signing ``secret``, the only
time it is shown (``POST .../rotate-secret`` makes a new one); ``PATCH`` takes the ``version``
read (or If-Match) and answers 409 when it is stale. See docs/channels/webhooks.md.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from fregues.core.api_utils import actor_of, version_from
from fregues.core.schemas import ERROR_RESPONSES

from ..webhooks import delivery, selectors, services
from ..webhooks.schemas import (
    DeliveryOut,
    DeliveryPage,
    SubscriptionCreated,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPatch,
)

router = Router(tags=["webhooks"])


def _created(created: services.Created) -> SubscriptionCreated:
    out = SubscriptionOut.from_orm(created.subscription)
    return SubscriptionCreated(**out.dict(), secret=created.secret)


@router.get("", response={200: list[SubscriptionOut], **ERROR_RESPONSES}, summary="Subscriptions")
def list_subscriptions(request: HttpRequest) -> list[SubscriptionOut]:
    rows = selectors.webhook_subscription_list(actor=actor_of(request))
    return [SubscriptionOut.from_orm(s) for s in rows]


@router.post("", response={201: SubscriptionCreated, **ERROR_RESPONSES}, summary="Subscribe")
def create_subscription(
    request: HttpRequest, payload: SubscriptionIn
) -> Status[SubscriptionCreated]:
    """Subscribe a URL to event types (exact names, ``case.*`` prefixes or ``*``)."""
    created = services.webhook_subscription_create(actor=actor_of(request), **payload.dict())
    return Status(201, _created(created))


@router.get("/{int:subscription_id}", response={200: SubscriptionOut, **ERROR_RESPONSES})
def get_subscription(request: HttpRequest, subscription_id: int) -> SubscriptionOut:
    subscription = selectors.webhook_subscription_get(
        actor=actor_of(request), subscription_id=subscription_id
    )
    return SubscriptionOut.from_orm(subscription)


@router.patch("/{int:subscription_id}", response={200: SubscriptionOut, **ERROR_RESPONSES})
def patch_subscription(
    request: HttpRequest, subscription_id: int, payload: SubscriptionPatch
) -> SubscriptionOut:
    """Change the fields sent; ``is_active: true`` resumes a paused subscription."""
    subscription = services.webhook_subscription_update(
        actor=actor_of(request),
        subscription_id=subscription_id,
        data=payload.dict(exclude_unset=True, exclude={"version"}),
        version=version_from(request, payload.version),
    )
    return SubscriptionOut.from_orm(subscription)


@router.delete("/{int:subscription_id}", response={204: None, **ERROR_RESPONSES})
def delete_subscription(request: HttpRequest, subscription_id: int) -> Status[None]:
    services.webhook_subscription_delete(actor=actor_of(request), subscription_id=subscription_id)
    return Status(204, None)


@router.post(
    "/{int:subscription_id}/rotate-secret",
    response={200: SubscriptionCreated, **ERROR_RESPONSES},
    summary="Rotate the signing secret",
)
def rotate_secret(request: HttpRequest, subscription_id: int) -> SubscriptionCreated:
    """A new secret, shown in this answer only; the old one stops signing at once."""
    created = services.webhook_subscription_rotate_secret(
        actor=actor_of(request), subscription_id=subscription_id
    )
    return _created(created)


@router.get("/{int:subscription_id}/deliveries", response={200: DeliveryPage, **ERROR_RESPONSES})
def list_deliveries(
    request: HttpRequest,
    subscription_id: int,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> DeliveryPage:
    """Deliveries newest first with their attempts; ``status``: pending, delivered, failed."""
    rows, next_cursor = selectors.webhook_delivery_list(
        actor=actor_of(request),
        subscription_id=subscription_id,
        status=status,
        cursor=cursor,
        limit=limit,
    )
    return DeliveryPage(items=[DeliveryOut.from_orm(d) for d in rows], next_cursor=next_cursor)


@router.post(
    "/{int:subscription_id}/deliveries/{int:delivery_id}/redeliver",
    response={202: DeliveryOut, **ERROR_RESPONSES},
)
def redeliver(request: HttpRequest, subscription_id: int, delivery_id: int) -> Status[DeliveryOut]:
    """Send a delivery again, with the same id and body, in its turn."""
    sent = delivery.webhook_delivery_redeliver(
        actor=actor_of(request), subscription_id=subscription_id, delivery_id=delivery_id
    )
    return Status(202, DeliveryOut.from_orm(sent))


@router.post("/{int:subscription_id}/ping", response={200: DeliveryOut, **ERROR_RESPONSES})
def ping(request: HttpRequest, subscription_id: int) -> DeliveryOut:
    """Send a ``ping`` event now and answer with its attempt (the receiver's status code)."""
    sent = delivery.webhook_subscription_ping(
        actor=actor_of(request), subscription_id=subscription_id
    )
    return DeliveryOut.from_orm(sent)
